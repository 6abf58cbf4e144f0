"""The commits opsmith knows for actions' release tags (data/action-pins.json), by the refs that
name them: the full release tag, and its major tag when that pointed at the same commit."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files


@cache
def _commits() -> dict[tuple[str, str], tuple[str, str]]:
    data = json.loads(files("opsmith").joinpath("data", "action-pins.json").read_text(encoding="utf-8"))
    known: dict[tuple[str, str], tuple[str, str]] = {}
    for name, entry in data.get("actions", {}).items():
        release = (entry["sha"], entry["tag"])
        known[(name.lower(), entry["tag"])] = release
        if entry.get("major") and entry.get("major_same_commit"):
            known[(name.lower(), entry["major"])] = release
    return known


def commit_for(action: str, ref: str) -> tuple[str, str] | None:
    """(commit SHA, release tag) that `owner/repo[/path]@ref` runs today, when opsmith knows it."""
    owner_repo = "/".join(action.lower().split("/")[:2])
    return _commits().get((owner_repo, ref))
