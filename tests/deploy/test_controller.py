"""The controller's decisions: how measurements add up to a verdict (no traffic is never a pass)."""

from __future__ import annotations

from opsmith.deploy.controller import Settings, analysis_state

SETTINGS = Settings(measurements=3, failure_limit=1, inconclusive_limit=2)


def test_an_analysis_passes_after_enough_passing_measurements() -> None:
    assert analysis_state(["pass", "pass"], SETTINGS)[0] == "running"
    assert analysis_state(["pass", "pass", "pass"], SETTINGS) == ("passed", "3 measurements passed")
    assert analysis_state(["pass", "fail", "pass", "pass"], SETTINGS)[0] == "passed"  # one blip


def test_a_second_failure_fails_the_analysis() -> None:
    state, reason = analysis_state(["fail", "pass", "fail"], SETTINGS)
    assert state == "failed" and "2 of 3" in reason


def test_no_traffic_is_never_a_pass() -> None:
    assert analysis_state(["inconclusive", "inconclusive"], SETTINGS)[0] == "running"
    state, reason = analysis_state(["inconclusive"] * 3, SETTINGS)
    assert state == "failed" and "inconclusive is not a pass" in reason


def test_allow_no_traffic_promotes_and_says_so() -> None:
    allowed = Settings(measurements=3, inconclusive_limit=2, allow_no_traffic=True)
    state, reason = analysis_state(["inconclusive"] * 3, allowed)
    assert state == "passed" and "--allow-no-traffic" in reason
