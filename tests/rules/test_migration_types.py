"""Which type changes only widen a character column."""

from __future__ import annotations

import pytest

from opsmith.rules.migration_types import widens


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("varchar(20)", "varchar(50)"),
        ("varchar(20)", "varchar(20)"),
        ("character varying(20)", "text"),
        ("varchar(20)", "varchar"),
        ("text", "varchar"),
        ("string(40)", "string(100)"),  # Rails, limit: read into the type
        ("string", "varchar"),
        ("sa.String(length=50)", "sa.String(length=200)"),
        ("sa.String(50)", "sa.Text()"),
        ("sa.Unicode(10)", "sa.UnicodeText()"),
    ],
)
def test_widening_a_character_column(old: str, new: str) -> None:
    assert widens(old, new)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("varchar(50)", "varchar(20)"),
        ("text", "varchar(10)"),
        ("integer", "text"),
        ("varchar(20)", "integer"),
        ("char(10)", "char(20)"),  # bpchar pads: PostgreSQL rewrites it
        (None, "text"),  # the earlier type unknown: no claim
        ("sa.String(20)", None),
    ],
)
def test_anything_else_is_not_a_widening(old: str | None, new: str | None) -> None:
    assert not widens(old, new)
