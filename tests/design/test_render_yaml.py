"""opsmith.yaml: commented, human-editable, and loads back identical; broken edits are reported
with the file, line and key."""

from __future__ import annotations

import pytest

from design.fixtures import NAMES, design
from opsmith.design.decide import apply_overrides
from opsmith.design.model import Approval, Override
from opsmith.design.render_yaml import DesignFileError, load, render


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("users", [10, 5_000, 500_000, 5_000_000])
def test_written_design_loads_back_identical(name: str, users: int) -> None:
    d = design(name, users=users)
    text = render(d)
    assert load(text) == d
    assert render(load(text)) == text


def test_overrides_and_approval_round_trip() -> None:
    d = apply_overrides(design(), {"platform": Override(value="aws-eks", reason="we run EKS", by="ops")})
    d = d.model_copy(
        update={"approval": Approval(by="Jane <j@x>", at="2025-01-02T03:04:05Z", sha256="a" * 64)}
    )
    assert load(render(d)) == d


def test_every_section_is_explained_by_a_comment() -> None:
    lines = render(design()).splitlines()
    for index, line in enumerate(lines):
        if line and not line.startswith(("#", " ", "-")):
            assert lines[index - 1].startswith("# "), line


def test_needs_input_is_listed_at_the_top() -> None:
    text = render(design("unknown"))
    assert "# NEEDS YOUR INPUT" in text.split("version:")[0]


def _edited(old: str, new: str) -> str:
    text = render(design())
    assert old in text
    return text.replace(old, new, 1)


def test_an_invalid_value_is_reported_with_its_line() -> None:
    text = _edited("    value: rolling", "    value: big-bang")
    line = text.splitlines().index("    value: big-bang") + 1
    with pytest.raises(DesignFileError, match=rf"^opsmith.yaml:{line}: services\[0\].strategy.value"):
        load(text)


def test_an_unknown_key_is_refused() -> None:
    text = _edited("app: monorepo", "app: monorepo\ncolour: blue")
    with pytest.raises(DesignFileError, match=r"opsmith.yaml:\d+: colour: Extra inputs are not permitted"):
        load(text)


def test_duplicate_keys_are_refused() -> None:
    with pytest.raises(DesignFileError, match="key 'app' appears twice"):
        load(_edited("app: monorepo", "app: monorepo\napp: other"))


@pytest.mark.parametrize("text", ["", "- a list\n", "key: [unclosed\n", "\x00"])
def test_not_a_design(text: str) -> None:
    with pytest.raises(DesignFileError):
        load(text)


def test_inconsistent_references_are_refused() -> None:
    text = _edited("  - kafka\n", "  - mongodb\n")  # the api now uses a backing service the design lacks
    with pytest.raises(DesignFileError, match="uses mongodb, missing from backing_services"):
        load(text)
