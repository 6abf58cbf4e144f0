"""Third-party packages for building generated images here, given from the host.

A generated Dockerfile installs its dependencies (and pnpm, uv or Poetry) from the registries,
which a build cannot reach here (see package_mirror.py). The build runs the Dockerfile unchanged,
with host networking and these read-only global configurations mounted into its RUN steps:

- `/root/.npmrc`: npm and pnpm ask the mirror (npm rewrites package-lock.json's registry URLs to
  the configured registry; pnpm's lockfile names no URL).
- `/root/.yarnrc` and an offline mirror folder: yarn 1 fetches yarn.lock's URLs as written, so
  the tarballs are fetched on the host by yarn itself into an offline mirror, which yarn reads
  before the network.
- `/etc/pip.conf`: pip (Poetry's export is installed by pip) asks the mirror.
- uv's cache at `/root/.cache/uv` and `/etc/uv/uv.toml` saying `offline = true`: `uv sync --locked`
  downloads uv.lock's URLs as written and a different index fails `--locked`, so the same uv
  release fills the cache on the host, for the build's Python version, from the real PyPI.

Everything fetched is kept under the podman state dir, so a second run needs no network.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import urllib.parse
from pathlib import Path

import podman_env
import service_images
from package_mirror import PackageMirror

TOOLS_DIR = podman_env.STATE_DIR / "tools"
YARN_OFFLINE = podman_env.STATE_DIR / "yarn-offline"
UV_CACHE = podman_env.STATE_DIR / "uv-cache"
_UV_PIN = re.compile(r"\buv==(\d+(?:\.\d+)+)")
_YARN_RESOLVED = re.compile(r'^\s+resolved "([^"#]+)', re.MULTILINE)
_BASE_IMAGE = re.compile(r"^ARG BASE_IMAGE=(\S+)", re.MULTILINE)
TOOL_TIMEOUT = 600


def base_image(dockerfile: str) -> str:
    """The fully-qualified image a generated Dockerfile's `ARG BASE_IMAGE` names."""
    found = _BASE_IMAGE.search(dockerfile)
    if found is None:
        raise ValueError("the Dockerfile declares no ARG BASE_IMAGE")
    return service_images.qualified(found.group(1))


def build_volumes(repo: Path, mirror: PackageMirror, work: Path) -> dict[Path, str]:
    """The mounts that let `repo`'s generated Dockerfile install its packages (see the module)."""
    work.mkdir(parents=True, exist_ok=True)
    npmrc = work / "npmrc"
    npmrc.write_text(f"registry={mirror.url}/npm/\n", encoding="utf-8")
    pip_conf = work / "pip.conf"
    pip_conf.write_text(f"[global]\nindex-url = {mirror.url}/pypi/simple/\n", encoding="utf-8")
    volumes = {npmrc: "/root/.npmrc:ro", pip_conf: "/etc/pip.conf:ro"}
    if (repo / "yarn.lock").exists():
        fill_yarn_offline_mirror(repo, mirror)
        yarnrc = work / "yarnrc"
        yarnrc.write_text('yarn-offline-mirror "/opt/yarn-offline"\n', encoding="utf-8")
        volumes |= {yarnrc: "/root/.yarnrc:ro", YARN_OFFLINE: "/opt/yarn-offline:ro"}
    dockerfile = (repo / "Dockerfile").read_text(encoding="utf-8")
    uv = _UV_PIN.search(dockerfile)
    if (repo / "uv.lock").exists() and uv:
        fill_uv_cache(repo, mirror, uv.group(1), _python_version(base_image(dockerfile)))
        uv_toml = work / "uv.toml"
        uv_toml.write_text("offline = true\n", encoding="utf-8")
        volumes |= {UV_CACHE: "/root/.cache/uv", uv_toml: "/etc/uv/uv.toml:ro"}
    return volumes


def fill_yarn_offline_mirror(repo: Path, mirror: PackageMirror) -> None:
    """yarn 1 (the stand-in's release, itself from the mirror) installs a copy of `repo` on the
    host, copying every tarball of its yarn.lock into YARN_OFFLINE, unless all are there."""
    lock = (repo / "yarn.lock").read_text(encoding="utf-8")
    if all((YARN_OFFLINE / _yarn_mirror_name(url)).exists() for url in _YARN_RESOLVED.findall(lock)):
        return
    with tempfile.TemporaryDirectory(prefix="yarn-", dir=podman_env.STATE_DIR) as tmp:
        copy = Path(tmp) / "app"
        copy.mkdir()
        for name in ("package.json", "yarn.lock"):
            shutil.copyfile(repo / name, copy / name)
        (copy / ".yarnrc").write_text(f'yarn-offline-mirror "{YARN_OFFLINE}"\n', encoding="utf-8")
        env = {
            "npm_config_registry": f"{mirror.url}/npm/",
            "npm_config_cache": str(podman_env.STATE_DIR / "npm-cache"),
            "YARN_CACHE_FOLDER": str(podman_env.STATE_DIR / "yarn-cache"),
        }
        argv = ["npx", "--yes", f"yarn@{podman_env.YARN_VERSION}", "install", "--frozen-lockfile"]
        argv += ["--ignore-scripts", "--ignore-engines", "--non-interactive", "--silent"]
        _host(argv, cwd=copy, env=env)


def _yarn_mirror_name(url: str) -> str:
    """The file name yarn 1 gives a tarball in its offline mirror (`@scope-name-1.0.0.tgz` for
    a scoped package)."""
    parts = urllib.parse.urlsplit(url).path.strip("/").split("/")
    return f"{parts[0]}-{parts[-1]}" if parts[0].startswith("@") else parts[-1]


def fill_uv_cache(repo: Path, mirror: PackageMirror, version: str, python: str) -> None:
    """uv `version` (installed on the host from the mirror) syncs a copy of `repo` for Python
    `python`, as the Dockerfile's `uv sync` does, filling UV_CACHE from PyPI itself."""
    uv = _uv(mirror, version)
    with tempfile.TemporaryDirectory(prefix="uv-", dir=podman_env.STATE_DIR) as tmp:
        copy = Path(tmp) / "app"
        copy.mkdir()
        for name in ("pyproject.toml", "uv.lock"):
            shutil.copyfile(repo / name, copy / name)
        env = {"UV_CACHE_DIR": str(UV_CACHE), "UV_PROJECT_ENVIRONMENT": str(Path(tmp) / "venv")}
        argv = [str(uv), "sync", "--locked", "--no-dev", "--no-install-project", "--python", python]
        _host(argv, cwd=copy, env=env)


def _uv(mirror: PackageMirror, version: str) -> Path:
    venv = TOOLS_DIR / f"uv-{version}"
    uv = venv / "bin" / "uv"
    if not uv.exists():
        shutil.rmtree(venv, ignore_errors=True)
        _host([sys.executable, "-m", "venv", str(venv)])
        # --isolated: this machine's pip configuration (constraints, extra indexes) is not ours.
        pip = [str(venv / "bin" / "python"), "-m", "pip", "--isolated", "install", "--quiet"]
        _host([*pip, "--index-url", f"{mirror.url}/pypi/simple/", f"uv=={version}"])
    return uv


def _python_version(image: str) -> str:
    """`major.minor` of the Python in `image` (the stand-in's, whatever its tag says)."""
    out = podman_env.run_in(image, "python", "-c", "import sys; print('%d.%d' % sys.version_info[:2])")
    return out.strip()


def _host(argv: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None) -> None:
    podman_env.run_host(argv, cwd=cwd, env={**os.environ, **(env or {})}, timeout=TOOL_TIMEOUT)
