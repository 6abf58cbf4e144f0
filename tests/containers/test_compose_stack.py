"""The compose.yaml opsmith generates runs: the app reaches its real PostgreSQL and Redis, and a
database outage makes it unready without restarting it.

For a Node (pg, redis; DATABASE_URL and REDIS_URL) and a Python (pg8000 configured by libpq's
PGHOST/PGUSER/PGPASSWORD/PGDATABASE, redis) example under apps/, `opsmith init` writes
compose.yaml and .env.example; the test fills .env as a user would (every variable listed, secrets
random), builds the app image from the generated Dockerfile (packages from the host's mirror, see
build_dependencies.py) under the name compose gives it, and brings the stack up with Debian's
podman-compose 1.0.3. postgres and redis are the stand-ins of service_images.py. Where this differs
from `docker compose up`, the test does what Compose would:
- podman-compose does not wait for `condition: service_healthy`: the test starts the backing
  services, waits until their compose health checks pass, then starts the app;
- nothing runs health checks on a timer here (no systemd), and podman-compose 1.0.3 joins a CMD
  check's arguments into one shell word (an argument with a space breaks): the test runs each
  service's `healthcheck.test` from compose.yaml itself with `podman exec`, as Docker would;
- published host ports become loopback ports podman picks, so parallel runs and services on this
  machine cannot collide.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import podman_env
import pytest
import service_images
import yaml
from build_dependencies import build_volumes
from package_mirror import PackageMirror

from helpers import init_generated

APPS = Path(__file__).parent / "apps"
COMPOSE_TIMEOUT = 300
CNI_PLUGIN_DIRS = ("/usr/lib/cni", "/usr/libexec/cni", "/opt/cni/bin")
READY_TIMEOUT = 120  # seconds; the first start of the database initialises its data directory


@pytest.fixture(scope="module")
def backing_images(podman: dict[str, str]) -> dict[str, str]:
    if shutil.which("podman-compose") is None:
        pytest.skip("podman-compose is not installed (run .ci/podman-setup)")
    backend = podman_env.run_host(["podman", "info", "--format", "{{.Host.NetworkBackend}}"]).strip()
    if backend == "cni" and not any(Path(d, "dnsname").exists() for d in CNI_PLUGIN_DIRS):
        # Without it compose services cannot find each other by name.
        pytest.skip("the CNI dnsname plugin is not installed (run .ci/podman-setup)")
    return service_images.ensure_service_images()


# what `docker compose` reads by itself in a developer's checkout
FILES = ("-f", "compose.yaml", "-f", "compose.override.yaml")


class Stack:
    """A generated compose.yaml brought up under its own project name, always taken down."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self.project = f"opsmith-{uuid.uuid4().hex[:10]}"
        self.compose: dict[str, Any] = yaml.safe_load((repo / "compose.yaml").read_text())

    def run(self, *args: str) -> str:
        argv = ["podman-compose", "-p", self.project, *FILES, *args]
        proc = subprocess.run(
            argv, cwd=self.repo, capture_output=True, text=True, timeout=COMPOSE_TIMEOUT, check=False
        )
        assert proc.returncode == 0, f"{' '.join(argv)} exited {proc.returncode}:\n{proc.stdout}{proc.stderr}"
        return proc.stdout

    def container(self, service: str) -> str:
        return f"{self.project}_{service}_1"

    def healthy(self, service: str) -> bool:
        """Runs the service's compose health check in its container, as Docker would."""
        kind, *test = self.compose["services"][service]["healthcheck"]["test"]
        assert kind in ("CMD", "CMD-SHELL"), kind
        if kind == "CMD-SHELL":
            # Compose reads `$$` as a literal `$`; the shell then expands the container's variables.
            test = ["/bin/sh", "-c", test[0].replace("$$", "$")]
        argv = ["podman", "exec", self.container(service), *test]
        return subprocess.run(argv, capture_output=True, timeout=60, check=False).returncode == 0

    def state(self, service: str) -> dict[str, Any]:
        out = subprocess.run(
            ["podman", "inspect", "--format", "json", self.container(service)],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        info: dict[str, Any] = json.loads(out)[0]
        return info

    def url(self, service: str, port: int, path: str) -> str:
        mapping = subprocess.run(
            ["podman", "port", self.container(service), f"{port}/tcp"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.split()
        return f"http://127.0.0.1:{mapping[0].rpartition(':')[2]}{path}"

    def down(self) -> None:
        subprocess.run(
            ["podman-compose", "-p", self.project, *FILES, "down", "-v", "-t", "0"],
            cwd=self.repo,
            capture_output=True,
            timeout=COMPOSE_TIMEOUT,
            check=False,
        )
        subprocess.run(
            ["podman", "network", "rm", "--force", f"{self.project}_default"],
            capture_output=True,
            timeout=60,
            check=False,
        )


def _generate(tmp_path: Path, app: str) -> Path:
    repo = tmp_path / app
    shutil.copytree(APPS / app, repo)
    init_generated(repo)
    return repo


def _on_loopback(compose: dict[str, Any]) -> dict[str, Any]:
    """Every published port moved to a loopback port podman picks (the container port is kept)."""
    for service in compose["services"].values():
        if "ports" in service:
            service["ports"] = [f"127.0.0.1::{str(p).rpartition(':')[2]}" for p in service["ports"]]
    return compose


def _fill_env(repo: Path, image_tag: str) -> None:
    """.env from .env.example, as the user is told to: every variable set, secrets random."""
    values: dict[str, str] = {}
    for line in (repo / ".env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name = line.partition("=")[0].strip()
            values[name] = image_tag if name == "IMAGE_TAG" else os.urandom(16).hex()
    (repo / ".env").write_text("".join(f"{k}={v}\n" for k, v in values.items()))


def _get(url: str) -> tuple[int, dict[str, Any]] | None:
    """(status, JSON body), or None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")
    except (urllib.error.URLError, OSError):
        return None


def _wait(check: Callable[[], bool], timeout: float, what: str, logs: Callable[[], str]) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not within {timeout}s:\n{logs()}")
        time.sleep(1)


@pytest.fixture
def stack() -> Iterator[Callable[[Path], Stack]]:
    started: list[Stack] = []

    def start(repo: Path) -> Stack:
        started.append(Stack(repo))
        return started[-1]

    yield start
    for each in started:
        each.down()


@pytest.mark.parametrize(("app", "port"), [("node-stack", 3000), ("python-stack", 8000)])
def test_generated_compose_stack_connects_and_survives_a_database_outage(
    backing_images: dict[str, str],
    tmp_path: Path,
    stack: Callable[[Path], Stack],
    app: str,
    port: int,
) -> None:
    repo = _generate(tmp_path, app)
    generated = yaml.safe_load((repo / "compose.yaml").read_text())
    app_service = generated["services"][app]
    assert set(app_service["depends_on"]) == {"db", "redis"}
    assert all(dep["condition"] == "service_healthy" for dep in app_service["depends_on"].values())
    for backing in ("db", "redis"):
        assert service_images.qualified(generated["services"][backing]["image"]) in backing_images

    tag = f"test-{uuid.uuid4().hex[:10]}"
    _fill_env(repo, tag)
    assert "ports" not in app_service  # on the server, HAProxy owns the app's port
    (repo / "compose.yaml").write_text(yaml.safe_dump(_on_loopback(generated), sort_keys=False))
    # local development publishes the app's port through the override, as `docker compose` merges it
    override = yaml.safe_load((repo / "compose.override.yaml").read_text())
    assert override["services"][app]["ports"] == [f"{port}:{port}"]
    (repo / "compose.override.yaml").write_text(yaml.safe_dump(_on_loopback(override), sort_keys=False))
    started = time.monotonic()
    with PackageMirror(podman_env.STATE_DIR / "mirror") as mirror:
        volumes = build_volumes(repo, mirror, tmp_path / "build-config")
        image = podman_env.build_image(repo, network="host", volumes=volumes)
    built = time.monotonic() - started
    image_ref = f"localhost/{app_service['image'].split(':')[0]}:{tag}"
    subprocess.run(["podman", "tag", image, image_ref], check=True, timeout=60)
    try:
        _run_stack(stack(repo), app, port, podman_env.image_config(image)["Healthcheck"]["Test"])
    finally:
        subprocess.run(["podman", "untag", image, image_ref], check=False, timeout=60)
    print(f"{app}: image built in {built:.1f}s, stack checked in {time.monotonic() - started - built:.1f}s")


def _run_stack(up: Stack, app: str, port: int, image_check: list[str]) -> None:
    def logs() -> str:
        proc = subprocess.run(
            ["podman", "logs", up.container(app)], capture_output=True, text=True, timeout=60, check=False
        )
        return (proc.stdout + proc.stderr)[-3000:]

    # Compose would wait for `service_healthy`; podman-compose does not, so the test waits.
    up.run("up", "-d", "--no-build", "db", "redis")
    for backing in ("db", "redis"):
        _wait(functools.partial(up.healthy, backing), READY_TIMEOUT, f"{backing} healthy", logs)
    up.run("up", "-d", "--no-build", app)
    _wait(lambda: up.healthy(app), READY_TIMEOUT, f"{app}'s compose health check passing", logs)

    ready = _get(up.url(app, port, "/healthz"))
    assert ready == (200, {"status": "ok", "database": True, "cache": True}), logs()
    before = up.state(app)

    up.run("stop", "db")
    _wait(lambda: (_get(up.url(app, port, "/healthz")) or (0,))[0] == 503, 30, "readiness 503", logs)
    assert _get(up.url(app, port, "/livez")) == (200, {"status": "alive"})
    # The image's own HEALTHCHECK is its liveness check (what an orchestrator restarts on): it passes.
    assert image_check[0] == "CMD", image_check
    exec_check = ["podman", "exec", up.container(app), *image_check[1:]]
    assert subprocess.run(exec_check, capture_output=True, timeout=60, check=False).returncode == 0
    assert not up.healthy(app)  # compose marks it unhealthy, and never restarts it for that
    time.sleep(3)
    after = up.state(app)
    assert after["State"]["Running"], logs()
    assert after["RestartCount"] == before["RestartCount"] == 0
    assert after["State"]["StartedAt"] == before["State"]["StartedAt"]

    up.run("start", "db")
    _wait(lambda: up.healthy("db"), READY_TIMEOUT, "db healthy again", logs)
    _wait(lambda: up.healthy(app), 60, f"{app} ready again after the database returned", logs)
