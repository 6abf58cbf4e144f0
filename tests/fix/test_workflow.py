"""GA013/GA014 (pin to a commit), GA004 (read-only token) and GA012 (job timeout) fixes."""

from __future__ import annotations

import json
from importlib.resources import files

from tests.fix.conftest import Run

WORKFLOW = """\
name: ci
on: [push]
# every push is tested
jobs:
  test:
    runs-on: ubuntu-latest  # the runner
    steps:
      - uses: actions/checkout@v7
      - uses: "docker/setup-buildx-action@v4.3.0"
      - run: make test
"""
PATH = ".github/workflows/ci.yml"


def _pin(action: str) -> tuple[str, str]:
    data = json.loads(files("opsmith").joinpath("data", "action-pins.json").read_text(encoding="utf-8"))
    entry = data["actions"][action]
    return entry["sha"], entry["tag"]


def test_actions_are_pinned_to_the_commit_of_their_tag(fix_run: Run) -> None:
    before = fix_run({PATH: WORKFLOW}, "--select", "GA013,GA014")
    assert before.findings("GA013") and before.findings("GA014")
    after = fix_run({}, "--fix", "--select", "GA013,GA014")
    text = after.text(PATH)
    sha, tag = _pin("actions/checkout")
    assert f"      - uses: actions/checkout@{sha} # {tag}\n" in text  # a major tag: its release
    sha, tag = _pin("docker/setup-buildx-action")
    assert f'      - uses: "docker/setup-buildx-action@{sha}" # {tag}\n' in text
    assert "# every push is tested\n" in text and "ubuntu-latest  # the runner\n" in text
    assert after.findings("GA013") == [] and after.findings("GA014") == []


def test_a_tag_opsmith_has_no_commit_for_is_left_alone(fix_run: Run) -> None:
    text = WORKFLOW.replace("checkout@v7", "checkout@v3").replace("@v4.3.0", "@v4.3.0 # keep")
    outcome = fix_run({PATH: text}, "--fix", "--select", "GA013,GA014")
    assert outcome.text(PATH) == text
    assert len(outcome.findings("GA013")) == len(outcome.findings("GA014")) == 1


def test_a_workflow_that_only_reads_gets_a_read_only_token(fix_run: Run) -> None:
    outcome = fix_run({PATH: WORKFLOW}, "--fix", "--select", "GA004")
    expected = WORKFLOW.replace("# every push", "permissions:\n  contents: read\n\n# every push")
    assert outcome.text(PATH) == expected
    assert outcome.findings("GA004") == []


def test_a_workflow_whose_steps_may_need_more_is_left_alone(fix_run: Run) -> None:
    for step in (
        "      - run: gh release create v1",
        "      - run: git push origin HEAD",
        "      - uses: softprops/action-gh-release@v3",
        "      - run: ./upload.sh\n        env: {TOKEN: '${{ github.token }}'}",
        "      - name: Deploy the docs\n        run: ./ship.sh",
    ):
        text = WORKFLOW + step + "\n"
        outcome = fix_run({PATH: text}, "--fix", "--select", "GA004")
        assert outcome.text(PATH) == text, step
        assert outcome.findings("GA004"), step


def test_job_timeout_is_an_unsafe_fix(fix_run: Run) -> None:
    safe_only = fix_run({PATH: WORKFLOW}, "--fix", "--select", "GA012")
    assert safe_only.text(PATH) == WORKFLOW
    outcome = fix_run({}, "--fix", "--unsafe-fixes", "--select", "GA012")
    expected = WORKFLOW.replace("  test:\n", "  test:\n    timeout-minutes: 60\n")
    assert outcome.text(PATH) == expected
    assert outcome.findings("GA012") == []
