"""The package mirror image builds use: rewritten URLs, a cache that outlives the upstream, safe paths.

The upstream here is a local HTTP server on 127.0.0.1 standing for registry.npmjs.org (the real
registries are exercised by the example image builds in test_generated_images.py)."""

from __future__ import annotations

import http.server
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import package_mirror
import pytest
from package_mirror import PackageMirror

TARBALL = b"\x1f\x8b not really gzip, served byte for byte"


@pytest.fixture
def upstream(monkeypatch: pytest.MonkeyPatch) -> Iterator[http.server.ThreadingHTTPServer]:
    """An npm registry with one package, `left@1.0.0`, at a free loopback port."""

    class Registry(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            base = package_mirror.UPSTREAMS["npm"]
            if self.path == "/left":
                document = {"versions": {"1.0.0": {"dist": {"tarball": f"{base}left/-/left-1.0.0.tgz"}}}}
                self._send(200, "application/json", json.dumps(document).encode())
            elif self.path == "/left/-/left-1.0.0.tgz":
                self._send(200, "application/octet-stream", TARBALL)
            else:
                self._send(404, "text/plain", b"no such package\n")

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Registry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setitem(package_mirror.UPSTREAMS, "npm", f"http://127.0.0.1:{server.server_address[1]}/")
    yield server
    server.shutdown()
    server.server_close()


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_package_documents_point_at_the_mirror_and_the_cache_outlives_the_upstream(
    upstream: http.server.ThreadingHTTPServer, tmp_path: Path
) -> None:
    with PackageMirror(tmp_path / "cache") as mirror:
        status, document = _get(f"{mirror.url}/npm/left")
        assert status == 200
        tarball_url = f"{mirror.url}/npm/left/-/left-1.0.0.tgz"
        assert tarball_url.encode() in document and package_mirror.UPSTREAMS["npm"].encode() not in document
        assert _get(tarball_url) == (200, TARBALL)
        assert len(mirror.fetched) == 2

        upstream.shutdown()  # a second run needs no network
        assert _get(f"{mirror.url}/npm/left") == (200, document)
        assert _get(tarball_url) == (200, TARBALL)
        assert len(mirror.fetched) == 2


def test_missing_packages_unknown_prefixes_and_dot_dot_paths_are_not_found(
    upstream: http.server.ThreadingHTTPServer, tmp_path: Path
) -> None:
    with PackageMirror(tmp_path / "cache") as mirror:
        assert _get(f"{mirror.url}/npm/right")[0] == 404
        assert _get(f"{mirror.url}/elsewhere/left")[0] == 404
        assert _get(f"{mirror.url}/npm/left/../../etc/passwd")[0] == 404
        assert mirror.fetched == []
        assert not list((tmp_path / "cache").rglob("*"))  # a 404 is not kept
