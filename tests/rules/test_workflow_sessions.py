"""GA006 reads the nox sessions and tox environments a workflow runs."""

from __future__ import annotations

from pathlib import Path

from helpers import audit_tree, write_tree
from opsmith.config import Config
from opsmith.parse.shell import commands
from opsmith.rules.workflow_sessions import runner_targets

NOXFILE = """
import nox


@nox.session(python="3.12")
@nox.parametrize("strict", [True])
def check(session: nox.Session, strict: bool) -> None:
    session.install("flake8")
    session.run(
        "flake8", "src",
    )


@nox.session(name="docs")
def build_docs(session: nox.Session) -> None:
    session.run("sphinx-build", "docs", "out")
"""
TOX = """
[tox]
envlist = py312

[testenv:qa,style-all]
deps = ruff
commands =
    ruff check src
    ruff format --check src

[testenv:notes]
commands = towncrier build --draft
"""


def _ga006(root: Path, run: str) -> list[str]:
    workflow = f"""
    on: pull_request
    jobs:
      ci:
        runs-on: x
        steps: [{{run: pytest}}, {{run: pip-audit -r requirements.txt}}, {{run: "{run}"}}]
    """
    write_tree(
        root,
        {
            "pyproject.toml": "[project]\nname = 'app'\n",
            "noxfile.py": NOXFILE,
            "tox.ini": TOX,
            ".github/workflows/ci.yml": workflow,
        },
    )
    return [f.message for f in audit_tree(root, Config(select=("GA006",), fail_on=None)).findings]


def test_a_session_whose_body_lints_is_a_lint_stage(tmp_path: Path) -> None:
    assert _ga006(tmp_path, "nox -s check") == []
    assert _ga006(tmp_path, "tox -e py312,qa") == []
    assert _ga006(tmp_path, "tox -e style-all") == []


def test_sessions_that_lint_nothing_are_no_lint_stage(tmp_path: Path) -> None:
    missing = ["no workflow of this repository runs a lint stage"]
    assert _ga006(tmp_path, "nox -s docs") == missing
    assert _ga006(tmp_path, "tox -e notes") == missing
    assert _ga006(tmp_path, "nox -s build_docs") == missing  # a named session answers to its name only


def test_runner_targets() -> None:
    def targets(line: str) -> list[str]:
        return runner_targets((commands(line) or [])[0])

    assert targets("nox -s pep484") == ["pep484"]
    assert targets("nox --session=lint -p 3.12") == ["lint"]
    assert targets("tox -e py312,qa") == ["py312", "qa"]
    assert targets("make lint") == []
