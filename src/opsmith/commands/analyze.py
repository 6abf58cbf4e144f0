"""`opsmith analyze [PATH] [--format text|json]`: what the repository is, with evidence."""

from __future__ import annotations

import sys
from pathlib import Path

from opsmith.commands.errors import usage_error
from opsmith.config import ConfigError, find_config, load_config


def run_analyze(path: str = ".", fmt: str = "text") -> int:
    root = Path(path)
    if not root.is_dir():
        return usage_error(f"not a folder: {path}")
    try:
        source = find_config(root)
        settings = load_config(source).settings.get("design", {})
        from opsmith.analysis import analyze
        from opsmith.analysis.report import to_json, to_text

        facts = analyze(root, settings, source)
    except ConfigError as exc:
        return usage_error(str(exc))
    sys.stdout.write(to_json(facts) if fmt == "json" else to_text(facts))
    return 0
