"""`opsmith explain ID`: the rule's documentation."""

from __future__ import annotations

from typing import Any

from opsmith.commands.errors import CommandError
from opsmith.rules.base import Rule
from opsmith.rules.catalogue import find_rule


def explain(rule_id: str) -> int:
    try:
        text = explanation(rule_id)
    except CommandError as exc:
        return exc.report()
    print(text)
    return 0


def explanation(rule_id: str) -> str:
    """What `opsmith explain` prints: the heading, severity, family, scope and the rule's docs."""
    rule = find_rule(rule_id.strip())
    if rule is None:
        raise CommandError(f"unknown rule {rule_id!r} (see `opsmith rules`)")
    scope = "repository-wide" if rule.scope == "repo" else "per file"
    return (
        f"{rule.id}: {rule.title}\n"
        f"severity: {rule.severity.label} | family: {rule.family} | scope: {scope}\n"
        f"automatic fix: {_automatic_fix(rule)}\n\n"
        f"{rule.docs.strip()}"
    )


def _automatic_fix(rule: Rule[Any]) -> str:
    if rule.fixer is None:
        return "none"
    if rule.fixer.safe:
        return f"safe, applied by `opsmith audit --fix` ({rule.fixer.title})"
    return f"unsafe, applied only with `--fix --unsafe-fixes` ({rule.fixer.title})"
