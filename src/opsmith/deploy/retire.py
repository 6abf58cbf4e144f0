"""Retiring the releases kept warm after a blue-green switch (or a rollback) once their window
(`[deploy] warm-window`) has passed. A deploy ends as soon as its release is promoted, so a small
process of its own (`opsmith deploy --retire-warm`, started detached like HAProxy) waits for the
window and then drains and stops each warm release, under that service's lock; while a deploy of
the service runs, it waits (that deploy retires what it no longer needs). It ends when nothing
is warm, or when the repository's deploy state is gone."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from opsmith.deploy.controller import Controller, Target
from opsmith.deploy.processes import ensure_daemon
from opsmith.deploy.state import DB_FILE, LockHeld, State
from opsmith.design.model import Design

DAEMON = "retirer"
POLL = 2.0  # seconds between looks at the clock and the database
BUSY = 5.0  # seconds to wait while a deploy holds the service's lock


def start_retirer(root: Path, state_dir: Path, runtime: str) -> None:
    """The retirer runs (one per repository: a running one picks up new windows itself)."""
    argv = [sys.executable, "-m", "opsmith", "deploy", str(root), "--retire-warm", "--runtime", runtime]
    ensure_daemon(DAEMON, argv, state_dir, lambda: True, 5.0)


def retire_warm(
    root: Path,
    state: State,
    controller: Callable[[], Controller],
    design: Design,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Retire every warm release when its window passes; returns once none is left."""
    retired = 0
    while (root / DB_FILE).is_file():
        warm = state.warm()
        if not warm:
            break
        release = warm[0]
        assert release.warm_until is not None  # state.warm() returns only those with a window
        if release.warm_until > time.time():
            sleep(min(POLL, release.warm_until - time.time()))
            continue
        try:
            state.acquire(release.service, release.environment)
        except LockHeld:
            sleep(BUSY)
            continue
        try:
            current = state.release(release.id)
            if current is not None and current.state == "warm":  # a rollback may have used it
                service = design.service(release.service)
                web = service is not None and service.kind == "web"
                controller().retire(current, Target(release.service, release.environment, web))
                state.log("opsmith", "retire-warm", release.service, release.environment, release.id)
                retired += 1
        finally:
            state.release_lock(release.service, release.environment)
    return retired
