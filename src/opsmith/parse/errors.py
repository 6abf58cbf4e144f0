"""The one failure every parser reports: where the file stopped making sense."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ParseFailure:
    message: str
    line: int | None = None
    column: int | None = None
