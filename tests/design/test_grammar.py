"""Repository values a design may carry: what each check lets through and what it refuses, alone
and when a hand-edited opsmith.yaml or a repository brings it in."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from design.fixtures import design
from opsmith.design import grammar
from opsmith.design.model import Design


@pytest.mark.parametrize(
    ("check", "good", "bad"),
    [
        (
            grammar.relative_path,
            ["services/api$(x);y", 'a"b', "x`id`", "$HOME", "."],
            ["/etc", "a/../b", "a\nb"],
        ),
        (grammar.file_path, ["services/a b/package-lock.json", "go.sum"], ["a/lock file", "a/x$y", "\x00"]),
        (
            grammar.one_line,
            ["npm test -- --grep 'a b'", "echo ${{ x }}"],
            ["a\nb", "a\rb", "a\x00b", "a\u2028b"],
        ),
        (
            grammar.url_path,
            ["/", "/healthz", "/api/v1/health-check", "/a%20b", "/santé"],
            ["health", "/a'b", "/a b", "/x?y", "/x\n"],
        ),
        (grammar.env_name, ["DATABASE_URL", "_x1"], ["1X", "A-B", "A B", "A$(x)", "A\n"]),
        (grammar.cron, ["*/5 * * * *", "0 3 * * MON-FRI", "@daily"], ["* * *", "* * * * * ; id", "@often"]),
        (
            grammar.domain,
            ["shop.example.com", "a-b.co"],
            ["example", "Shop.example.com", "a..b.com", "a b.com"],
        ),
    ],
)
def test_each_check_lets_the_grammar_through_and_refuses_the_rest(
    check: Any, good: list[str], bad: list[str]
) -> None:
    for value in good:
        assert check(value) == value
    for value in bad:
        with pytest.raises(ValueError, match="got"):
            check(value)


def test_a_refusal_is_one_line_with_the_value_escaped() -> None:
    with pytest.raises(ValueError) as caught:
        grammar.relative_path("services/new\nline\x1b[31m")
    message = str(caught.value)
    assert "\n" not in message and "\x1b" not in message
    assert "services/new\\nline\\x1b[31m" in message


def _edited(path: list[Any], value: Any) -> dict[str, Any]:
    data = design("monorepo").model_dump(mode="json")
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "words"),
    [
        (["services", 0, "build", "context"], "../outside", "inside the repository"),
        (["services", 0, "build", "lockfile"], "apps/api/lock$(id).json", "file name"),
        (["services", 0, "commands", "test"], "npm test\nRUN id", "one line"),
        (["services", 0, "start"], "node a.js\n", "one line"),
        (["services", 0, "health_path"], "/h') || require('child_process').exec('id", "URL path"),
        (["services", 0, "env"], ["OK", "NOT-A-NAME"], "environment variable"),
        (["services", 0, "schedule"], "@daily; id", "cron"),
        (["networking", "domain"], "example.com\nx: y", "DNS name"),
        (["services", 0, "name"], "api\n", "DNS label"),  # `$` alone lets a final newline through
        (["app"], "shop\n", "DNS label"),
    ],
)
def test_a_hand_edit_outside_the_grammar_is_refused_with_the_key(
    path: list[Any], value: Any, words: str
) -> None:
    with pytest.raises(ValidationError, match=words) as caught:
        Design.model_validate(_edited(path, value))
    assert path[-1] in caught.value.errors()[0]["loc"]  # the message names the key to fix
