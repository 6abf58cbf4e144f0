"""Every folder under tests/rules/cases/<family>/<case>/ is a small repository plus expected.txt.

expected.txt lists exactly the findings the case must produce, one `RULE path:line` per line
(`path:-` for a finding with no line); `select:` and `ignore:` lines narrow the rules compared
(default: the family's own prefix). Anything missing or extra fails, so a case that must stay
silent (a near miss, a careful setup) simply lists nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import audit_tree
from opsmith.audit.families import BY_NAME
from opsmith.config import Config

CASES = Path(__file__).parent / "cases"


def _cases() -> list[Path]:
    return sorted(p.parent for p in CASES.glob("*/*/expected.txt"))


def _expectation(case: Path) -> tuple[Config, set[str]]:
    family = BY_NAME[case.parent.name]
    select: tuple[str, ...] = (family.prefix,)
    ignore: tuple[str, ...] = ()
    expected: set[str] = set()
    for raw in (case / "expected.txt").read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("select:"):
            select = tuple(x.strip() for x in line[7:].split(","))
        elif line.startswith("ignore:"):
            ignore = tuple(x.strip() for x in line[7:].split(","))
        else:
            expected.add(line)
    return Config(select=select, ignore=ignore, fail_on=None), expected


@pytest.mark.parametrize("case", _cases(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_case(case: Path) -> None:
    config, expected = _expectation(case)
    result = audit_tree(case, config)
    assert not result.notes or all("internal error" not in n for n in result.notes), result.notes
    got = {f"{f.rule} {f.path}:{f.line if f.line is not None else '-'}" for f in result.findings}
    assert got == expected, f"missing: {sorted(expected - got)}; unexpected: {sorted(got - expected)}"


def test_every_rule_has_a_case_that_fires() -> None:
    from opsmith.rules.catalogue import all_rules

    fired: set[str] = set()
    for case in _cases():
        _, expected = _expectation(case)
        fired.update(line.split()[0] for line in expected)
    missing = [r.id for r in all_rules() if r.id not in fired]
    assert not missing, f"rules with no firing case: {missing}"
