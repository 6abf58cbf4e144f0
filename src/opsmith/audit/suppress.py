"""Inline suppression: `opsmith: ignore[DF004]` (or bare `ignore`) on the line or the line above.

Matched in the raw text, so it works in every format that has comments (`#`, `--`, `//`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_IGNORE = re.compile(r"opsmith:\s*ignore(?!-)(?:\[([^\]]*)\])?")
ALL = "*"


def ignores_on(line_text: str) -> frozenset[str]:
    """Rule IDs (or ALL) that a comment on this line suppresses."""
    found: set[str] = set()
    for match in _IGNORE.finditer(line_text):
        ids = match.group(1)
        if ids is None:
            found.add(ALL)
        else:
            found.update(part.strip().upper() for part in ids.split(",") if part.strip())
    return frozenset(found)


def is_suppressed(rule_id: str, line: int | None, lines: Sequence[str]) -> bool:
    if line is None:
        return False
    for number in (line, line - 1):
        if 1 <= number <= len(lines) and "opsmith:" in lines[number - 1]:
            ids = ignores_on(lines[number - 1])
            if ALL in ids or rule_id in ids:
                return True
    return False
