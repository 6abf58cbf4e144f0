"""Regular expressions compiled on first use instead of at import.

Compiling a large pattern costs about a millisecond, and every module on the audit path is imported
by every run: a pattern that serves a rare case (a file kind, a finding) is declared with `lazy` so
that only the runs that need it pay for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache


def lazy(pattern: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    """`_WORDS = lazy(r"...")` at module level, `_WORDS().search(text)` where it is used: compiled
    once, by the first call."""
    return cache(lambda: re.compile(pattern, flags))
