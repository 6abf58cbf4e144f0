"""Schema problems as sentences on the right line, with `oneOf` followed into the alternative the
value was meant to be (here with the vendored GitHub workflow schema)."""

from __future__ import annotations

import textwrap

from opsmith.parse.json_schema import dotted, line_of, schema_problems, validator
from opsmith.parse.yaml_tree import YMap, load_documents

SCHEMA = "github-workflows.json"


def _tree(text: str) -> YMap:
    docs = load_documents(textwrap.dedent(text))
    assert isinstance(docs, list)
    tree = docs[0]
    assert isinstance(tree, YMap)
    return tree


def _problems(text: str) -> list[tuple[int, str]]:
    return [(p.line, p.message) for p in schema_problems(SCHEMA, _tree(text))]


def test_validator_is_built_once() -> None:
    assert validator(SCHEMA) is validator(SCHEMA)


def test_valid_workflow_has_no_problems() -> None:
    assert _problems("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps: [{run: echo}]\n") == []


def test_unknown_keys_are_placed_on_their_own_line() -> None:
    problems = _problems(
        """\
        on: push
        jobs:
          a:
            runs-on: ubuntu-latest
            timeout-minute: 5
            steps:
              - run: echo
                shel: bash
        """
    )
    assert problems == [
        (5, "unknown key `timeout-minute` in `jobs.a`"),
        (8, "unknown key `shel` in `jobs.a.steps[0]`"),
    ]


def test_one_of_follows_the_job_kind_that_fits() -> None:
    normal = _problems("on: push\njobs:\n  a:\n    steps: [{run: echo}]\n")
    assert normal == [(3, "`jobs.a` is missing the required key `runs-on`")]
    reusable = _problems("on: push\njobs:\n  a:\n    uses: o/r/.github/workflows/x.yml@v1\n    steps: []\n")
    assert reusable == [(5, "unknown key `steps` in `jobs.a`")]


def test_type_mismatch_names_the_alternatives() -> None:
    assert _problems("on: push\njobs:\n  a:\n    runs-on: x\n    needs: 5\n    steps: [{run: echo}]\n") == [
        (5, "`jobs.a.needs` has an invalid value `5`: expected a list or a string")
    ]


def test_missing_top_level_keys() -> None:
    assert _problems("name: x\n") == [
        (1, "the document is missing the required key `on`"),
        (1, "the document is missing the required key `jobs`"),
    ]


def test_dotted_and_line_of() -> None:
    tree = _tree("a:\n  b:\n    - x\n    - c: 1\n")
    assert dotted(("a", "b", 1, "c")) == "a.b[1].c"
    assert dotted(()) == ""
    assert line_of(tree, ("a", "b", 1, "c")) == 4
    assert line_of(tree, ("a", "missing", 3)) == 1
    assert line_of(tree, ()) == 1


def test_an_unrendered_template_is_shown_as_written_and_named() -> None:
    problems = _problems(
        """
        on: push
        jobs:
          {{ job }}:
            runs-on: ubuntu-latest
            steps: [{run: echo}]
          build:
            runs-on: ubuntu-latest
            timeout-minutes: {{ timeout }}
            steps: [{run: echo}]
        """
    )
    assert (4, "unknown key `{{job}}` in `jobs`") in problems
    timeout = next(message for line, message in problems if line == 9)
    assert "`{{timeout}}`" in timeout and "unrendered template" in timeout
    assert not any("Node" in message for _, message in problems)
