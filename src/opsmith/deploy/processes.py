"""Daemons that must outlive the command that started them: the HAProxy and the Prometheus that
`opsmith deploy` runs when the host has none.

Each daemon is found through `<state_dir>/<name>.pid`, which holds its pid and the kernel's start
time of that process, so a pid the kernel has since given to another program is never taken for
the daemon (nor signalled). A daemon starts in its own session, detached from the terminal and from
the controller, so a controller killed mid-deploy leaves traffic flowing; its output goes to
`<state_dir>/<name>.log`. A lock file keeps two controllers from starting the same daemon twice.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

POLL = 0.05  # seconds between readiness probes
STOP_TIMEOUT = 10.0  # seconds a daemon gets to exit on SIGTERM before SIGKILL
LOG_TAIL = 2000  # characters of a daemon's log quoted when it fails to start


class DaemonError(RuntimeError):
    """A daemon could not be started (the message carries the end of its log)."""


def ensure_daemon(
    name: str, argv: list[str], state_dir: Path, ready: Callable[[], bool], timeout: float
) -> int:
    """The pid of the running daemon `name`, started from `argv` first when none runs. Returns once
    `ready()` is true; raises DaemonError when the daemon exits or is not ready within `timeout`
    seconds, after stopping it if this call started it (one that was already running, and may
    be serving traffic, is left alone)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    with _locked(state_dir / f"{name}.lock"):
        pid = daemon_pid(name, state_dir)
        started = pid is None
        if pid is None:
            pid = _spawn(name, argv, state_dir)
        deadline = time.monotonic() + timeout
        while not ready():
            if not _alive(pid):
                _forget(name, state_dir)
                raise DaemonError(f"{name} exited while starting: {_log_tail(name, state_dir)}")
            if time.monotonic() > deadline:
                if not started:
                    raise DaemonError(f"{name} (pid {pid}) runs but did not answer within {timeout:g}s")
                _terminate(pid)
                _forget(name, state_dir)
                raise DaemonError(f"{name} was not ready within {timeout:g}s: {_log_tail(name, state_dir)}")
            time.sleep(POLL)
        return pid


def daemon_pid(name: str, state_dir: Path) -> int | None:
    """The pid of the daemon `name` if its pid file names a process that still runs, else None."""
    try:
        fields = (state_dir / f"{name}.pid").read_text(encoding="ascii").split()
        pid, started = int(fields[0]), fields[1]
    except (OSError, ValueError, IndexError):
        return None
    if _alive(pid) and _start_time(pid) == started:
        return pid
    return None


def stop_daemon(name: str, state_dir: Path) -> None:
    """Stops the daemon `name` (SIGTERM, then SIGKILL after STOP_TIMEOUT) and forgets it; nothing
    happens when it does not run."""
    with _locked(state_dir / f"{name}.lock"):
        pid = daemon_pid(name, state_dir)
        if pid is not None:
            _terminate(pid)
        _forget(name, state_dir)


def signal_daemon(name: str, state_dir: Path, signum: int) -> bool:
    """Sends `signum` to the running daemon `name` (a reload request); False when none runs."""
    pid = daemon_pid(name, state_dir)
    if pid is None:
        return False
    os.kill(pid, signum)
    return True


def _spawn(name: str, argv: list[str], state_dir: Path) -> int:
    log = os.open(state_dir / f"{name}.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_DUP2, log, 1),
            (os.POSIX_SPAWN_DUP2, log, 2),
        ]
        # setsid: a new session, so the terminal's Ctrl-C and the controller's death spare it
        pid = os.posix_spawnp(argv[0], argv, dict(os.environ), file_actions=actions, setsid=True)
    except OSError as exc:
        raise DaemonError(f"{name}: cannot run {argv[0]}: {exc.strerror}") from None
    finally:
        os.close(log)
    started = _start_time(pid)
    pid_file = state_dir / f"{name}.pid"
    partial = pid_file.with_suffix(".pid.tmp")
    partial.write_text(f"{pid} {started}\n", encoding="ascii")
    partial.replace(pid_file)
    return pid


def _terminate(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while _alive(pid):
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + STOP_TIMEOUT
        time.sleep(POLL)


def _alive(pid: int) -> bool:
    """Whether `pid` runs; a zombie does not, and one that is our own child is reaped here."""
    with contextlib.suppress(ChildProcessError, OSError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    state = _stat_fields(pid)
    return state is not None and state[0] not in ("Z", "X")


def _start_time(pid: int) -> str:
    fields = _stat_fields(pid)
    return fields[19] if fields is not None and len(fields) > 19 else "?"


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/<pid>/stat after the command name (which may hold spaces): state first, the start
    time (clock ticks since boot) 20th."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    return text.rpartition(")")[2].split()


def _forget(name: str, state_dir: Path) -> None:
    (state_dir / f"{name}.pid").unlink(missing_ok=True)


def _log_tail(name: str, state_dir: Path) -> str:
    try:
        text = (state_dir / f"{name}.log").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return text.strip()[-LOG_TAIL:] or "(empty log)"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
