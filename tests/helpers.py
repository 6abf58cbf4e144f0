"""Shared test helpers: write a small repository, audit it, look at what came out."""

from __future__ import annotations

import textwrap
from pathlib import Path

from opsmith.audit.engine import AuditResult, Target, audit
from opsmith.config import Config


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


def audit_tree(root: Path, config: Config | None = None) -> AuditResult:
    return audit(Target(root), config or Config())


def found(result: AuditResult, rule: str | None = None) -> list[tuple[str, str, int | None]]:
    """(rule, path, line) of every finding, optionally of one rule only."""
    return [(f.rule, f.path, f.line) for f in result.findings if rule is None or f.rule == rule]
