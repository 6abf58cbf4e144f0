"""Go and Rust images opsmith generates build with podman and answer their health check.

The Go module proxy, crates.io and Alpine's package repositories are unreachable here, so the
example services use the standard library only, the builds run with `--network none`, and the
images the Dockerfiles name are the Debian-based stand-ins of service_images.py, whose toolchains
differ from the tags (the versions in base_images.json): the golang builder holds Debian's Go 1.23
(bookworm-backports; the example apps' go.mod asks for no newer), the rust builder Debian's rustc
and cargo 1.85 building for glibc where the official image builds for musl (its `apk add musl-dev`
is answered by a stand-in apk, the package being already there), and the alpine runtime is Debian
with BusyBox's `adduser` options, `wget` and `nc -z`.
What this proves is the Dockerfile's own logic: the package it builds, the binary it copies, the
user, the port and the health check; not that Alpine's packages install.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import podman_env
import pytest
import service_images

from helpers import init_generated

APPS = Path(__file__).parent / "apps"


@pytest.mark.parametrize(
    ("app", "port", "built_package"),
    [("go-root", 9000, "."), ("go-cmd", 8080, "./cmd/api"), ("rust-service", 8080, None)],
)
def test_generated_compiled_image_builds_and_is_healthy(
    podman: dict[str, str], tmp_path: Path, app: str, port: int, built_package: str | None
) -> None:
    repo = tmp_path / app
    shutil.copytree(APPS / app, repo)
    init_generated(repo)
    dockerfile = (repo / "Dockerfile").read_text()
    service_images.ensure_compiled_images(
        line.split()[1] for line in dockerfile.splitlines() if line.startswith("FROM ")
    )
    if built_package is not None:
        assert f"-o /out/app {built_package}\n" in dockerfile

    started = time.monotonic()
    image = podman_env.build_image(repo, network="none")
    built = time.monotonic() - started
    config = podman_env.image_config(image)
    assert config["User"] == "10001"
    assert config["Healthcheck"]["Test"][0] == "CMD"
    assert podman_env.run_and_probe(image, port, "/healthz", timeout=60) == 200
    size = int(podman_env.run_host(["podman", "image", "inspect", "--format", "{{.Size}}", image]))
    print(f"{app}: built in {built:.1f}s, image {size / 1e6:.1f} MB")
