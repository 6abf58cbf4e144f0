"""What every rule produces and every report consumes."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(enum.IntEnum):
    """Ordered so that `severity >= threshold` means "at or above"."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Accepts the long names and the one-letter catalogue codes (E/W/I)."""
        key = text.strip().lower()
        for sev in cls:
            if key in (sev.label, sev.label[0]):
                return sev
        raise ValueError(f"unknown severity {text!r} (expected error, warning or info)")


@dataclass(frozen=True)
class Problem:
    """What a rule reports; the engine adds rule ID, severity and path.

    `path` is only set by repository-wide rules, which look at many files and must say which one
    the problem is in. `line` and `column` are 1-based.
    """

    message: str
    line: int | None = None
    column: int | None = None
    fix: str | None = None
    path: str | None = None
    # A ceiling below the rule's severity, for a context the rule recognises as debatable (a
    # monitoring agent that needs host access): the finding stays visible without failing CI.
    at_most: Severity | None = None


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int | None
    column: int | None
    rule: str
    severity: Severity
    message: str
    fix: str | None

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line or 0, self.column or 0, self.rule)

    def to_json(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "severity": self.severity.label,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "fix": self.fix,
        }
