"""Fixtures for tests that build and run container images with podman (see podman_env.py)."""

from __future__ import annotations

import podman_env
import pytest


@pytest.fixture(scope="session")
def podman() -> dict[str, str]:
    """The local stand-in base images ({reference: image id}), built on first use; skips the test
    with the reason when podman cannot build or run containers on this machine."""
    reason = podman_env.podman_available()
    if reason:
        pytest.skip(reason)
    try:
        return podman_env.ensure_base_images()
    except podman_env.PodmanUnavailable as exc:
        pytest.skip(str(exc))


# The sample services under apps/ are built into images, not collected as opsmith's tests.
collect_ignore_glob = ["apps/*"]
