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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Build time and image size of each example image built in this run (see
    test_generated_images.py), whether or not its test passed."""
    lines = [
        str(value)
        for outcome in ("passed", "failed")
        for report in terminalreporter.stats.get(outcome, [])
        if report.when == "call"
        for name, value in report.user_properties
        if name == "image"
    ]
    if lines:
        terminalreporter.write_sep("-", "example images (build time includes podman's layer cache)")
        for line in sorted(lines):
            terminalreporter.write_line(line)
