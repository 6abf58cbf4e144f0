"""`opsmith rules`: every rule with its ID, severity, family and title."""

from __future__ import annotations

import json

from opsmith.audit.families import BY_NAME, BY_PREFIX
from opsmith.commands.errors import usage_error
from opsmith.rules.catalogue import all_rules


def list_rules(family: str | None, fmt: str) -> int:
    rules = all_rules()
    if family:
        fam = BY_NAME.get(family.lower()) or BY_PREFIX.get(family.upper())
        if fam is None:
            names = ", ".join(sorted(BY_NAME))
            return usage_error(f"unknown family {family!r} (one of: {names})")
        rules = [r for r in rules if r.family == fam.name]
    if fmt == "json":
        rows = [
            {
                "id": r.id,
                "severity": r.severity.label,
                "family": r.family,
                "title": r.title,
                "scope": r.scope,
            }
            for r in rules
        ]
        print(json.dumps(rows, indent=2))
        return 0
    for r in rules:
        print(f"{r.id}  {r.severity.label:<7}  {r.family:<12}  {r.title}")
    return 0
