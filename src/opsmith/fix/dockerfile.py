"""Fixes for Dockerfile findings, as line edits (a Dockerfile has no tree worth round-tripping)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from opsmith.findings import Finding
from opsmith.fix.edits import Edit, Fixer, Lines

_INSTRUCTION = re.compile(r"^(\s*)(CMD|ENTRYPOINT)(\s+)(.*?)\s*$", re.IGNORECASE)
# Words that mean the same to `/bin/sh -c` and to exec: no expansion, quoting, globbing,
# redirection, operators, comments or escapes can hide in them.
_PLAIN_WORD = re.compile(r"[A-Za-z0-9_./:=@%+,-]+")
# Commands that only exist inside a shell: in exec form they would not be found.
_SHELL_ONLY = frozenset(
    {
        "exec",
        "cd",
        "export",
        "set",
        "source",
        ".",
        "eval",
        "trap",
        "ulimit",
        "umask",
        "if",
        "for",
        "while",
        "case",
        "until",
        "test",
        "[",
        "wait",
        "read",
        "alias",
        "unset",
        "shift",
        "true",
        "false",
    }
)
_KEYWORD = re.compile(r"^\s*(\w+)", re.MULTILINE)
_APT_INSTALL = re.compile(r"\b(?:apt-get|apt)(?:\s+-[\w=-]+)*\s+install\b")


def _exec_form(text: str, finding: Finding) -> Sequence[Edit] | None:
    lines = Lines(text)
    if finding.line is None:
        return None
    match = _INSTRUCTION.match(lines.get(finding.line))
    if match is None:
        return None
    lead, keyword, gap, command = match.groups()
    words = command.split()
    if not words or command.endswith("\\") or not all(_PLAIN_WORD.fullmatch(w) for w in words):
        return None
    if words[0] in _SHELL_ONLY or "=" in words[0]:  # `A=b cmd` sets a variable: a shell feature
        return None
    keywords = [k.upper() for k in _KEYWORD.findall(text)]
    if "SHELL" in keywords:
        return None  # another shell may give these words another meaning
    # An ENTRYPOINT takes the CMD as arguments: a shell-form ENTRYPOINT ignores them, and a CMD's
    # form changes what it receives (`/bin/sh -c "..."` or the words). Either way: a person's call.
    other = "CMD" if keyword.upper() == "ENTRYPOINT" else "ENTRYPOINT"
    if other in _stage_keywords(lines, finding.line):
        return None
    return [lines.replace(finding.line, f"{lead}{keyword}{gap}{json.dumps(words)}")]


def _stage_keywords(lines: Lines, line: int) -> list[str]:
    """The instruction keywords of the stage around `line` (from its FROM to the next one)."""
    start = next((n for n in range(line, 0, -1) if _word(lines.get(n)) == "FROM"), 1)
    end = next((n for n in range(line + 1, len(lines) + 1) if _word(lines.get(n)) == "FROM"), len(lines) + 1)
    return [_word(lines.get(n)) for n in range(start, end)]


def _word(line: str) -> str:
    match = _KEYWORD.match(line)
    return match.group(1).upper() if match else ""


def _no_install_recommends(text: str, finding: Finding) -> Sequence[Edit] | None:
    if finding.line is None or not finding.message.startswith("apt-get install without"):
        return None
    lines = Lines(text)
    first = lines.get(finding.line)
    if "<<" in first:
        return None  # a heredoc's script is not line-continued: left to a person
    edits: list[Edit] = []
    number = finding.line
    while number <= len(lines):
        line = lines.get(number)
        if "--no-install-recommends" not in line:
            start = lines.starts[number - 1]
            edits.extend(
                Edit(start + m.end(), start + m.end(), " --no-install-recommends")
                for m in _APT_INSTALL.finditer(line)
            )
        if not line.rstrip().endswith("\\"):
            break
        number += 1
    return edits or None


EXEC_FORM = Fixer("write CMD/ENTRYPOINT in exec form", safe=True, make=_exec_form)
NO_INSTALL_RECOMMENDS = Fixer(
    "add --no-install-recommends to apt-get install", safe=True, make=_no_install_recommends
)
