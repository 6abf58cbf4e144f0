"""`opsmith analyze [PATH] [--format text|json]`: what the repository is, with evidence."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from opsmith.commands.errors import CommandError
from opsmith.config import ConfigError, find_config, load_config

if TYPE_CHECKING:
    from opsmith.analysis.facts import RepoFacts


def run_analyze(path: str = ".", fmt: str = "text") -> int:
    try:
        facts = analyze_path(path)
    except CommandError as exc:
        return exc.report()
    from opsmith.analysis.report import to_json, to_text

    sys.stdout.write(to_json(facts) if fmt == "json" else to_text(facts))
    return 0


def analyze_path(path: str) -> RepoFacts:
    """The facts `opsmith analyze` reports; CommandError for a bad folder or configuration."""
    root = Path(path)
    if not root.is_dir():
        raise CommandError(f"not a folder: {path}")
    try:
        source = find_config(root)
        settings = load_config(source).settings.get("design", {})
        from opsmith.analysis import analyze

        return analyze(root, settings, source)
    except ConfigError as exc:
        raise CommandError(str(exc)) from None
