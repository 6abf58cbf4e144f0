"""`opsmith explain ID`: the rule's documentation."""

from __future__ import annotations

from opsmith.commands.errors import usage_error
from opsmith.rules.catalogue import find_rule


def explain(rule_id: str) -> int:
    rule = find_rule(rule_id.strip())
    if rule is None:
        return usage_error(f"unknown rule {rule_id!r} (see `opsmith rules`)")
    scope = "repository-wide" if rule.scope == "repo" else "per file"
    print(f"{rule.id}: {rule.title}")
    print(f"severity: {rule.severity.label} | family: {rule.family} | scope: {scope}\n")
    print(rule.docs.strip())
    return 0
