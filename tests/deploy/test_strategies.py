"""Strategies as data: the steps each one runs, custom steps, and the weights a step leaves."""

from __future__ import annotations

import pytest

from opsmith.deploy.strategies import Step, effective_strategy, parse_step, rollback_steps, split, steps_for


def texts(steps: list[Step]) -> list[str]:
    return [s.text for s in steps]


def test_canary_moves_5_25_50_then_promotes_with_an_analysis_after_each_weight() -> None:
    assert texts(steps_for("canary", web=True, release_command=True)) == [
        "release", "start", "wait-healthy",
        "weight 5", "analyse", "weight 25", "analyse", "weight 50", "analyse",
        "promote", "retire",
    ]  # fmt: skip


def test_blue_green_switches_at_once_and_keeps_blue_warm() -> None:
    steps = texts(steps_for("blue-green", web=True, release_command=False))
    assert steps == ["start", "wait-healthy", "promote", "analyse", "keep-warm"]


def test_rolling_shares_traffic_before_the_old_release_drains() -> None:
    steps = texts(steps_for("rolling", web=True, release_command=False))
    assert steps == ["start", "wait-healthy", "weight 50", "promote", "retire"]


def test_no_traffic_moves_before_the_health_gate() -> None:
    for strategy in ("rolling", "blue-green", "canary"):
        steps = steps_for(strategy, web=True, release_command=True)  # type: ignore[arg-type]
        first_move = next(i for i, s in enumerate(steps) if s.moves_traffic)
        assert [s.kind for s in steps[:first_move]][-1] == "wait-healthy"
        assert steps[0].kind == "release"


def test_a_worker_has_no_weights() -> None:
    assert texts(steps_for("canary", web=False, release_command=False)) == [
        "start",
        "wait-healthy",
        "promote",
        "retire",
    ]


def test_recreate_runs_as_rolling() -> None:
    assert effective_strategy("recreate") == "rolling"
    assert effective_strategy("canary") == "canary"


def test_custom_steps_replace_the_middle_only() -> None:
    custom = [parse_step("weight 10"), parse_step("pause 30"), parse_step("analyse")]
    steps = texts(steps_for("canary", web=True, release_command=False, custom=custom))
    assert steps == ["start", "wait-healthy", "weight 10", "pause 30", "analyse", "promote", "retire"]
    with pytest.raises(ValueError, match="not `retire`"):
        steps_for("canary", web=True, release_command=False, custom=[Step("retire")])


@pytest.mark.parametrize(
    ("text", "error"),
    [("weight", "needs a number"), ("weight 101", "1 to 100"), ("analyse 3", "takes no number"),
     ("reboot", "not a deploy step"), ("weight -5", "not a deploy step")],
)  # fmt: skip
def test_bad_steps_are_refused(text: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        parse_step(text)


def test_canary_weights_must_be_percentages_below_100() -> None:
    with pytest.raises(ValueError, match="percentages"):
        steps_for("canary", web=True, release_command=False, canary_weights=[10, 100])
    steps = steps_for("canary", web=True, release_command=False, canary_weights=[50, 10])
    assert [s.value for s in steps if s.kind == "weight"] == [10, 50]


def test_weights_split_between_new_and_stable() -> None:
    assert split(Step("weight", 25), has_stable=True) == (25, 75)
    assert split(Step("weight", 25), has_stable=False) == (100, 0)  # alone, it takes everything
    assert split(Step("promote"), has_stable=True) == (100, 0)


def test_rollback_to_a_warm_release_starts_nothing() -> None:
    assert texts(rollback_steps(warm=True)) == ["wait-healthy", "promote", "keep-warm"]
    assert texts(rollback_steps(warm=False))[0] == "start"
