"""A design decided again is taken without --force only where it fills what the old one lacked."""

from __future__ import annotations

from typing import Any

from design.fixtures import design
from opsmith.design.fills import filled
from opsmith.design.model import Design


def _with(base: Design, **service: Any) -> Design:
    first = base.services[0].model_copy(update=service)
    return base.model_copy(update={"services": [first, *base.services[1:]]})


def test_a_port_and_health_path_the_design_lacked_are_a_fill() -> None:
    complete = design("node-express")
    lacking = _with(complete, port=None, health_path=None)
    name = complete.services[0].name
    assert filled(lacking, complete) == [f"services[{name}].port", f"services[{name}].health_path"]


def test_derived_values_may_move_with_the_fill() -> None:
    complete = design("node-express")
    lacking = _with(complete, port=None, evidence={})
    assert filled(lacking, complete) == [f"services[{complete.services[0].name}].port"]


def test_a_value_that_changes_is_not_a_fill() -> None:
    complete = design("node-express")
    assert filled(_with(complete, port=9999), complete) == []


def test_a_change_outside_the_services_is_not_a_fill() -> None:
    lacking = _with(design("node-express"), port=None)
    assert filled(lacking, design("node-express", users=200_000)) == []


def test_derived_values_that_move_alone_are_not_a_fill() -> None:
    complete = design("node-express")
    assert filled(_with(complete, evidence={}), complete) == []
    assert filled(complete, complete) == []
