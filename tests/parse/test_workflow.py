"""The workflow reader: typed jobs and steps with their lines, and failures for what is not a
workflow at all."""

from __future__ import annotations

import textwrap

import pytest

from opsmith.audit.source import SourceFile
from opsmith.parse.errors import ParseFailure
from opsmith.parse.workflow import WorkflowDoc, parse

WORKFLOW = """\
name: CI
on:
  push:
    branches: [main]
  workflow_dispatch:
    inputs:
      target:
        type: choice
        options: [staging, production]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
          push: true
      - id: run
        name: Run tests
        if: github.event_name == 'push'
        run: |
          npm ci
          npm test -- --grep "${{ matrix.suite }}"
  deploy:
    needs: test
    environment:
      name: production
      url: https://example.com
    runs-on: ubuntu-latest
    steps:
      - run: ./deploy.sh
  call:
    needs: [test, deploy]
    uses: ./.github/workflows/reusable.yml
"""


def _parse(text: str, name: str = ".github/workflows/ci.yml") -> WorkflowDoc | ParseFailure:
    return parse(SourceFile(name, textwrap.dedent(text)))


def _doc(text: str) -> WorkflowDoc:
    doc = _parse(text)
    assert isinstance(doc, WorkflowDoc), doc
    return doc


def test_jobs_steps_and_lines() -> None:
    doc = _doc(WORKFLOW)
    assert doc.name == "CI"
    assert list(doc.triggers) == ["push", "workflow_dispatch"]
    assert doc.on_line == 2
    assert doc.jobs_line == 10
    test, deploy, call = doc.jobs
    assert (test.id, test.line, test.needs) == ("test", 11, ())
    checkout, run = test.steps
    assert checkout.action == "actions/checkout"
    assert checkout.uses is not None and checkout.uses.line == 14
    assert checkout.input("fetch-depth") is None  # not a string
    assert checkout.input_is_true("push")
    assert (run.id, run.name, run.line) == ("run", "Run tests", 18)
    assert run.if_ is not None and run.if_.value == "github.event_name == 'push'"
    assert run.run is not None and run.run.block
    offset = run.run.value.index("${{")
    assert run.run.line_at(offset) == 23
    assert (deploy.needs, deploy.needs_lines) == (("test",), (25,))
    assert (deploy.environment, deploy.environment_line) == ("production", 27)
    assert call.uses is not None and call.uses.value == "./.github/workflows/reusable.yml"
    assert call.needs_lines == (33, 33)
    assert doc.dispatch_inputs()["target"]["options"] == ["staging", "production"]


@pytest.mark.parametrize(
    ("on", "events"),
    [
        ("on: push", ["push"]),
        ("on: [push, pull_request]", ["push", "pull_request"]),
        ("on:\n  schedule:\n    - cron: '0 3 * * *'", ["schedule"]),
        ("on: 5", []),
    ],
)
def test_trigger_forms(on: str, events: list[str]) -> None:
    doc = _doc(f"{on}\njobs: {{}}\n")
    assert list(doc.triggers) == events


def test_strings_have_paths_and_lines() -> None:
    doc = _doc(WORKFLOW)
    found = {path: text.line for path, text in doc.strings()}
    assert found[("jobs", "test", "steps", 1, "if")] == 20
    assert found[("on", "push", "branches", 0)] == 4


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("", "the workflow file is empty: it needs `on` and `jobs`", 1),
        ("# only a comment\n", "the workflow file is empty: it needs `on` and `jobs`", 1),
        ("- a\n- b\n", "a workflow must be a mapping with `on` and `jobs` keys", 1),
        ("on: push\n---\njobs: {}\n", "a workflow file holds one YAML document, this one has several", 3),
        ("on: [push\njobs:\n", None, 2),
    ],
)
def test_parse_failures(text: str, message: str | None, line: int) -> None:
    failure = _parse(text)
    assert isinstance(failure, ParseFailure)
    if message is not None:
        assert failure.message == message
    assert failure.line == line


def test_wrong_types_are_read_as_absent() -> None:
    doc = _doc(
        """\
        on: push
        jobs:
          a: just a string
          b:
            needs: 5
            environment: [1, 2]
            steps: "not a list"
          c:
            steps:
              - just a string
              - run: [not, text]
                with: 3
        """
    )
    assert [j.id for j in doc.jobs] == ["b", "c"]
    b, c = doc.jobs
    assert (b.needs, b.environment, b.steps) == ((), None, [])
    assert len(c.steps) == 1 and c.steps[0].run is None and c.steps[0].inputs == {}


def test_every_truncation_of_a_workflow_reads_or_fails_cleanly() -> None:
    for end in range(len(WORKFLOW)):
        result = _parse(WORKFLOW[:end])
        assert isinstance(result, WorkflowDoc | ParseFailure)
        if isinstance(result, WorkflowDoc):
            list(result.strings())


def test_recursive_aliases_are_refused_not_walked() -> None:
    failure = _parse("on: push\nx: &a [*a]\njobs: {}\n")
    assert isinstance(failure, ParseFailure) and "cycle" in failure.message and failure.line == 2


def test_steps_of_a_parallel_group_join_the_job_where_the_group_is() -> None:
    doc = _doc(
        """\
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - run: make deps
              - parallel:
                  - run: make lint
                  - name: Test
                    run: make test
              - run: make package
        """
    )
    steps = doc.jobs[0].steps
    assert [(s.run.value if s.run else None, s.line) for s in steps] == [
        ("make deps", 6),
        ("make lint", 8),
        ("make test", 9),
        ("make package", 11),
    ]
    assert [s.label for s in steps] == ["step 1", "step 2", "step `Test`", "step 4"]
