"""Which files an audit looks at.

Walks the scanned root the way a reviewer would: honours `.gitignore` files (nested ones too, and
`.git/info/exclude`), skips version-control, dependency, vendored and build-output folders, and never
follows a symlink out of the root (symlinked folders are not followed at all, which also rules out
cycles).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".jj",
        "node_modules",
        "bower_components",
        "vendor",
        "third_party",
        "third-party",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".terraform",
        ".terragrunt-cache",
        ".gradle",
        ".idea",
        "dist",
        "target",
        ".next",
        ".nuxt",
        ".svelte-kit",
        ".turbo",
        ".parcel-cache",
        ".opsmith",
    }
)


@dataclass(frozen=True)
class Discovered:
    relpath: str  # '/'-separated, relative to the root
    path: Path


@dataclass
class _Ignore:
    base: str  # relative dir the patterns are anchored to ('' for the root)
    spec: Any  # pathspec.GitIgnoreSpec, imported only when a repository has ignore files


def _load_ignore(base: str, file: Path) -> _Ignore | None:
    try:
        lines = file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    if not any(line.strip() and not line.startswith("#") for line in lines):
        return None
    import pathspec

    return _Ignore(base, pathspec.GitIgnoreSpec.from_lines(lines))


def _ignored(rel: str, is_dir: bool, stack: list[_Ignore]) -> bool:
    verdict = False
    for ign in stack:  # outermost first: a deeper file's decision wins, as in git
        sub = rel[len(ign.base) + 1 :] if ign.base else rel
        result = ign.spec.check_file(sub + "/" if is_dir else sub)
        if result.include is not None:
            verdict = bool(result.include)
    return verdict


def discover(root: Path, extra_skips: frozenset[str] = frozenset()) -> Iterator[Discovered]:
    """Every regular file under `root` that a repository audit should consider, in stable order."""
    real_root = root.resolve()
    stack: list[_Ignore] = []
    exclude = _load_ignore("", root / ".git" / "info" / "exclude")
    if exclude:
        stack.append(exclude)
    yield from _walk(root, "", real_root, stack, SKIPPED_DIRS | extra_skips)


def _walk(
    folder: Path, rel: str, real_root: Path, stack: list[_Ignore], skips: frozenset[str]
) -> Iterator[Discovered]:
    own = _load_ignore(rel, folder / ".gitignore")
    if own:
        stack = [*stack, own]
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        child_rel = f"{rel}/{entry.name}" if rel else entry.name
        try:
            if entry.is_dir(follow_symlinks=False):
                if entry.name in skips or _ignored(child_rel, True, stack):
                    continue
                yield from _walk(Path(entry.path), child_rel, real_root, stack, skips)
            elif entry.is_file(follow_symlinks=True) and not _ignored(child_rel, False, stack):
                if entry.is_symlink() and not _inside(Path(entry.path), real_root):
                    continue
                yield Discovered(child_rel, Path(entry.path))
        except OSError:
            continue


def _inside(path: Path, real_root: Path) -> bool:
    try:
        path.resolve().relative_to(real_root)
    except (OSError, ValueError):
        return False
    return True
