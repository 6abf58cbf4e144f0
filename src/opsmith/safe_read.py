"""Reading a file from a repository without trusting it: regular files only, never past a limit.

A FIFO would block the read forever and a character device such as /dev/zero never ends, so the
path is checked with `stat` before it is opened, opened with O_NONBLOCK (a FIFO swapped in after
the check opens at once instead of waiting for a writer), checked again on the open descriptor,
and read for at most `limit + 1` bytes whatever size the file claims.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
_CHUNK = 64 * 1024


class NotReadable(Exception):
    """The file was not read; `reason` says why, in words fit for a note."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotRegularFile(NotReadable):
    def __init__(self, kind: str) -> None:
        super().__init__(f"{kind}, not a regular file")


class TooLarge(NotReadable):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"{size} bytes is over the {limit}-byte limit")
        self.size = size
        self.limit = limit


def kind_of(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _require_regular(mode: int) -> None:
    if not stat.S_ISREG(mode):
        raise NotRegularFile(kind_of(mode))


def read_limited(path: Path, limit: int) -> bytes:
    """The bytes of the regular file at `path` (symlinks followed), if it holds at most `limit`.

    Raises NotRegularFile, TooLarge, or OSError (missing, unreadable)."""
    _require_regular(os.stat(path).st_mode)
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        _require_regular(info.st_mode)
        if info.st_size > limit:
            raise TooLarge(info.st_size, limit)
        chunks: list[bytes] = []
        got = 0
        while got <= limit:  # the file may have grown since fstat: stop one byte past the limit
            chunk = os.read(fd, min(_CHUNK, limit + 1 - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        if got > limit:
            raise TooLarge(got, limit)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text_limited(path: Path, limit: int) -> str:
    """`read_limited`, decoded as UTF-8; raises UnicodeDecodeError for other encodings."""
    return read_limited(path, limit).decode("utf-8")
