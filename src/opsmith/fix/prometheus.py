"""Fix for PM002: give an alert a `for:` duration, as a line inserted after its `alert:` line."""

from __future__ import annotations

import re
from collections.abc import Sequence

from opsmith.findings import Finding
from opsmith.fix.edits import Edit, Fixer, Lines

_ALERT = re.compile(r"^(\s*)(-\s+)?alert:\s*[^\s{\[]")
FOR_DURATION = "5m"


def _for(text: str, finding: Finding) -> Sequence[Edit] | None:
    if finding.line is None:
        return None
    lines = Lines(text)
    match = _ALERT.match(lines.get(finding.line))
    if match is None:
        return None
    column = len(match.group(1)) + len(match.group(2) or "")
    return [lines.insert_before(finding.line + 1, [" " * column + f"for: {FOR_DURATION}"])]


# Unsafe: the alert then fires only after its condition has held for the whole duration.
ALERT_FOR = Fixer(f"add `for: {FOR_DURATION}` to the alert", safe=False, make=_for)
