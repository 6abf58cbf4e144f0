"""Gate 1: approval is recorded in the design, and no edited design passes it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from design.fixtures import design
from opsmith.design.approval import (
    ApprovalError,
    approve,
    check_approved,
    content_hash,
    strip_approval,
)
from opsmith.design.render_yaml import load_data, render

WHEN = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)


def _write(tmp_path: Path, name: str = "monorepo") -> Path:
    file = tmp_path / "opsmith.yaml"
    file.write_text(render(design(name)), encoding="utf-8")
    return file


def test_approval_is_recorded_and_passes_the_gate(tmp_path: Path) -> None:
    file = _write(tmp_path)
    before = file.read_text()
    approval, written = approve(tmp_path, "Jane Doe <jane@example.com>", WHEN)
    assert written and approval.at == "2025-03-04T05:06:07Z"
    text = file.read_text()
    assert text.startswith(before.rstrip("\n"))  # the design itself is untouched
    assert approval.sha256 == content_hash(load_data(text))
    status = check_approved(tmp_path)
    assert status.approved and status.state == "approved"
    assert status.approval == approval and status.design is not None
    assert check_approved(file).approved  # the file path works as well as the folder


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("users: 5000", "users: 5001"),  # an input
        ("    value: rolling", "    value: canary"),  # a choice
        ("  port: 4000", "  port: 4001"),  # a fact
        ("  - kafka\n  - postgresql\n", "  - postgresql\n  - kafka\n"),  # an order
        (
            "tier:\n  value: startup\n",
            "tier:\n  value: startup\n  override:\n    value: growth\n    reason: launch\n",
        ),  # an override
    ],
)
def test_an_edited_design_does_not_pass(tmp_path: Path, old: str, new: str) -> None:
    file = _write(tmp_path)
    approve(tmp_path, "Jane", WHEN)
    text = file.read_text()
    assert old in text
    file.write_text(text.replace(old, new, 1))
    status = check_approved(tmp_path)
    assert not status.approved and status.state == "changed"
    assert "gate 1 (design approval)" in status.message and "`opsmith approve`" in status.message


def test_a_forged_hash_does_not_pass(tmp_path: Path) -> None:
    file = _write(tmp_path)
    approval, _ = approve(tmp_path, "Jane", WHEN)
    text = file.read_text().replace("users: 5000", "users: 9")
    file.write_text(text.replace(approval.sha256, "f" * 64))
    assert check_approved(tmp_path).state == "changed"


def test_comments_and_line_endings_do_not_count_as_edits(tmp_path: Path) -> None:
    file = _write(tmp_path)
    approve(tmp_path, "Jane", WHEN)
    text = "# reviewed in PR 42\n" + file.read_text().replace("\n", "\r\n")
    file.write_bytes(text.encode())
    assert check_approved(tmp_path).approved


def test_states_before_approval(tmp_path: Path) -> None:
    assert check_approved(tmp_path).state == "missing"
    assert "`opsmith design`" in check_approved(tmp_path).message
    file = _write(tmp_path)
    assert check_approved(tmp_path).state == "unapproved"
    file.write_text("app: [broken\n")
    status = check_approved(tmp_path)
    assert status.state == "invalid" and "opsmith.yaml:" in status.message


def test_a_design_that_still_needs_input_cannot_be_approved(tmp_path: Path) -> None:
    _write(tmp_path, "unknown")
    with pytest.raises(ApprovalError, match="cannot be approved yet"):
        approve(tmp_path, "Jane", WHEN)
    assert not (tmp_path / "opsmith.yaml").read_text().count("approval:")


def test_approving_again_changes_nothing_until_the_design_changes(tmp_path: Path) -> None:
    file = _write(tmp_path)
    first, _ = approve(tmp_path, "Jane", WHEN)
    text = file.read_text()
    again, written = approve(tmp_path, "Max", datetime(2026, 1, 1, tzinfo=UTC))
    assert not written and again == first and file.read_text() == text
    file.write_text(text.replace("users: 5000", "users: 6000"))
    third, written = approve(tmp_path, "Max", datetime(2026, 1, 1, tzinfo=UTC))
    assert written and third.by == "Max" and file.read_text().count("\napproval:") == 1
    assert check_approved(tmp_path).approved


def test_strip_approval_keeps_every_other_line() -> None:
    text = "app: a\n# note\napproval:\n  by: x\n  at: y\n  sha256: z\n# about version\nversion: 1\n"
    assert strip_approval(text) == "app: a\n# note\n# about version\nversion: 1\n"
    assert strip_approval("app: a\n") == "app: a\n"
