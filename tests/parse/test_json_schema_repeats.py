"""A value that occurs many times (one node reached through YAML aliases, or equal blocks written
out) is judged once per keyword and subschema: the verdict and the problems stay jsonschema's."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema.validators import extend, validator_for

from opsmith.parse import json_schema_repeats
from opsmith.parse.json_schema import schema_problems
from opsmith.parse.json_schema_check import load_schema, repeated_nodes
from opsmith.parse.json_schema_repeats import keywords_once, repeats_once
from opsmith.parse.yaml_tree import YMap, YSeq, load_documents

SCHEMA = "github-workflows.json"


def _tree(text: str) -> YMap:
    docs = load_documents(textwrap.dedent(text))
    assert isinstance(docs, list) and isinstance(docs[0], YMap)
    return docs[0]


def _matrix(leaf: Any, width: int, depth: int) -> YMap:
    """A workflow whose matrix holds `width` references to the level below, `depth` times over:
    width ** depth leaves, built from depth + 1 lists, as YAML aliases would build it."""
    tree = _tree(
        """\
        on: push
        jobs:
          test:
            runs-on: x
            timeout-minute: 5
            strategy: {matrix: {os: []}}
            steps: [{run: x}]
        """
    )
    level = YSeq(1, 1)
    level.append(leaf)
    for _ in range(depth):
        below, level = level, YSeq(1, 1)
        level.extend([below] * width)
    tree["jobs"]["test"]["strategy"]["matrix"]["os"] = level
    return tree


class _Counted:
    """The workflow schema's validator with every keyword call counted; a call past `most` fails
    the test at once instead of letting an exponential walk run for hours."""

    def __init__(self, most: int) -> None:
        schema = load_schema(SCHEMA)
        plain = validator_for(schema)
        self.calls = 0
        self.most = most
        counted = {name: self._count(check) for name, check in plain.VALIDATORS.items()}
        self.validator = extend(plain, keywords_once(counted))(schema)

    def _count(self, check: Any) -> Any:
        def keyword(*args: Any) -> Any:
            self.calls += 1
            assert self.calls <= self.most, "a repeated value was judged again"
            return check(*args)

        return keyword

    def errors(self, tree: Any) -> list[Any]:
        with repeats_once(tree):
            return list(self.validator.iter_errors(tree))


def _plain_problems(text: str) -> set[tuple[int, str]]:
    """What schema_problems says when every path is walked, as jsonschema alone does."""
    plain = validator_for(load_schema(SCHEMA))(load_schema(SCHEMA))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("opsmith.parse.json_schema.validator", lambda _file: plain)
        patch.setattr("opsmith.parse.json_schema._errors", lambda _file, tree: plain.iter_errors(tree))
        return {(p.line, p.message) for p in schema_problems(SCHEMA, _tree(text))}


def test_repeated_nodes_are_one_object_reached_twice_or_equal_values() -> None:
    inner = [1]
    merged = {"k": inner}
    tree = {"a": inner, "b": [inner, merged], "c": merged, "d": [2], "e": [True], "f": [1.0], "g": {"k": [1]}}
    repeated = repeated_nodes(tree)
    assert repeated[id(inner)] == repeated[id(tree["g"]["k"])]  # equal lists: one number
    assert repeated[id(merged)] == repeated[id(tree["g"])]
    assert set(repeated) == {id(inner), id(merged), id(tree["g"]), id(tree["g"]["k"])}  # not [True], [1.0]
    assert repeated_nodes("text") == {}


def test_a_billion_laughs_matrix_is_judged_in_time_linear_in_what_is_written() -> None:
    """2 ** 30 leaves: jsonschema alone would walk every one of them, for each `oneOf` branch."""
    errors = _Counted(most=5_000).errors(_matrix("x", 2, 30))
    assert [e.validator for e in errors] == ["oneOf"]  # the unknown `timeout-minute`
    assert _Counted(most=5_000).errors(_matrix(None, 2, 30))  # and with an invalid leaf


def test_outside_a_run_every_path_is_walked() -> None:
    counted = _Counted(most=10**6)
    list(counted.validator.iter_errors(_matrix("x", 2, 6)))
    walked = counted.calls
    counted.calls = 0
    counted.errors(_matrix("x", 2, 6))
    assert counted.calls < walked


@pytest.mark.parametrize(
    "text",
    [
        """\
        on: push
        jobs:
          a:
            runs-on: x
            steps: &s
              - {uses: a/b@v1, run: echo}
              - {foo: 1}
          b: {runs-on: x, steps: *s}
          c: {runs-on: x, steps: *s}
        """,
        """\
        on: push
        jobs:
          a: &j
            runs-on: [1, {x: 2}]
            steps: [{run: x}]
            timeout-minute: 3
          b: *j
          c: {<<: *j, name: c}
        """,
        """\
        on: push
        env: &e {A: [1]}
        jobs:
          a: {runs-on: x, env: *e, steps: [{run: x, env: *e}]}
        """,
        """\
        on: push
        jobs:
          a:
            runs-on: x
            strategy:
              matrix:
                l0: &l0 [{a: 1}, null]
                l1: &l1 [*l0, *l0]
                include: &i [1, 2]
                exclude: *i
            steps: [{run: x}]
        """,
    ],
    ids=["steps", "job", "env", "matrix"],
)
def test_problems_are_jsonschemas_own(text: str) -> None:
    assert {(p.line, p.message) for p in schema_problems(SCHEMA, _tree(text))} == _plain_problems(text)


def test_a_block_pasted_thousands_of_times_is_judged_once_and_reported_everywhere() -> None:
    steps = "".join(f"      - {{run: echo, timeout-minute: {i % 2}}}\n" for i in range(4000))
    tree = _tree(f"on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n{steps}")
    counted = _Counted(most=5_000)
    assert counted.errors(tree)
    problems = schema_problems(SCHEMA, tree, limit=10**6)
    assert [p.line for p in problems if "timeout-minute" in p.message] == list(range(6, 4006))


@pytest.mark.parametrize("leaf", ["x", None, {"a": [1]}])
def test_past_the_copy_budget_the_verdict_and_the_lines_stay(
    leaf: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = _matrix(leaf, 3, 4)
    whole = _Counted(most=10**6).errors(tree)
    monkeypatch.setattr(json_schema_repeats, "COPY_BUDGET", 0)
    cut = _Counted(most=10**6).errors(tree)
    assert [e.validator for e in cut] == [e.validator for e in whole]

    def paths(errors: list[Any]) -> Iterator[tuple[Any, ...]]:
        for error in errors:
            yield tuple(error.absolute_path)
            yield from paths(error.context)

    assert set(paths(cut)) <= set(paths(whole))
