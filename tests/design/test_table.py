"""The scale decision table: boundaries, precedence of compliance and regions, configuration."""

from __future__ import annotations

import pytest

from opsmith.design.table import ROWS, STARTUP_FROM_REASON, Boundaries, select


@pytest.mark.parametrize(
    ("users", "tier"),
    [
        (1, "hobby"),
        (999, "hobby"),
        (1_000, "startup"),
        (99_999, "startup"),
        (100_000, "growth"),
        (999_999, "growth"),
        (1_000_000, "enterprise"),
        (50_000_000, "enterprise"),
    ],
)
def test_users_pick_the_row_at_its_boundaries(users: int, tier: str) -> None:
    selection = select(users, 1, "none", Boundaries())
    assert selection.row.tier == tier
    assert selection.rule.startswith(f"table:{tier}")


@pytest.mark.parametrize("compliance", ["hipaa", "pci", "soc2", "gdpr"])
@pytest.mark.parametrize("users", [10, 99_999, 100_000, 5_000_000])
def test_compliance_overrides_scale(users: int, compliance: str) -> None:
    selection = select(users, 3, compliance, Boundaries())  # type: ignore[arg-type]
    assert selection.row.tier == "compliance"
    assert selection.rule == f"table:compliance (compliance={compliance} overrides scale)"


def test_several_regions_need_the_multi_region_row() -> None:
    selection = select(500, 2, "none", Boundaries())
    assert selection.row.tier == "enterprise" and selection.row.topology == "multi-region"
    assert selection.rule == "rule:multi-region (regions=2)"


def test_every_row_explains_itself() -> None:
    for row in ROWS.values():
        assert row.reason and row.cost_drivers and row.risks and row.next_tier


def test_the_hobby_startup_boundary_carries_its_reason() -> None:
    assert "1,000" in STARTUP_FROM_REASON
    assert STARTUP_FROM_REASON in select(999, 1, "none", Boundaries()).reason
    assert STARTUP_FROM_REASON in select(1_000, 1, "none", Boundaries()).reason


def test_boundaries_are_configurable() -> None:
    bounds = Boundaries.from_settings({"startup-from": 50, "growth-from": 5_000, "enterprise-from": 50_000})
    assert select(49, 1, "none", bounds).row.tier == "hobby"
    assert select(50, 1, "none", bounds).row.tier == "startup"
    assert select(5_000, 1, "none", bounds).row.tier == "growth"
    assert select(50_000, 1, "none", bounds).rule == "table:enterprise (users >= 50,000)"
    assert STARTUP_FROM_REASON not in select(50, 1, "none", bounds).reason  # that reason is for 1,000


@pytest.mark.parametrize(
    "settings",
    [{"startup-from": 0}, {"growth-from": "many"}, {"startup-from": 200_000}, {"enterprise-from": True}],
)
def test_bad_boundaries_are_refused(settings: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"\[design\]"):
        Boundaries.from_settings(settings)
