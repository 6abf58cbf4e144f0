"""How a command reports a usage problem: one line on stderr, exit code 2."""

from __future__ import annotations

import sys

EXIT_USAGE = 2


def usage_error(message: str) -> int:
    print(f"opsmith: error: {message}", file=sys.stderr)
    return EXIT_USAGE
