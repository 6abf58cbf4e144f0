"""Fix for DF011's `npm install`: `npm ci`, which installs exactly what the lockfile says.

`npm ci` fails without a lockfile, so the fix is offered only when one reaches the install: a COPY
earlier in the stage brings `package-lock.json` or `npm-shrinkwrap.json` (by name, a pattern such
as `package*.json`, or the whole context) into the folder the install runs in, and that file exists
in the repository where the build context can hold it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from fnmatch import fnmatchcase
from pathlib import Path
from posixpath import dirname, join, normpath

from opsmith.audit.source import SourceFile
from opsmith.findings import Finding
from opsmith.fix.edits import Edit, Fixer, Lines
from opsmith.parse.dockerfile import DockerfileDoc, Instruction, parse

LOCKFILES = ("package-lock.json", "npm-shrinkwrap.json")
# `npm [flags] install|i [flags]` up to the end of its command: a package name after it makes it
# another command (adding a dependency), which DF011 does not report.
_NPM_INSTALL = re.compile(
    r"(?<![\w./-])npm(?:\s+-[\w=.-]+)*\s+(install|i)(?:\s+-[\w=.-]+)*\s*(?=$|&&|\|\||;|\\)"
)
_GLOBAL = re.compile(r"\s(?:-g|--global|--location=global)\b")
_WHOLE_CONTEXT = (".", "./")


def _run_at(doc: DockerfileDoc, line: int) -> tuple[Instruction, list[Instruction]] | None:
    """The RUN at `line` and the instructions of its stage before it."""
    for stage in doc.stages:
        for n, ins in enumerate(stage.instructions):
            if ins.line == line and ins.cmd == "RUN":
                return ins, stage.instructions[:n]
    return None


def lock_folders(text: str, line: int) -> list[str] | None:
    """The context folders from which the stage's COPYs can bring a lockfile into the install's
    working directory ("" for the context's root), or None when none can."""
    doc = parse(SourceFile("Dockerfile", text))
    if not isinstance(doc, DockerfileDoc):
        return None
    found = _run_at(doc, line)
    if found is None:
        return None
    workdir, folders = "/", []
    for ins in found[1]:
        if ins.cmd == "WORKDIR" and ins.args:
            workdir = normpath(join(workdir, ins.args[0]))
        if ins.cmd != "COPY" or ins.flag("from") is not None or len(ins.args) < 2:
            continue
        *sources, dest = ins.args
        if normpath(join(workdir, dest)) != workdir:
            continue  # copied somewhere the install does not run
        for source in sources:
            if source in _WHOLE_CONTEXT or any(
                fnmatchcase(lock, source.rsplit("/", 1)[-1]) for lock in LOCKFILES
            ):
                folders.append("" if source in _WHOLE_CONTEXT else dirname(source))
    return folders or None


def _lockfile_in_context(root: Path, path: str, text: str, finding: Finding) -> bool:
    """A lockfile exists where one of the COPYs would take it from, with the build context at the
    Dockerfile's folder or any folder above it inside the audited root."""
    if finding.line is None:
        return False
    folders = lock_folders(text, finding.line)
    if not folders:
        return False
    context = dirname(path)
    while True:
        base = root.joinpath(*context.split("/")) if context else root
        if any((base / folder / lock).is_file() for folder in folders for lock in LOCKFILES):
            return True
        if not context:
            return False
        context = dirname(context)


def _npm_ci(text: str, finding: Finding) -> Sequence[Edit] | None:
    if finding.line is None or not finding.message.startswith("`npm install`"):
        return None
    if lock_folders(text, finding.line) is None:
        return None
    lines = Lines(text)
    number = finding.line
    while number <= len(lines):
        line = lines.get(number)
        match = _NPM_INSTALL.search(line)
        if match is not None:
            before = "".join(lines.get(n) for n in range(finding.line, number)) + line[: match.start()]
            if re.search(r"(?<![\w-])(?:cd|pushd)\s", before) or _GLOBAL.search(match.group(0)):
                return None  # another folder, or a global install: not the lockfile's business
            start = lines.starts[number - 1]
            return [Edit(start + match.start(1), start + match.end(1), "ci")]
        if not line.rstrip().endswith("\\"):
            return None
        number += 1
    return None


NPM_CI = Fixer("install with `npm ci` from the lockfile", safe=True, make=_npm_ci, holds=_lockfile_in_context)
