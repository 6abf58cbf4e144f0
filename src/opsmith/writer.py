"""The only place opsmith writes files: atomically, so a crash or a full disk never leaves half a
file, and only where it was asked to (never out of the repository through a symlink)."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path, PurePosixPath

from opsmith.safe_read import kind_of


class WriteError(Exception):
    """A file could not be written; the message is one line for the user (exit code 2)."""


class UnsafePath(WriteError):
    """A target that would land outside the repository."""


def repository_target(root: Path, rel: str) -> Path:
    """Where writing `rel` (a '/'-separated path) under `root` really lands, once every symlink on
    the way is followed; refused unless that is inside the repository."""
    pure = PurePosixPath(rel)
    if pure.is_absolute() or not pure.parts or ".." in pure.parts or "\\" in rel:
        raise UnsafePath(f"refusing to write {rel!r}: not a path inside the repository")
    real = root.joinpath(*pure.parts).resolve()
    if not real.is_relative_to(root.resolve()):
        raise UnsafePath(f"refusing to write {rel!r}: it resolves outside the repository, to {real}")
    return real


def write_atomic(path: Path, content: str | bytes, *, executable: bool = False) -> None:
    """Replace the file at `path` (a symlink's target, not the link) with `content` in one step.

    A new file gets the permissions the user's umask allows; a replaced file keeps its own."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    real = Path(os.path.realpath(path))
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=real.parent)
    except OSError as exc:
        raise WriteError(_cannot(path, exc)) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _mode(real, executable))
        os.replace(tmp, real)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise WriteError(_cannot(path, exc)) from None
        raise


def write_output(path: Path, content: str) -> None:
    """`--output FILE`: a regular file (or a symlink's target) is replaced atomically, its folder
    made if missing; a character device or a FIFO is written through, as a shell redirection
    would; anything else (a folder, a block device) is refused."""
    try:
        mode: int | None = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise WriteError(_cannot(path, exc)) from None
    if mode is not None and (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
        try:
            with open(path, "wb") as handle:
                handle.write(content.encode("utf-8"))
        except OSError as exc:
            raise WriteError(_cannot(path, exc)) from None
        return
    if mode is not None and not stat.S_ISREG(mode):
        raise WriteError(f"cannot write {path}: it is {kind_of(mode)}")
    write_atomic(path, content)


def _mode(real: Path, executable: bool) -> int:
    try:
        current = os.stat(real).st_mode
    except OSError:
        current = None
    if current is not None and stat.S_ISREG(current):
        mode = current & 0o7777
        return mode | (mode & 0o444) >> 2 if executable else mode  # x wherever r is allowed
    return (0o777 if executable else 0o666) & ~_umask()


def _umask() -> int:
    mask = os.umask(0o077)  # the only way to read it portably is to set it and put it back
    os.umask(mask)
    return mask


def _cannot(path: Path, exc: OSError) -> str:
    return f"cannot write {path}: {exc.strerror or exc}"
