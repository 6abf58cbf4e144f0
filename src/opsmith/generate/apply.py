"""Writes generated artifacts into a repository without losing anything the user wrote.

`.opsmith/generated.json` records the hash of every file opsmith wrote (and, under "decisions",
which files implement each decision of the design: see generate/decisions.py). On a later run a file is
updated only when it is still exactly what opsmith wrote; a file the user edited, or one that
existed before opsmith, is left alone and its would-be change is shown as a unified diff
(`force` overwrites, `dry_run` writes nothing). Every write is atomic, and every target (the
manifest's too) is checked to stay inside the repository before anything is written.
"""

from __future__ import annotations

import difflib
import enum
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opsmith.generate.artifact import Artifact
from opsmith.safe_read import NotReadable, read_limited, read_text_limited
from opsmith.writer import WriteError, repository_target, write_atomic

MANIFEST = ".opsmith/generated.json"
_MAX_READ = 16 * 1024 * 1024  # far above any generated file: a larger one is the user's, kept


class Outcome(enum.Enum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    OVERWRITTEN = "overwritten"  # user content replaced because of --force
    KEPT_USER_EDIT = "kept (edited since opsmith wrote it)"
    KEPT_EXISTING = "kept (existed before opsmith)"


KEPT = frozenset({Outcome.KEPT_USER_EDIT, Outcome.KEPT_EXISTING})


@dataclass(frozen=True)
class FileResult:
    path: str
    outcome: Outcome
    diff: str = ""  # what opsmith would change (kept files, and every change in a dry run)


@dataclass
class ApplyReport:
    results: list[FileResult] = field(default_factory=list)
    dry_run: bool = False

    @property
    def kept(self) -> list[FileResult]:
        return [r for r in self.results if r.outcome in KEPT]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_manifest(root: Path) -> dict[str, str]:
    try:
        files = _load(root).get("files", {})
        return {str(k): str(v["sha256"]) for k, v in files.items() if isinstance(v, dict)}
    except (AttributeError, KeyError, TypeError):
        return {}


def unchanged_generated(root: Path) -> frozenset[str]:
    """Files opsmith wrote that are still exactly what it wrote: its output, not the user's."""
    out = set()
    for rel, digest in load_manifest(root).items():
        try:
            if sha256(read_text_limited(repository_target(root, rel), _MAX_READ)) == digest:
                out.add(rel)
        except (OSError, NotReadable, UnicodeDecodeError, WriteError):
            continue
    return frozenset(out)


def load_decisions(root: Path) -> dict[str, Any]:
    """The decision -> files map the last generate recorded ({} before there was one)."""
    decisions = _load(root).get("decisions", {})
    return decisions if isinstance(decisions, dict) else {}


def _load(root: Path) -> dict[str, Any]:
    try:
        data = json.loads(read_limited(root / MANIFEST, _MAX_READ))
    except (OSError, NotReadable, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _diff(rel: str, old: str, new: str) -> str:
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=f"a/{rel}",
            tofile=f"b/{rel}",
        )
    )


def apply(
    root: Path,
    artifacts: Iterable[Artifact],
    *,
    force: bool = False,
    dry_run: bool = False,
    decisions: Mapping[str, Any] | None = None,
) -> ApplyReport:
    planned = [(art, repository_target(root, art.path)) for art in artifacts]
    manifest_file = repository_target(root, MANIFEST)  # all checked before the first write
    manifest = load_manifest(root)
    recorded = dict(manifest)
    report = ApplyReport(dry_run=dry_run)
    for art, target in planned:
        current = _read(target)
        outcome = _decide(art, current, manifest.get(art.path), force)
        diff = _diff(art.path, current or "", art.content) if current != art.content else ""
        report.results.append(FileResult(art.path, outcome, diff if outcome in KEPT or dry_run else ""))
        if outcome in KEPT:
            continue
        if not dry_run and outcome is not Outcome.UNCHANGED:
            write_atomic(target, art.content, executable=art.executable)
        recorded[art.path] = sha256(art.content)
    previous = load_decisions(root)
    if decisions is None:
        decisions = previous  # a caller with no map keeps the recorded one
    if not dry_run and (recorded != manifest or dict(decisions) != previous):
        _save_manifest(manifest_file, recorded, decisions)
    return report


def _read(target: Path) -> str | None:
    try:
        return read_text_limited(target, _MAX_READ)
    except FileNotFoundError:
        return None
    except (OSError, NotReadable, UnicodeDecodeError):
        return ""  # unreadable, special or huge: treat as user content, never overwrite silently


def _decide(art: Artifact, current: str | None, recorded_hash: str | None, force: bool) -> Outcome:
    if current is None:
        return Outcome.CREATED
    if current == art.content:
        return Outcome.UNCHANGED
    ours = recorded_hash is not None and sha256(current) == recorded_hash
    if ours:
        return Outcome.UPDATED
    if force:
        return Outcome.OVERWRITTEN
    return Outcome.KEPT_USER_EDIT if recorded_hash is not None else Outcome.KEPT_EXISTING


def _save_manifest(file: Path, recorded: dict[str, str], decisions: Mapping[str, Any]) -> None:
    payload: dict[str, Any] = {
        "version": 1,
        "note": "Files opsmith generated and their hashes; opsmith only updates a file that still "
        "matches its hash here.",
        "files": {path: {"sha256": digest} for path, digest in sorted(recorded.items())},
    }
    if decisions:
        payload["decisions"] = dict(decisions)
    write_atomic(file, json.dumps(payload, indent=2) + "\n")
