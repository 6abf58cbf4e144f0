"""Live progress of a deploy: on a terminal one line per step with the latest weights and analysis
rewritten in place; in CI (not a terminal) plain lines; with `--format json` one JSON object per
line (`{"event": ..., ...}`) for tools to follow."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any, Literal, TextIO

from opsmith.report.safe_text import printable

Mode = Literal["terminal", "plain", "json"]


class Progress:
    def __init__(self, stream: TextIO, mode: Mode) -> None:
        self.stream = stream
        self.mode = mode
        self._open_line = False  # a terminal line that the next event may rewrite

    def __call__(self, kind: str, details: Mapping[str, Any]) -> None:
        if self.mode == "json":
            event = {"event": kind, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **details}
            self.stream.write(json.dumps(event, default=str) + "\n")
        else:
            line = describe(kind, details)
            if line is None:
                return
            transient = self.mode == "terminal" and kind in ("weights", "analysis")
            if self._open_line:
                self.stream.write("\r\x1b[2K")
            self.stream.write(printable(line) + ("" if transient else "\n"))
            self._open_line = transient
        self.stream.flush()

    def line(self, text: str) -> None:
        """A message outside the event stream (a plan, a refusal): an event of its own in JSON."""
        self("message", {"text": text})


def describe(kind: str, details: Mapping[str, Any]) -> str | None:
    """The human line of one event."""
    if kind == "message":
        return str(details["text"])
    if kind == "step":
        return f"  [{details['index'] + 1}/{details['of']}] {details['step']}"
    if kind == "weights":
        shares = ", ".join(f"{name} {weight}%" for name, weight in details["weights"].items())
        return f"      traffic: {shares}"
    if kind == "analysis":
        checks = "; ".join(details["checks"]) or "no checks answered"
        note = f" ({details['note']})" if details.get("note") else ""
        return f"      analysis {details['verdict']}: {checks}{note}"
    if kind == "abort":
        return f"  aborting: {details['reason']}"
    if kind == "done":
        reason = f": {details['reason']}" if details.get("reason") else ""
        return f"  {details['outcome']}{reason}"
    return None
