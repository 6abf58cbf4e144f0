"""Helpers the benchmarks share: timing a command (best of N) and finding a peer's binary."""

from __future__ import annotations

import compileall
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path


def _as_installed() -> None:
    """Measure opsmith as pip installs it: from compiled bytecode. Some shells here set
    PYTHONDONTWRITEBYTECODE, which would make every timed run recompile opsmith from source."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    import opsmith

    compileall.compile_dir(Path(opsmith.__file__).parent, quiet=1)


_as_installed()


def best_time(work: Callable[[], object], runs: int = 3) -> float:
    """Wall-clock seconds of the fastest of `runs` calls (the least disturbed by other load)."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def best_of(argv: Sequence[str], runs: int = 3, cwd: Path | None = None) -> float:
    """`best_time` of running a command."""
    return best_time(
        lambda: subprocess.run(
            argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
        ),
        runs,
    )


def peer(name: str) -> str:
    """A peer tool on PATH or next to this Python (pip-installed peers live there)."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        sys.exit(f"{name} is not installed: pip install -e '.[dev]' (or see the bench's docstring)")
    return found


def opsmith_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "opsmith", *args]


def report(rows: list[tuple[str, float, float]], peer_name: str) -> None:
    print(f"{'workload':<28} {'opsmith s':>10} {peer_name + ' s':>12} {'speed-up':>9}")
    for label, ours, theirs in rows:
        print(f"{label:<28} {ours:>10.3f} {theirs:>12.3f} {theirs / ours:>8.1f}x")
