"""A chain of nested folders deeper than Python's recursion limit, made and removed with loops
(os.makedirs, shutil.rmtree and pytest's own clean-up all recurse once per level)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def nested_folders(root: Path, depth: int, name: str = "d") -> Iterator[Path]:
    """Yields the deepest folder of root/d/d/.../d; everything under root/d is removed after."""
    chain = [root]
    for _ in range(depth):
        chain.append(chain[-1] / name)
        chain[-1].mkdir()
    try:
        yield chain[-1]
    finally:
        for folder in reversed(chain[1:]):
            for entry in os.scandir(folder):
                if not entry.is_dir(follow_symlinks=False):
                    os.unlink(entry.path)
            folder.rmdir()
