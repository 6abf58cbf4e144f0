"""Releases as real podman containers of the test app, in each of its modes: a healthy one is
reachable on the loopback port it publishes, one that answers errors still passes its health
route, one that crashes is not running, one that hangs never becomes healthy in HAProxy."""

from __future__ import annotations

import json
import stat
import subprocess
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.runtime_support import get, wait_until
from opsmith.deploy.balancer import Balancer, Frontend
from opsmith.deploy.containers import LOOPBACK, Engine, ReleaseSpec, free_port
from opsmith.deploy.processes import stop_daemon

SECRET = "s3cr3t-token-value"


@pytest.fixture
def engine(tmp_path: Path, test_app_image: str) -> Iterator[Engine]:
    """An engine of an application name of its own; its containers are removed afterwards."""
    engine = Engine("podman", tmp_path, f"rt{uuid.uuid4().hex[:8]}", pull="never")
    yield engine
    names = subprocess.run(
        ["podman", "ps", "-a", "--format", "{{.Names}}", "--filter", f"label=org.opsmith.app={engine.app}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for name in names:
        engine.stop(name)


def spec(image: str, release_id: str, mode: str, **env: str) -> ReleaseSpec:
    return ReleaseSpec(
        "web", release_id, image, 8080, free_port(), {"MODE": mode, "VERSION": release_id, **env}
    )


def inspect(name: str) -> dict[str, object]:
    proc = subprocess.run(["podman", "inspect", name], capture_output=True, text=True, check=True)
    data: dict[str, object] = json.loads(proc.stdout)[0]
    return data


def test_a_healthy_release_is_reachable_on_loopback_only(engine: Engine, test_app_image: str) -> None:
    release = spec(test_app_image, "r1", "healthy", API_TOKEN=SECRET)
    running = engine.start(release)
    assert running.name == f"opsmith-{engine.app}-web-r1"
    assert (running.host, running.host_port) == (LOOPBACK, release.host_port)
    assert engine.running(running.name)
    assert wait_until(lambda: get(f"http://{LOOPBACK}:{release.host_port}/")[0] == 200, 20)
    assert get(f"http://{LOOPBACK}:{release.host_port}/") == (200, "r1\n")
    ports = subprocess.run(["podman", "port", running.name], capture_output=True, text=True, check=True)
    assert ports.stdout.split() == ["8080/tcp", "->", f"{LOOPBACK}:{release.host_port}"]
    # the secret reached the container through an env file, not the command line, and no copy
    # of it stays on disk
    details = inspect(running.name)
    assert SECRET not in " ".join(details["Config"]["CreateCommand"])  # type: ignore[index]
    assert f"API_TOKEN={SECRET}" in details["Config"]["Env"]  # type: ignore[index]
    assert list(engine.env_dir.iterdir()) == []
    assert stat.S_IMODE(engine.env_dir.stat().st_mode) == 0o700
    # starting the same release again reuses the running container
    assert engine.start(release) == running
    assert inspect(running.name)["Id"] == details["Id"]
    engine.stop(running.name)
    assert not engine.running(running.name)
    engine.stop(running.name)  # stopping twice is fine


def test_each_mode_behind_haproxy(engine: Engine, test_app_image: str, tmp_path: Path) -> None:
    front = Frontend("web", LOOPBACK, free_port(), "/health")
    balancer = Balancer(tmp_path, check_interval=0.2)
    balancer.ensure([front])
    try:
        releases = {mode: spec(test_app_image, mode, mode) for mode in ("healthy", "error", "crash", "hang")}
        started = {mode: engine.start(release) for mode, release in releases.items()}
        for mode, release in releases.items():
            balancer.add_server("web", mode, LOOPBACK, release.host_port, 1)
        assert wait_until(lambda: not engine.running(started["crash"].name), 20)
        assert wait_until(lambda: "crashing at start" in engine.logs(started["crash"].name), 10)

        def healthy() -> set[str]:
            return {s.name for s in balancer.servers("web") if s.healthy}

        assert wait_until(lambda: healthy() == {"healthy", "error"}, 20)
        threading.Event().wait(2)  # ten more checks: the hung and the crashed releases stay out
        assert healthy() == {"healthy", "error"}
        assert engine.running(started["hang"].name)
        assert get(f"http://{LOOPBACK}:{releases['error'].host_port}/") == (500, "error\n")
        assert get(f"http://{LOOPBACK}:{releases['error'].host_port}/health") == (200, "error\n")
    finally:
        stop_daemon("haproxy", tmp_path / "haproxy")


def test_the_release_command_runs_once_and_reports_its_status(engine: Engine, test_app_image: str) -> None:
    command = "python -c 'import os, sys; sys.exit(int(os.environ[\"CODE\"]))'"
    assert engine.run_once(test_app_image, command, {"CODE": "0"}, 60) == 0
    assert engine.run_once(test_app_image, command, {"CODE": "3"}, 60) == 3
    assert engine.run_once(test_app_image, "python -c 'import time; time.sleep(60)'", {}, 3) == 124
    leftovers = subprocess.run(
        ["podman", "ps", "-a", "--format", "{{.Names}}", "--filter", f"name=opsmith-{engine.app}-release"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert leftovers.stdout.strip() == ""
    assert list(engine.env_dir.glob("*.env")) == []


@pytest.mark.parametrize(
    ("release", "message"),
    [
        (ReleaseSpec("web", "r1", "--privileged", 8080, 8081), "invalid image reference"),
        (ReleaseSpec("Web", "r1", "app:1", 8080, 8081), "invalid service name"),
        (ReleaseSpec("web", "r 1", "app:1", 8080, 8081), "invalid release id"),
        (ReleaseSpec("web", "r1", "app:1", 8080, 0), "invalid port"),
        (ReleaseSpec("web", "r1", "app:1", 8080, 8081, {"A": "1\nB=2"}), "spans several lines"),
        (ReleaseSpec("web", "r1", "app:1", 8080, 8081, {"A-B": "1"}), "invalid environment variable"),
    ],
)
def test_values_are_checked_before_the_runtime_sees_them(
    tmp_path: Path, release: ReleaseSpec, message: str
) -> None:
    engine = Engine("podman", tmp_path, "app")
    with pytest.raises(ValueError, match=message):
        engine.start(release)
