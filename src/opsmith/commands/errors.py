"""How a command reports a problem the user must fix: one line on stderr and its exit code."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from opsmith import exit_codes


class CommandError(Exception):
    """What a command's core found that stops it: the CLI prints it (`report`), the MCP server
    returns the same line as a tool error (`line`)."""

    def __init__(self, message: str, code: int = exit_codes.USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    @property
    def line(self) -> str:
        if self.code == exit_codes.USAGE:
            return f"opsmith: error: {_printable(self.message)}"
        return f"opsmith: {self.message}"

    def report(self) -> int:
        print(self.line, file=sys.stderr)
        return self.code


def usage_error(message: str) -> int:
    """A bad flag or path, an invalid configuration, a file that cannot be read or written."""
    return CommandError(message).report()


def internal_error(where: str, errors: Sequence[BaseException], *, debug: bool = False) -> int:
    """A bug in opsmith: one line naming what was being processed and where to report it (every
    traceback with --debug), and exit code 70 so CI tells it apart from findings."""
    if debug:
        import traceback

        for error in errors:
            traceback.print_exception(error, file=sys.stderr)
    hint = "" if debug else "; --debug shows the traceback"
    print(internal_line(where, errors) + hint, file=sys.stderr)
    return exit_codes.INTERNAL


def internal_line(where: str, errors: Sequence[BaseException]) -> str:
    """The one line that names an internal error, what was being processed and where to report it."""
    more = f" and {len(errors) - 1} more" if len(errors) > 1 else ""
    return (
        f"opsmith: internal error ({type(errors[0]).__name__}{more}) while processing"
        f" {_printable(where)}: a bug in opsmith, please report it at {exit_codes.BUG_REPORTS}"
    )


def _printable(text: str) -> str:
    """A file name in a message can hold terminal escape sequences: show them escaped."""
    from opsmith.report.safe_text import printable  # only when there is something to say

    return printable(text)
