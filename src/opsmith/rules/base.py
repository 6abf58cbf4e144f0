"""The shape of a rule: metadata, user docs and a small check function.

A rule never parses and never decides its own ID, severity or suppression: it receives a typed
document (or, for repository-wide rules, a view of the whole repository) and yields `Problem`s;
the engine attaches the rest. Rules are values collected in each family module's `RULES` tuple,
never registered by import side effects.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Literal, Protocol, TypeVar

from opsmith.findings import Problem, Severity

D = TypeVar("D")

DOC_SECTIONS = ("What it does", "Why it matters", "Example", "Fix", "Equivalent rules")
_SECTION_RE = re.compile(r"^## (.+?)\s*$", re.MULTILINE)


class FileContext(Protocol):
    """What a per-file rule may know besides its document."""

    @property
    def path(self) -> str: ...  # relative to the scanned root, '/' separators

    @property
    def lines(self) -> Sequence[str]: ...

    def setting(self, key: str, default: Any = None) -> Any: ...


class RepoContext(Protocol):
    """What a repository-wide rule may know: every discovered file and every parsed document."""

    @property
    def root(self) -> Path: ...

    @property
    def files(self) -> Sequence[str]: ...

    def documents(self, family: str) -> Sequence[tuple[str, Any]]: ...

    def read_text(self, path: str) -> str | None: ...

    def exists(self, path: str) -> bool: ...

    def setting(self, key: str, default: Any = None) -> Any: ...


FileCheck = Callable[[D, FileContext], Iterable[Problem]]
RepoCheck = Callable[[RepoContext], Iterable[Problem]]


@dataclass(frozen=True)
class Rule(Generic[D]):
    id: str
    severity: Severity
    title: str
    family: str
    fix: str  # one line, shown with every finding that has no more specific fix
    docs: str  # markdown with the DOC_SECTIONS headings
    scope: Literal["file", "repo"]
    file_check: FileCheck[D] | None = None
    repo_check: RepoCheck | None = None

    def sections(self) -> Mapping[str, str]:
        return parse_sections(self.docs)


def parse_sections(docs: str) -> dict[str, str]:
    parts = _SECTION_RE.split(docs.strip())
    # parts = [preamble, title1, body1, title2, body2, ...]
    return {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}


def file_rule(
    rule_id: str, severity: str, family: str, title: str, *, fix: str, docs: str
) -> Callable[[FileCheck[D]], Rule[D]]:
    """Turns `check(doc, ctx)` into a Rule value (not registered anywhere: list it in RULES)."""

    def wrap(check: FileCheck[D]) -> Rule[D]:
        return Rule(rule_id, Severity.parse(severity), title, family, fix, docs, "file", file_check=check)

    return wrap


def repo_rule(
    rule_id: str, severity: str, family: str, title: str, *, fix: str, docs: str
) -> Callable[[RepoCheck], Rule[Any]]:
    """Turns `check(repo)` into a repository-wide Rule value; its Problems must carry a path."""

    def wrap(check: RepoCheck) -> Rule[Any]:
        return Rule(rule_id, Severity.parse(severity), title, family, fix, docs, "repo", repo_check=check)

    return wrap


def parse_error_rule(rule_id: str, family: str, what: str, docs: str) -> Rule[Any]:
    """The rule a family reports when one of its files does not parse; it has no check."""
    return Rule(
        rule_id,
        Severity.ERROR,
        f"{what} does not parse",
        family,
        f"Fix the syntax error so the {what} can be read.",
        docs,
        "file",
    )
