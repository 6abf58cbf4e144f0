"""The compose stack's backing services (databases, caches) that releases talk to by name.

Before a release starts, the compose file's services other than the design's web services and
workers are brought up with the runtime's compose under a project named after the app, and the
releases join that project's network, where compose makes each service's name resolve.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from opsmith.deploy import values
from opsmith.deploy.containers import COMMAND_TIMEOUT, Runtime
from opsmith.deploy.plan import compose_file, compose_services
from opsmith.design.model import Design

_COMPOSE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")  # compose's pattern; no leading dash
UP_TIMEOUT = 600.0  # seconds for `compose up`: it may pull images and wait for dependencies


class BackingError(RuntimeError):
    """The backing services would not come up; the message is one line saying why."""


@dataclass(frozen=True)
class Backing:
    project: str
    file: Path
    services: tuple[str, ...]
    network: str  # the one compose creates for the project


def backing_stack(root: Path, design: Design) -> Backing | None:
    """The compose file's services that are not deployed releases, or None when it has none."""
    file = compose_file(root)
    if file is None:
        return None
    released = {s.name for s in design.services if s.kind in ("web", "worker")}
    names = tuple(str(name) for name in compose_services(root) if str(name) not in released)
    if not names:
        return None
    for name in names:
        values.checked(name, _COMPOSE_NAME, "compose service name")
    # compose project names are lower case; the app name already is (values.SERVICE_NAME)
    project = values.checked(design.app, values.SERVICE_NAME, "application name")
    # docker compose and podman-compose 1.0 both name the project's network this way
    return Backing(project, file, names, f"{project}_default")


def ensure_up(backing: Backing, runtime: Runtime) -> None:
    """`compose up -d` of exactly the backing services, then each checked running (podman-compose
    1.0 exits 0 even when a container would not start)."""
    compose = ["docker", "compose"] if runtime == "docker" else ["podman-compose"]
    argv = [*compose, "-p", backing.project, "-f", str(backing.file), "up", "-d", *backing.services]
    proc = _run(argv, backing.file.parent, UP_TIMEOUT)
    if proc.returncode != 0:
        raise BackingError(f"`{' '.join(compose)} up` exited {proc.returncode}: {_last_line(proc)}")
    down = [s for s in backing.services if not _running(runtime, backing.project, s)]
    if down:
        raise BackingError(
            f"backing service(s) {', '.join(down)} of compose project {backing.project} did not start"
            f" (see `{' '.join(compose)} -p {backing.project} logs`)"
        )


def _running(runtime: Runtime, project: str, service: str) -> bool:
    argv = [
        runtime, "ps", "--quiet", "--filter", "status=running",
        "--filter", f"label=com.docker.compose.project={project}",
        "--filter", f"label=com.docker.compose.service={service}",
    ]  # fmt: skip
    proc = _run(argv, None, COMMAND_TIMEOUT)
    return proc.returncode == 0 and bool(proc.stdout.strip())


def _run(argv: Sequence[str], cwd: Path | None, timeout: float) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    except FileNotFoundError:
        raise BackingError(f"{argv[0]} is not installed: it starts the backing services") from None
    except subprocess.TimeoutExpired:
        raise BackingError(f"`{' '.join(argv[:2])}` timed out after {timeout:g}s") from None


def _last_line(proc: subprocess.CompletedProcess[str]) -> str:
    lines = (proc.stderr or proc.stdout).strip().splitlines()
    return lines[-1][:300] if lines else "no output"
