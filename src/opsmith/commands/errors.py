"""How a command reports a problem the user must fix: one line on stderr and its exit code."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from opsmith import exit_codes


def usage_error(message: str) -> int:
    """A bad flag or path, an invalid configuration, a file that cannot be read or written."""
    print(f"opsmith: error: {_printable(message)}", file=sys.stderr)
    return exit_codes.USAGE


def internal_error(where: str, errors: Sequence[BaseException], *, debug: bool = False) -> int:
    """A bug in opsmith: one line naming what was being processed and where to report it (every
    traceback with --debug), and exit code 70 so CI tells it apart from findings."""
    if debug:
        import traceback

        for error in errors:
            traceback.print_exception(error, file=sys.stderr)
    more = f" and {len(errors) - 1} more" if len(errors) > 1 else ""
    hint = "" if debug else "; --debug shows the traceback"
    print(
        f"opsmith: internal error ({type(errors[0]).__name__}{more}) while processing"
        f" {_printable(where)}: a bug in opsmith, please report it at {exit_codes.BUG_REPORTS}{hint}",
        file=sys.stderr,
    )
    return exit_codes.INTERNAL


def _printable(text: str) -> str:
    """A file name in a message can hold terminal escape sequences: show them escaped."""
    from opsmith.report.safe_text import printable  # only when there is something to say

    return printable(text)
