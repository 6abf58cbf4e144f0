"""Conditions that make writes fail, made without filling a disk or needing a second user."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Nothing can be created in `folder`, even by root (tests here run as root, which ignores
    permission bits): `chattr +i` when running as root, plain permissions otherwise."""
    if os.geteuid() != 0:
        mode = folder.stat().st_mode
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(mode)
        return
    chattr = shutil.which("chattr")
    if chattr is None:
        pytest.skip("running as root without chattr: no way to make a folder read-only for root")
    made = subprocess.run([chattr, "+i", str(folder)], capture_output=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"running as root and `chattr +i` failed: {made.stderr.decode().strip()}")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(folder)], check=True)


def files_limited_to(size: int) -> Callable[[], None]:
    """A `preexec_fn` for a child process whose files may not grow past `size` bytes: a write
    beyond it fails with EFBIG, as one on a full disk fails with ENOSPC."""

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an error to handle, not a fatal signal
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit
