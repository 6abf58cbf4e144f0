"""`Family.markers` lets the engine pass over a YAML file without importing a parser that would not
claim it. That is only sound while the parser never claims a file holding none of the markers:
checked here on every YAML file of the rule cases."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from opsmith.audit.families import FAMILIES, Family
from opsmith.audit.source import SourceFile

CASES = Path(__file__).parents[1] / "rules" / "cases"
YAML_FILES = sorted(p for p in CASES.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())


@pytest.mark.parametrize("family", [f for f in FAMILIES if f.markers], ids=lambda f: f.name)
def test_a_parser_claims_only_files_holding_a_marker(family: Family) -> None:
    assert family.parser is not None
    parser = importlib.import_module(family.parser)
    claimed = []
    for path in YAML_FILES:
        text = path.read_text(encoding="utf-8", errors="replace")
        if parser.parse(SourceFile(path.relative_to(CASES).as_posix(), text, path)) is not None:
            claimed.append(path)
            assert any(word in text for word in family.markers), path
    assert claimed, f"no {family.name} file among the rule cases: the check proves nothing"
