"""Running `opsmith deploy` as a user would (a separate process, so it can be killed), against an
approved repository on loopback, and cleaning up what it started: the release containers, and
the HAProxy and Prometheus daemons under the repository's .opsmith/deploy/."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploy.conftest import TEST_APP_IMAGE
from opsmith.commands.deploy_status import history_data, status_data
from opsmith.deploy.processes import stop_daemon

RELEASE_IMAGE = TEST_APP_IMAGE  # it stops at once on SIGTERM, so no stop waits out a grace period
RUNTIME = "podman"


@dataclass(frozen=True)
class Repo:
    root: Path
    app: str
    port: int  # where HAProxy serves the web service

    def opsmith(self, *args: str, env: Mapping[str, str] | None = None, timeout: float = 120) -> Finished:
        proc = subprocess.run(
            self.argv(*args), cwd=self.root, env=self.env(env), capture_output=True, text=True,
            timeout=timeout, check=False,
        )  # fmt: skip
        return Finished(proc.returncode, proc.stdout, proc.stderr)

    def start(self, *args: str, env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
        """`opsmith ARGS` in the background, its progress as JSON lines on stdout."""
        return subprocess.Popen(
            self.argv(*args, "--format", "json"), cwd=self.root, env=self.env(env), text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip

    def deploy_args(self, *extra: str) -> tuple[str, ...]:
        return ("deploy", "--image", f"web={RELEASE_IMAGE}", "--listen", f"web=127.0.0.1:{self.port}",
                "--runtime", RUNTIME, *extra)  # fmt: skip

    def argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "opsmith", *args]

    def env(self, extra: Mapping[str, str] | None) -> dict[str, str]:
        return {**os.environ, "MODE": "healthy", "VERSION": "1", **(extra or {})}

    def status(self) -> dict[str, Any]:
        """What `opsmith status --format json` prints (read in this process: it is faster)."""
        return status_data(self.root)

    def history(self) -> list[dict[str, Any]]:
        """The deploys `opsmith history --format json` prints."""
        deploys: list[dict[str, Any]] = history_data(self.root)["deploys"]
        return deploys

    def releases(self) -> dict[str, tuple[str, int]]:
        """Release id -> (state, weight) of the web service's live releases."""
        service = self.status()["services"][0]
        return {r["id"]: (r["state"], r["weight"]) for r in service["releases"]}

    def containers(self) -> set[str]:
        """Names of this app's running release containers."""
        proc = subprocess.run(
            [RUNTIME, "ps", "--filter", f"label=org.opsmith.app={self.app}", "--format", "{{.Names}}"],
            capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        return set(proc.stdout.split())

    def clean(self) -> None:
        proc = subprocess.run(
            [RUNTIME, "ps", "-a", "--filter", f"label=org.opsmith.app={self.app}", "--format", "{{.Names}}"],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        names = proc.stdout.split()
        if names:
            subprocess.run(
                [RUNTIME, "rm", "-f", "-t", "0", *names], capture_output=True, timeout=120, check=False
            )
        state = self.root / ".opsmith" / "deploy"
        stop_daemon("retirer", state)
        stop_daemon("haproxy", state / "haproxy")
        stop_daemon("prometheus", state / "prometheus")


@dataclass(frozen=True)
class Finished:
    code: int
    out: str
    stderr: str


def events(proc: subprocess.Popen[str]) -> Iterator[dict[str, Any]]:
    """The JSON progress events of a running `opsmith ... --format json`."""
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("{"):
            yield json.loads(line)


def run_until(proc: subprocess.Popen[str], index: int) -> dict[str, Any]:
    """Reads events until step `index` begins; returns that event."""
    for event in events(proc):
        if event["event"] == "step" and event["index"] == index:
            return event
    raise AssertionError(
        f"the deploy ended before step {index}: {proc.wait()} {proc.stderr and proc.stderr.read()}"
    )


def kill(proc: subprocess.Popen[str], signum: int = signal.SIGKILL) -> int:
    proc.send_signal(signum)
    try:
        return proc.wait(timeout=60)
    finally:
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def new_repo(
    root: Path, strategy: str = "canary", *, settings: str | None = None, release: str | None = None
) -> Repo:
    """An approved repository of its own app name (so cleaning up touches only its containers)
    serving on a free loopback port."""
    from deploy.deploy_repo import FAST, approved_repo
    from opsmith.deploy.containers import free_port

    app = f"t{uuid.uuid4().hex[:10]}"
    approved_repo(root, strategy, settings=settings or FAST, app=app, release=release)
    return Repo(root, app, free_port())


@contextmanager
def short_folder() -> Iterator[Path]:
    """A folder with a short path: HAProxy 2.6 refuses an admin socket path over 97 bytes, and
    pytest's tmp_path is longer."""
    folder = Path(tempfile.mkdtemp(prefix="od-", dir="/tmp"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
