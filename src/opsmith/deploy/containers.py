"""Releases as containers on one host, through the docker or podman command line.

A release of a service runs as the container `opsmith-<app>-<service>-<release id>`, publishing its
port on the loopback interface only: HAProxy is what the world reaches. Environment values may be
secrets, so they travel in an env file readable by its owner alone, removed once the container is
created, never on a command line that `ps` shows to every user.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import socket
import subprocess
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from opsmith.deploy import values

Runtime = Literal["docker", "podman"]
Pull = Literal["missing", "never", "always"]

LOOPBACK = "127.0.0.1"
COMMAND_TIMEOUT = 120.0  # seconds for one runtime command (podman run may create a network)
STOP_GRACE = 10  # seconds a container gets after SIGTERM before it is killed
ERROR_TAIL = 1500  # characters of the runtime's output quoted in an error

_RELEASE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
_ENV_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_IMAGE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/:@+-]*")


class ContainerError(RuntimeError):
    """The container runtime refused or failed a command (the message says which and why)."""


@dataclass(frozen=True)
class ReleaseSpec:
    """One release of one service: its image, what it listens on, and how it is started."""

    service: str
    release_id: str
    image: str
    container_port: int
    host_port: int
    env: Mapping[str, str] = field(default_factory=dict)
    command: str | None = None  # overrides the image's command, split like a shell would


@dataclass(frozen=True)
class RunningRelease:
    name: str
    host: str
    host_port: int


def _env_file_text(env: Mapping[str, str]) -> str:
    lines = []
    for key, value in env.items():
        values.checked(key, _ENV_KEY, "environment variable name")
        if "\n" in value or "\r" in value or "\0" in value:
            # an env file holds one variable a line: a newline would start another variable
            raise ValueError(f"the value of {key} spans several lines, which an env file cannot carry")
        lines.append(f"{key}={value}\n")
    return "".join(lines)


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


class Engine:
    """Starts, stops and asks about release containers of one application. Env files are written
    under `<state_dir>/containers/` (mode 0600) and removed as soon as the runtime has read them."""

    def __init__(
        self,
        runtime: Runtime,
        state_dir: Path,
        app: str,
        *,
        pull: Pull = "missing",
        network: str | None = None,
    ) -> None:
        if runtime not in ("docker", "podman"):
            raise ValueError(f"unknown container runtime {runtime!r:.40}: docker or podman")
        self.runtime: Runtime = runtime
        self.app = values.checked(app, values.SERVICE_NAME, "application name")
        self.pull = pull
        self.env_dir = state_dir / "containers"
        # the compose project's network, where the backing services' names resolve (backing.py)
        self.network = network

    def container_name(self, service: str, release_id: str) -> str:
        service = values.checked(service, values.SERVICE_NAME, "service name")
        release_id = values.checked(release_id, _RELEASE_ID, "release id")
        return f"opsmith-{self.app}-{service}-{release_id}"

    def start(self, spec: ReleaseSpec) -> RunningRelease:
        """Runs the release detached; a container of that name that already runs is reused (a
        resumed deploy), one that stopped is replaced."""
        name = self.container_name(spec.service, spec.release_id)
        image = values.checked(spec.image, _IMAGE, "image reference")
        ports = [values.port(spec.host_port), values.port(spec.container_port)]
        command = shlex.split(spec.command) if spec.command else []
        env = _env_file_text(spec.env)
        if self.running(name):
            return RunningRelease(name, LOOPBACK, spec.host_port)
        self._remove(name)
        with self._env_file(name, env) as env_file:
            self._run(
                "run", "--detach", "--name", name, f"--pull={self.pull}", *self._network(),
                "--publish", f"{LOOPBACK}:{ports[0]}:{ports[1]}", "--env-file", str(env_file),
                "--label", f"org.opsmith.app={self.app}", "--label", f"org.opsmith.service={spec.service}",
                "--label", f"org.opsmith.release={spec.release_id}",
                "--", image, *command,
            )  # fmt: skip
        return RunningRelease(name, LOOPBACK, spec.host_port)

    def stop(self, name: str) -> None:
        """Stops and removes the container (SIGTERM, then SIGKILL after STOP_GRACE); a container
        that does not exist is already stopped."""
        if self._exists(name):
            self._run("stop", "--time", str(STOP_GRACE), name, timeout=COMMAND_TIMEOUT + STOP_GRACE)
        self._remove(name)

    def running(self, name: str) -> bool:
        proc = self._run("inspect", "--format", "{{.State.Running}}", name, check=False)
        return proc.returncode == 0 and proc.stdout.strip() == "true"

    def logs(self, name: str, tail: int = 50) -> str:
        """The last lines the container wrote (why a release crashed), or "" when it is gone."""
        # not `--tail`: podman 4.3 drops a line written in several pieces (print to stderr)
        proc = self._run("logs", name, check=False)
        if proc.returncode != 0:
            return ""
        return "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-tail:])

    def run_once(self, image: str, command: str, env: Mapping[str, str], timeout: float) -> int:
        """Runs `command` in a fresh container of `image` (a release's migrations) and returns its
        exit status; a run that outlives `timeout` seconds is killed and reported as 124."""
        image = values.checked(image, _IMAGE, "image reference")
        argv = shlex.split(command)
        if not argv:
            raise ValueError("the release command is empty")
        name = f"opsmith-{self.app}-release-{uuid.uuid4().hex[:12]}"
        with self._env_file(name, _env_file_text(env)) as env_file:
            try:
                proc = self._run(
                    "run", "--rm", "--name", name, f"--pull={self.pull}", *self._network(),
                    "--env-file", str(env_file),
                    "--", image, *argv,
                    check=False, timeout=timeout,
                )  # fmt: skip
            except ContainerError:
                self._remove(name)
                return 124
        return proc.returncode

    def _network(self) -> list[str]:
        return ["--network", self.network] if self.network else []

    @contextlib.contextmanager
    def _env_file(self, name: str, text: str) -> Iterator[Path]:
        """The environment in a file only its owner reads, for as long as the runtime needs it
        (it reads the file when it creates the container)."""
        self.env_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.env_dir, 0o700)
        path = self.env_dir / f"{name}.env"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)  # an older file keeps its mode through O_CREAT
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(text)
            yield path
        finally:
            path.unlink(missing_ok=True)

    def _exists(self, name: str) -> bool:
        return self._run("inspect", "--type", "container", name, check=False).returncode == 0

    def _remove(self, name: str) -> None:
        if self._exists(name):
            self._run("rm", "--force", name)

    def _run(
        self, *args: str, check: bool = True, timeout: float = COMMAND_TIMEOUT
    ) -> subprocess.CompletedProcess[str]:
        argv = [self.runtime, *args]
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
        except FileNotFoundError:
            raise ContainerError(f"{self.runtime} is not installed") from None
        except subprocess.TimeoutExpired:
            raise ContainerError(f"`{self.runtime} {args[0]}` timed out after {timeout:g}s") from None
        if check and proc.returncode != 0:
            output = (proc.stderr or proc.stdout).strip()[-ERROR_TAIL:]
            raise ContainerError(f"`{self.runtime} {args[0]}` exited {proc.returncode}: {output}")
        return proc
