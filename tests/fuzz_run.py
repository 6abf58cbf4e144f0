"""One fuzz input through opsmith, judged: shared by tests/audit/test_fuzz.py and bench/fuzz.py.

The input goes through the real engine (every parser and rule the file reaches, repository-wide
rules included), then straight into its family parsers. A crash is an exception that escapes, an
"internal error" note (the engine's way of keeping a crashed rule from hiding other findings), or
an input still running at the time limit.
"""

from __future__ import annotations

import importlib
import os
import re
import signal
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from fuzz_inputs import FuzzTarget
from opsmith.audit.engine import Target, audit
from opsmith.audit.source import SourceFile
from opsmith.config import Config
from opsmith.parse.dockerignore import DockerIgnore

MB = 1024 * 1024
MINIMISE_TRIES = 200
_INTERNAL = re.compile(r"internal error (.+?): (\w+)\(")


class Hang(BaseException):
    """Raised at the CPU time limit. Not an Exception, so the engine's rule guard lets it through."""


@dataclass(frozen=True)
class Outcome:
    crash: str | None  # a short signature of what went wrong; None when nothing did
    detail: str  # the traceback or note behind it
    seconds: float  # CPU seconds of the audit: opsmith's and its child processes' (kustomize)
    size: int  # bytes

    @property
    def budget(self) -> float:
        return budget(self.size)


def budget(size: int) -> float:
    """The time an audit of a file of `size` bytes may take: 0.5 s plus 2 s per MB."""
    return 0.5 + 2.0 * size / MB


def prepare(target: FuzzTarget, root: Path) -> None:
    """Write the files that stay the same around the fuzzed one."""
    for rel, text in target.beside.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / target.path).parent.mkdir(parents=True, exist_ok=True)


def run_input(target: FuzzTarget, data: bytes, root: Path, time_limit: float) -> Outcome:
    """Audit `root` with `data` as the target's file, then parse it directly; `prepare` first."""
    path = root / target.path
    path.write_bytes(data)
    start = _cpu()
    try:  # around the time limit too, which may expire while it is being set or cleared
        with _time_limit(time_limit):
            result = audit(Target(root), Config())
            seconds = _cpu() - start
            _parse_directly(target, data, path)
    except Hang:
        return Outcome("hang", f"still running after {time_limit:g} s", _cpu() - start, len(data))
    except Exception as exc:
        return Outcome(_signature(exc), traceback.format_exc(), _cpu() - start, len(data))
    crash = crash_in_notes(result.notes)
    return Outcome(crash[0], crash[1], seconds, len(data)) if crash else Outcome(None, "", seconds, len(data))


def crash_in_notes(notes: list[str]) -> tuple[str, str] | None:
    """The signature and text of the first note where the engine caught a rule or parser crash."""
    for note in notes:
        found = _INTERNAL.search(note)
        if found:
            return f"{found.group(2)} {found.group(1)}", note
        if "internal error" in note:
            return note[:80], note
    return None


def minimise(data: bytes, still_fails: Callable[[bytes], bool]) -> bytes:
    """A smaller input that still fails: ever smaller chunks of lines, then of bytes, dropped while
    the failure stays, within a fixed number of tries."""
    tries = [MINIMISE_TRIES]
    data = _drop_chunks(data.splitlines(keepends=True), still_fails, tries)
    if len(data) <= 4096:  # byte by byte would not get far on more in the tries left
        data = _drop_chunks([data[i : i + 1] for i in range(len(data))], still_fails, tries)
    return data


def _drop_chunks(parts: list[bytes], still_fails: Callable[[bytes], bool], tries: list[int]) -> bytes:
    chunk = max(1, len(parts) // 2)
    while chunk >= 1 and tries[0] > 0:
        at = 0
        while at < len(parts) and tries[0] > 0:
            candidate = parts[:at] + parts[at + chunk :]
            tries[0] -= 1
            if still_fails(b"".join(candidate)):
                parts = candidate
            else:
                at += chunk
        chunk //= 2
    return b"".join(parts)


def _parse_directly(target: FuzzTarget, data: bytes, path: Path) -> None:
    """Each family parser on the text as decoded leniently (NULs included, which the engine would
    have kept away); other exceptions propagate to run_input."""
    text = data.decode("utf-8", errors="replace")
    for name in target.parsers:
        # The engine's contract with parsers: a RecursionError is its "nested too deeply" error.
        with suppress(RecursionError):
            importlib.import_module(f"opsmith.parse.{name}").parse(SourceFile(target.path, text, path))
    if target.name == "dockerignore":
        ignore = DockerIgnore.from_text(text)
        for probe in (".git", ".env", "a/b.pem", "[", "x" * 300):
            ignore.excludes(probe)


def _cpu() -> float:
    """CPU seconds of this process and of the children it has waited for."""
    times = os.times()
    return time.process_time() + times.children_user + times.children_system


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: FrameType | None) -> None:
        raise Hang

    # CPU time, not wall time: on a loaded machine an input can wait far longer than it runs.
    previous = signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def _signature(exc: BaseException) -> str:
    """Exception type and the innermost opsmith frame: one bug, one signature, whatever the input."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/opsmith/" in f.filename] or frames
    where = f"{Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else "?"
    return f"{type(exc).__name__} at {where}"
