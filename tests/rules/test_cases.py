"""Every folder under tests/rules/cases/<family>/<case>/ is a small repository plus expected.txt.

expected.txt lists exactly the findings the case must produce, one `RULE path:line` per line
(`path:-` for a finding with no line); `select:` and `ignore:` lines narrow the rules compared
(default: the family's own prefix). Anything missing or extra fails, so a case that must stay
silent (a near miss, a careful setup) simply lists nothing. Optional: `setting: family.key = <TOML
value>` sets a family setting, `requires: PROGRAM` skips the case when PROGRAM is not on PATH.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path
from typing import Any

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
    settings: dict[str, dict[str, Any]] = {}
    expected: set[str] = set()
    for raw in (case / "expected.txt").read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("select:"):
            select = tuple(x.strip() for x in line[7:].split(","))
        elif line.startswith("ignore:"):
            ignore = tuple(x.strip() for x in line[7:].split(","))
        elif line.startswith("setting:"):
            key, _, value = line[8:].partition("=")
            section, _, name = key.strip().partition(".")
            settings.setdefault(section, {})[name] = tomllib.loads(f"v = {value.strip()}")["v"]
        elif not line.startswith("requires:"):
            expected.add(line)
    return Config(select=select, ignore=ignore, fail_on=None, settings=settings), expected


@pytest.mark.parametrize("case", _cases(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_case(case: Path) -> None:
    for raw in (case / "expected.txt").read_text().splitlines():
        if raw.startswith("requires:") and shutil.which(raw[9:].split("#", 1)[0].strip()) is None:
            pytest.skip(f"{raw[9:].strip()} is not on PATH")
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
