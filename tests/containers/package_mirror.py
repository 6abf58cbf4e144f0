"""The npm registry and PyPI, served to image builds from the host on 127.0.0.1.

HTTPS from inside a `podman build` fails on these machines (the host's TLS is re-signed by a CA
only the host trusts), while the host reaches both registries. So a build that needs packages runs
with host networking and a package manager configured (by a mounted global config file, never by
an edit of the generated Dockerfile) to ask this mirror, which fetches from the real registry and
keeps what it fetched under the podman state dir:

- `/npm/...` is registry.npmjs.org; tarball URLs in package documents are rewritten to the mirror.
- `/pypi/simple/...` is PyPI's simple index; `/pypi/files/...` is files.pythonhosted.org, and the
  index pages point there.

Archives are kept forever (a release never changes); package documents and index pages for a day,
so that a newer pinned release is found. The cache makes a second run independent of the network.
"""

from __future__ import annotations

import hashlib
import http.server
import os
import re
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

UPSTREAMS = {
    "npm": "https://registry.npmjs.org/",
    "pypi/simple": "https://pypi.org/simple/",
    "pypi/files": "https://files.pythonhosted.org/",
}
METADATA_TTL = 24 * 3600  # seconds a package document or index page is reused
UPSTREAM_TIMEOUT = 120
# A registry path: package names, versions, scopes (`@scope%2fname`), file names. No `..` segment.
_SAFE_PATH = re.compile(r"^(?!.*(?:^|/)\.\.(?:/|$))[A-Za-z0-9@%+._~/-]*$")
_ARCHIVE = re.compile(r"\.(?:tgz|whl|tar\.gz|zip)$")


class PackageMirror:
    """A caching mirror on 127.0.0.1 (a free port), running while the `with` block runs."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.fetched: list[str] = []  # upstream URLs fetched (not served from the cache)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> PackageMirror:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def rewrite(self, body: bytes) -> bytes:
        """Upstream URLs in a package document or index page, pointed at this mirror."""
        for prefix, upstream in UPSTREAMS.items():
            body = body.replace(upstream.encode(), f"{self.url}/{prefix}/".encode())
        return body

    def get(self, prefix: str, rest: str, accept: str) -> tuple[int, str, bytes]:
        """(status, content type, body) of `rest` under an upstream, from the cache when fresh."""
        archive = bool(_ARCHIVE.search(rest))
        key = hashlib.sha256(f"{prefix}\0{rest}\0{'' if archive else accept}".encode()).hexdigest()
        body_path = self.cache / prefix.replace("/", "-") / key
        type_path = body_path.with_suffix(".type")
        fresh = body_path.exists() and (archive or time.time() - body_path.stat().st_mtime < METADATA_TTL)
        if not fresh:
            url = UPSTREAMS[prefix] + rest
            request = urllib.request.Request(url, headers={"Accept": accept or "*/*"})
            try:
                with urllib.request.urlopen(request, timeout=UPSTREAM_TIMEOUT) as response:
                    content_type = response.headers.get("Content-Type", "application/octet-stream")
                    data = response.read()
            except urllib.error.HTTPError as exc:
                return exc.code, "text/plain", f"{url}: {exc.code}\n".encode()
            except (urllib.error.URLError, OSError) as exc:
                if not body_path.exists():  # a stale copy beats no copy
                    return 502, "text/plain", f"{url}: {exc}\n".encode()
            else:
                self.fetched.append(url)
                _write_atomically(body_path, data)
                _write_atomically(type_path, content_type.encode())
        content_type = type_path.read_text(encoding="utf-8")
        data = body_path.read_bytes()
        return 200, content_type, data if archive else self.rewrite(data)


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
        handle.write(data)
    os.replace(handle.name, path)


def _handler(mirror: PackageMirror) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._answer(send_body=True)

        def do_HEAD(self) -> None:
            self._answer(send_body=False)

        def _answer(self, *, send_body: bool) -> None:
            path = self.path.split("?", 1)[0].lstrip("/")
            for prefix in UPSTREAMS:
                if path.startswith(prefix + "/") and _SAFE_PATH.fullmatch(path):
                    status, content_type, body = mirror.get(
                        prefix, path[len(prefix) + 1 :], self.headers.get("Accept", "")
                    )
                    break
            else:
                status, content_type, body = 404, "text/plain", b"not a mirrored path\n"
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: a build asks for hundreds of files."""

    return Handler
