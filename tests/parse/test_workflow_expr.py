"""GitHub Actions expressions: finding `${{ }}`, parsing, checking, and what reaches the value."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from opsmith.parse.workflow_expr import (
    MAX_DEPTH,
    Access,
    Binary,
    Call,
    ContextRef,
    ExpressionError,
    Literal,
    Unary,
    check,
    find_expressions,
    parse_expression,
    value_sources,
)


def test_find_expressions_positions_and_inner_text() -> None:
    text = "a ${{ github.sha }} b ${{ format('{0}}}', x) }} c"
    found = find_expressions(text)
    assert [(f.inner.strip(), f.closed) for f in found] == [
        ("github.sha", True),
        ("format('{0}}}', x)", True),
    ]
    assert text[found[0].start : found[0].end] == "${{ github.sha }}"
    assert text[found[1].end :] == " c"


def test_unclosed_expression_runs_to_the_end() -> None:
    (found,) = find_expressions('echo "${{ github.sha }"')
    assert not found.closed
    assert found.inner == ' github.sha }"'


def test_no_expression() -> None:
    assert find_expressions("echo $HOME ${VAR} {{ not }}") == []


def test_precedence_and_operators() -> None:
    node = parse_expression("!a.b || c == 'x' && d < 2")
    assert node == Binary(
        "||",
        Unary("!", ContextRef(("a", "b"))),
        Binary(
            "&&",
            Binary("==", ContextRef(("c",)), Literal("x")),
            Binary("<", ContextRef(("d",)), Literal(2.0)),
        ),
    )


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("github.event.issue.title", ("github", "event", "issue", "title")),
        ("GitHub.Event['issue'].title", ("github", "event", "issue", "title")),
        ("github.event.commits[0].message", ("github", "event", "commits", "*", "message")),
        ("github.event.commits.*.message", ("github", "event", "commits", "*", "message")),
        ("needs.build-image.outputs.tag", ("needs", "build-image", "outputs", "tag")),
        ("matrix[inputs.key]", ("matrix", "*")),
    ],
)
def test_context_paths(text: str, path: tuple[str, ...]) -> None:
    assert parse_expression(text) == ContextRef(path)


def test_literals_and_calls() -> None:
    assert parse_expression("'it''s'") == Literal("it's")
    assert parse_expression("TRUE") == Literal(True)
    assert parse_expression("null") == Literal(None)
    assert parse_expression("-1.5e3") == Literal(-1500.0)
    assert parse_expression("0xff") == Literal(255.0)
    assert parse_expression("fromJSON(x).a") == Access(Call("fromjson", (ContextRef(("x",)),)), "a")
    assert parse_expression("hashFiles('a', 'b')") == Call("hashfiles", (Literal("a"), Literal("b")))
    assert parse_expression("always()") == Call("always", ())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the expression is empty"),
        ("   ", "the expression is empty"),
        ("a ==", "the expression ends where a value was expected"),
        ("a = b", "unexpected character `=`"),
        ("'open", "a string literal is not closed"),
        ("f(a b)", "expected `,` but found `b`"),
        ("(a", "expected `)` but found the end of the expression"),
        ("a.", "a property name is expected after `.`"),
        ("a b", "unexpected `b`"),
    ],
)
def test_syntax_errors(text: str, message: str) -> None:
    with pytest.raises(ExpressionError) as info:
        parse_expression(text)
    assert info.value.message == message


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("github.sha", None),
        ("secrets.TOKEN && vars.X || env.Y", None),
        ("contains(github.event.pull_request.labels.*.name, 'ok')", None),
        ("case(a == 1, 'one', 'many')", "unknown context `a`"),
        ("gihub.sha", "unknown context `gihub`"),
        ("frobnicate()", "unknown function `frobnicate()`"),
        ("success(1)", "`success()` does not take 1 argument(s)"),
        ("contains('a')", "`contains()` does not take 1 argument(s)"),
        ("format('{0} {1}', a.b, 1)", "unknown context `a`"),
    ],
)
def test_check(text: str, problem: str | None) -> None:
    assert check(parse_expression(text)) == problem


@pytest.mark.parametrize(
    ("text", "sources"),
    [
        ("github.event.issue.title", ["github.event.issue.title"]),
        ("github.event.issue.title == 'x'", []),
        ("!github.head_ref", []),
        ("contains(github.event.issue.title, 'bug')", []),
        ("github.event.issue.title || 'none'", ["github.event.issue.title"]),
        ("format('{0}-{1}', github.head_ref, github.sha)", ["github.head_ref", "github.sha"]),
        ("toJSON(github.event.pull_request)", ["github.event.pull_request"]),
        ("fromJSON(steps.x.outputs.y).name", ["steps.x.outputs.y"]),
        (
            "(github.event.pull_request || github.event.issue).number",
            ["github.event.pull_request.number", "github.event.issue.number"],
        ),
        ("'literal'", []),
    ],
)
def test_value_sources(text: str, sources: list[str]) -> None:
    assert [ref.dotted for ref in value_sources(parse_expression(text))] == sources


@pytest.mark.parametrize(
    "nested", [lambda n: "(" * n + "1" + ")" * n, lambda n: "!" * n + "true", lambda n: "f(" * n + ")" * n]
)
def test_nesting_past_githubs_limit_is_an_error_not_a_recursion_error(nested: Callable[[int], str]) -> None:
    parse_expression(nested(MAX_DEPTH - 2))
    for depth in (MAX_DEPTH + 1, 5000):  # a hundred parentheses used to exhaust Python's stack
        with pytest.raises(ExpressionError, match="nests more than 50 levels"):
            parse_expression(nested(depth))
