"""Which files an audit looks at.

Walks the scanned root the way a reviewer would: honours `.gitignore` files (nested ones too, and
`.git/info/exclude`), skips version-control, dependency, vendored and build-output folders, and never
follows a symlink out of the root (symlinked folders are not followed at all, which also rules out
cycles). The walk keeps its own stack rather than recursing, so no depth of folders is too deep.
FIFOs, devices and sockets are never read: they are skipped, with a note when one is asked for.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opsmith.safe_read import NotReadable, kind_of, read_limited

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


_MAX_IGNORE_FILE = 4 * 1024 * 1024


@dataclass
class _Ignore:
    base: str  # relative dir the patterns are anchored to ('' for the root)
    spec: Any  # pathspec.GitIgnoreSpec, imported only when a repository has ignore files


@dataclass
class _Folder:
    """A folder being listed: its entries still to visit and the ignore files that apply."""

    rel: str
    stack: list[_Ignore]
    entries: Iterator[os.DirEntry[str]]


def _load_ignore(base: str, file: Path, shown: str, notes: list[str] | None) -> _Ignore | None:
    """The patterns of `file` (`shown` is its path in notes), anchored at the folder `base`."""
    try:
        data = read_limited(file, _MAX_IGNORE_FILE)
    except NotReadable as exc:
        if notes is not None:
            notes.append(f"{shown}: not read as an ignore file, {exc.reason}")
        return None
    except OSError:
        return None
    lines = data.decode("utf-8", errors="replace").splitlines()
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


def discover(
    root: Path, extra_skips: frozenset[str] = frozenset(), notes: list[str] | None = None
) -> Iterator[Discovered]:
    """Every regular file under `root` that a repository audit should consider, in stable order
    (depth first, names sorted). Special files skipped on the way are added to `notes`."""
    real_root = root.resolve()
    skips = SKIPPED_DIRS | extra_skips
    exclude = _load_ignore("", root / ".git" / "info" / "exclude", ".git/info/exclude", notes)
    base = [exclude] if exclude else []
    pending = [_open(root, "", base, notes)]
    while pending:
        folder = pending[-1]
        entry = next(folder.entries, None)
        if entry is None:
            pending.pop()
            continue
        child_rel = f"{folder.rel}/{entry.name}" if folder.rel else entry.name
        try:
            if entry.is_dir(follow_symlinks=False):
                if entry.name not in skips and not _ignored(child_rel, True, folder.stack):
                    pending.append(_open(Path(entry.path), child_rel, folder.stack, notes))
            elif entry.is_file(follow_symlinks=True):
                if _ignored(child_rel, False, folder.stack):
                    continue
                if entry.is_symlink() and not _inside(Path(entry.path), real_root):
                    continue
                yield Discovered(child_rel, Path(entry.path))
            elif notes is not None and not _ignored(child_rel, False, folder.stack):
                _note_special(entry, child_rel, notes)
        except OSError:
            continue


def _open(path: Path, rel: str, stack: list[_Ignore], notes: list[str] | None) -> _Folder:
    own = _load_ignore(rel, path / ".gitignore", f"{rel}/.gitignore" if rel else ".gitignore", notes)
    if own:
        stack = [*stack, own]
    try:
        entries = sorted(os.scandir(path), key=lambda e: e.name)
    except OSError:
        entries = []
    return _Folder(rel, stack, iter(entries))


def _note_special(entry: os.DirEntry[str], rel: str, notes: list[str]) -> None:
    """A FIFO, device or socket (or a symlink to one) is not read: say so. A broken symlink or a
    symlinked folder (never followed) is left out silently, and so is a special .gitignore (it has
    its note from `_load_ignore`)."""
    if entry.name == ".gitignore":
        return
    mode = entry.stat(follow_symlinks=True).st_mode
    if not stat.S_ISDIR(mode):
        notes.append(f"{rel}: skipped, {kind_of(mode)}, not a regular file")


def _inside(path: Path, real_root: Path) -> bool:
    try:
        path.resolve().relative_to(real_root)
    except (OSError, ValueError):
        return False
    return True
