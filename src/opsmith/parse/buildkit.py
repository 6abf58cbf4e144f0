"""BuildKit's Dockerfile parser (the `dockerfile` package), without its memory leak.

`dockerfile` 3.4.0 builds each `Command` (and `Heredoc`) by calling the namedtuple with fresh
references to its fields and never drops those references, so every field of every parse stays
in memory for the life of the process: about ten times the Dockerfile's size per parse, which
grows without bound in a long-running audit (a fuzz run, an editor or agent server). The wrapper
gives back the one extra reference per field, but only when a probe parse at import shows exactly
that excess, so a fixed release of the package is left alone.
"""

from __future__ import annotations

import ctypes
import sys
import uuid

import dockerfile as _bk
from dockerfile import Command, GoParseError

__all__ = ["Command", "GoParseError", "parse_string"]

_decref = ctypes.pythonapi.Py_DecRef
_decref.argtypes = [ctypes.py_object]
_decref.restype = None


def _leaked_references() -> int:
    """How many references the package keeps on each field it returns (0 once fixed upstream)."""
    # A unique text, so that no other object shares the string whose references are counted.
    command = _bk.parse_string(f"FROM opsmith-probe-{uuid.uuid4().hex}\n")[0]
    original = command.original
    # The namedtuple, the local name and getrefcount's own argument hold the expected three.
    return sys.getrefcount(original) - 3


_LEAKS = _leaked_references() == 1


def _release(commands: tuple[Command, ...]) -> None:
    for command in commands:
        for heredoc in command.heredocs:
            for value in heredoc:
                _decref(value)
        for value in command:
            _decref(value)


def parse_string(text: str) -> tuple[Command, ...]:
    """The instructions of a Dockerfile; raises GoParseError as the package does."""
    commands: tuple[Command, ...] = _bk.parse_string(text)
    if _LEAKS:
        _release(commands)
    return commands
