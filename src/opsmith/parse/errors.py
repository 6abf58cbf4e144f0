"""The one failure every parser reports: where the file stopped making sense."""

from __future__ import annotations

from dataclasses import dataclass

from opsmith.findings import Severity


@dataclass(frozen=True)
class ParseFailure:
    message: str
    line: int | None = None
    column: int | None = None
    # Lower than the parse-error rule's own severity: the file was left unread on purpose (too
    # costly to read), which says nothing against it.
    at_most: Severity | None = None
