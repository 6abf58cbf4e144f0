"""Fixtures for the deploy runtime's tests: the test app (app/app.py) run on the host or built
into an image.

Podman tests skip only when podman is not installed; a podman that is installed but cannot build
or run the image fails them, so a broken set-up is never hidden by a skip (CI installs it)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator

import pytest

from deploy.runtime_support import APP, HostApp

TEST_APP_IMAGE = "localhost/opsmith-test-app:latest"
BASE_IMAGE = "docker.io/library/python:3.12.13-slim-bookworm"


@pytest.fixture
def host_app() -> Iterator[HostApp]:
    """Test apps on the host (see HostApp), all killed at the end of the test."""
    apps = HostApp()
    yield apps
    apps.close()


@pytest.fixture(scope="session")
def test_app_image() -> str:
    """The test app's image, built once per session from the local stand-in Python image."""
    if shutil.which("podman") is None:
        pytest.skip("podman is not installed (run .ci/podman-setup)")
    if subprocess.run(["podman", "image", "exists", BASE_IMAGE], check=False).returncode != 0:
        from containers import podman_env  # assembles the stand-in base images (slow, once)

        podman_env.ensure_stand_in(BASE_IMAGE)
    build = subprocess.run(
        [
            "podman",
            "build",
            "--pull=never",
            "--format",
            "docker",
            "-q",
            "-t",
            TEST_APP_IMAGE,
            str(APP.parent),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert build.returncode == 0, f"building the test app failed:\n{build.stderr[-3000:]}"
    return TEST_APP_IMAGE
