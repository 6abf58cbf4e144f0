"""A spinner on stderr while a long operation runs, for a person at a terminal only.

Nothing is shown when stderr is not a terminal (CI logs, pipes, an MCP client), when `CI` is set
or TERM is `dumb`, and nothing at all for work that ends within DELAY: rich is imported and the
spinner drawn only once the work has lasted that long. The spinner is transient: it leaves no line
behind, and it never writes to stdout, so reports and JSON stay clean.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

DELAY = 0.25  # seconds of work before the spinner appears


def wanted() -> bool:
    """Whether progress may be drawn: an interactive terminal, outside CI."""
    return sys.stderr.isatty() and "CI" not in os.environ and os.environ.get("TERM") != "dumb"


class Progress:
    """Says what the work is doing now; drawn from a timer thread once DELAY has passed."""

    def __init__(self, message: str, show: bool) -> None:
        self._message = message
        self._lock = threading.Lock()
        self._spinner: Any = None  # rich's Spinner and Live, imported only when drawn
        self._live: Any = None
        self._done = False
        self._timer = threading.Timer(DELAY, self._draw) if show else None
        if self._timer is not None:
            self._timer.daemon = True
            self._timer.start()

    def update(self, message: str) -> None:
        with self._lock:
            self._message = message
            if self._spinner is not None:
                self._spinner.update(text=message)

    def _draw(self) -> None:
        from rich.console import Console
        from rich.live import Live
        from rich.spinner import Spinner

        with self._lock:
            if self._done:
                return
            self._spinner = Spinner("dots", text=self._message)
            # stdout is left alone: rich would otherwise route prints through the stderr console.
            self._live = Live(
                self._spinner,
                console=Console(stderr=True),
                transient=True,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._live.start()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        with self._lock:
            self._done = True
            if self._live is not None:
                self._live.stop()


@contextmanager
def working(message: str) -> Iterator[Progress]:
    """`with working("auditing 1,204 files") as progress: ...`; `progress.update(...)` as it goes."""
    progress = Progress(message, wanted())
    try:
        yield progress
    finally:
        progress.stop()
