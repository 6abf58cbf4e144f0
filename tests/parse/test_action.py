"""Action metadata files: claimed only when they say how the action runs, steps read as in workflows."""

from __future__ import annotations

import textwrap

from opsmith.audit.source import SourceFile
from opsmith.parse.action import ActionDoc, parse
from opsmith.parse.errors import ParseFailure


def _parse(text: str) -> ActionDoc | ParseFailure | None:
    return parse(SourceFile("action.yml", textwrap.dedent(text).lstrip("\n")))


def test_composite_steps_are_read_with_their_lines() -> None:
    doc = _parse(
        """
        name: x
        runs:
          using: composite
          steps:
            - uses: actions/checkout@v4
            - run: |
                make audit
              shell: bash
              env: {A: b}
        """
    )
    assert isinstance(doc, ActionDoc) and doc.composite and doc.runs_line == 2
    assert [(s.line, s.action, s.run.line_at(0) if s.run else None) for s in doc.steps] == [
        (5, "actions/checkout", None),
        (6, "", 7),
    ]
    assert doc.steps[1].env == {"A": "b"} and doc.image is None


def test_a_docker_action_has_its_image_and_no_steps() -> None:
    doc = _parse("runs:\n  using: docker\n  image: docker://alpine:3.20\n")
    assert isinstance(doc, ActionDoc) and not doc.composite and doc.steps == []
    assert doc.image is not None and (doc.image.value, doc.image.line) == ("docker://alpine:3.20", 3)


def test_files_without_runs_are_someone_elses() -> None:
    assert _parse("tasks: [build]\n") is None
    assert _parse("a: 1\n---\nruns: {using: composite}\n") is None
    assert _parse("key: [broken\n") is None  # broken, and nothing says it is an action


def test_a_broken_action_is_a_parse_failure() -> None:
    assert isinstance(_parse("runs:\n  using: [composite\n"), ParseFailure)
    failure = _parse("runs: 3\n")
    assert isinstance(failure, ParseFailure) and failure.line == 1
