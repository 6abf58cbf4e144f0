"""What the nox sessions and tox environments of a repository run, read from the root noxfile.py
and tox.ini, so that `nox -s check` or `tox -e qa` counts as the lint stage its body is (GA006)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from opsmith.context import RepoContext
from opsmith.parse.shell import Command
from opsmith.parse.workflow import WorkflowDoc
from opsmith.rules.workflow_graph import command_kinds, script_commands, step_commands

# `@nox.session(name="pep484", python=...)` above `def mypy_check(session)` (other decorators may
# sit between): the name, else the function's; the body runs to the next top-level decorator or
# definition.
_NOX_SESSION = re.compile(
    r"^@nox\.session\((?P<args>[^\n]*)\)[ \t]*\n(?:@[^\n]*\n){0,5}"
    r"def (?P<func>\w+)\((?P<body>.*?)(?=^@|^def |^class |\Z)",
    re.MULTILINE | re.DOTALL,
)
_NOX_NAME = re.compile(r"\bname\s*=\s*[\"']([\w.-]+)[\"']")
_NOX_RUN = re.compile(r"session\.run\(\s*(?P<words>(?:[\"'][^\"'\n]*[\"']\s*,?\s*)+)")
_TOX_SECTION = re.compile(
    r"^\[testenv:(?P<names>[^\]\n]+)\]\s*$(?P<body>.*?)(?=^\[|\Z)", re.MULTILINE | re.DOTALL
)
_TOX_COMMANDS = re.compile(r"^commands\s*=(?P<first>[^\n]*)(?P<rest>(?:\n[ \t]+[^\n]*)*)", re.MULTILINE)
_MAX_CHARS = 64_000  # read no further: real noxfiles and tox.ini files are a few kilobytes


def kinds_run_by_sessions(repo: RepoContext, docs: Iterable[tuple[str, WorkflowDoc]]) -> set[str]:
    """The kinds of what the workflows run through nox sessions and tox environments, judged by
    the sessions' bodies (names alone are judged with the other commands)."""
    sessions = session_kinds(repo)
    if not sessions:
        return set()
    steps = (step for _, doc in docs for job in doc.jobs for step in job.steps)
    targets = {t for step in steps for cmd in step_commands(step) for t in runner_targets(cmd.unwrapped())}
    return {kind for target in targets for kind in sessions.get(target, ())}


def session_kinds(repo: RepoContext) -> dict[str, set[str]]:
    """Session or environment name -> the kinds (lint, test...) of the commands its body runs."""
    found: dict[str, set[str]] = {}
    nox = repo.read_text("noxfile.py") or ""
    for match in _NOX_SESSION.finditer(nox[:_MAX_CHARS]):
        named = _NOX_NAME.search(match.group("args"))
        runs = (
            Command(tuple(re.findall(r"[\"']([^\"'\n]*)[\"']", run.group("words"))), None)
            for run in _NOX_RUN.finditer(match.group("body"))
        )
        found.setdefault(named.group(1) if named else match.group("func"), set()).update(_kinds(runs))
    tox = repo.read_text("tox.ini") or ""
    for section in _TOX_SECTION.finditer(tox[:_MAX_CHARS]):
        commands = _TOX_COMMANDS.search(section.group("body"))
        if commands is None:
            continue
        script = "\n".join((commands.group("first"), commands.group("rest")))
        kinds = _kinds(script_commands(script))
        for name in section.group("names").split(","):
            found.setdefault(name.strip(), set()).update(kinds)
    return found


def _kinds(commands: Iterable[Command]) -> set[str]:
    return {kind for cmd in commands for kind in command_kinds(cmd)}


def runner_targets(cmd: Command) -> list[str]:
    """The sessions a `nox -s a b` / `nox --session a` or the environments a `tox -e a,b` runs."""
    if cmd.program not in ("nox", "tox"):
        return []
    args = cmd.args()
    flags = ("-s", "--session", "--sessions", "-e")
    out: list[str] = []
    for index, word in enumerate(args):
        if index > 0 and args[index - 1] in flags and not word.startswith("-"):
            out.extend(part for part in word.split(",") if part)
        elif word.startswith(("--session=", "--sessions=", "-e=")):
            out.extend(part for part in word.split("=", 1)[1].split(",") if part)
    return out
