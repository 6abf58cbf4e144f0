"""Every rule, by family, loaded only for the families a run needs."""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

from opsmith.audit.families import FAMILIES, Family, families_of_rule
from opsmith.rules.base import Rule


@cache
def rules_of(family: Family) -> tuple[Rule[Any], ...]:
    module = importlib.import_module(family.rules)
    rules: tuple[Rule[Any], ...] = module.RULES
    return rules


def all_rules() -> list[Rule[Any]]:
    return sorted((r for fam in FAMILIES for r in rules_of(fam)), key=lambda r: r.id)


def names_a_rule(pattern: str) -> bool:
    """Whether `pattern` (a rule ID or an ID prefix, as --select takes) names at least one rule."""
    wanted = pattern.strip().upper()
    if len(wanted) < 2:
        return bool(wanted) and any(f.prefix.startswith(wanted) for f in FAMILIES)
    return any(r.id.startswith(wanted) for family in families_of_rule(wanted) for r in rules_of(family))


def find_rule(rule_id: str) -> Rule[Any] | None:
    wanted = rule_id.upper()
    for family in families_of_rule(wanted):  # a prefix may be shared (PM: prometheus, alertmanager)
        rule = next((r for r in rules_of(family) if r.id == wanted), None)
        if rule is not None:
            return rule
    return None
