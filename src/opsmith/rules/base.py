"""The shape of a rule: metadata, user docs and a small check function.

A rule never parses and never decides its own ID, severity or suppression: it receives a typed
document (or, for repository-wide rules, a view of the whole repository) and yields `Problem`s;
the engine attaches the rest. Rules are values collected in each family module's `RULES` tuple,
never registered by import side effects.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Generic, Literal, NotRequired, TypedDict, TypeVar, Unpack

from opsmith.context import FileContext, RepoContext
from opsmith.findings import Problem, Severity
from opsmith.fix.edits import Fixer

# The contexts live in `opsmith.context` (parsers take them too); rule modules import them from here.
__all__ = [
    "DOC_SECTIONS",
    "FileCheck",
    "FileContext",
    "RepoCheck",
    "RepoContext",
    "Rule",
    "file_rule",
    "parse_error_rule",
    "parse_sections",
    "repo_rule",
]

D = TypeVar("D")

DOC_SECTIONS = ("What it does", "Why it matters", "Example", "Fix", "Equivalent rules")
_SECTION_RE = re.compile(r"^## (.+?)\s*$", re.MULTILINE)


# Where a rule's warnings and errors hold (audit/relax.py): "production" rules report at most info
# in files judged as tests, examples or development aids (audit/classify.py); "everywhere" rules
# (script injection) keep their severity; "live-credentials" rules keep it where the flagged line
# holds a credential in a live provider format, and are production-only otherwise.
AppliesTo = Literal["production", "everywhere", "live-credentials"]

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
    applies_to: AppliesTo = "production"
    fixer: Fixer | None = None  # the automatic fix `opsmith audit --fix` applies, if any

    def sections(self) -> Mapping[str, str]:
        return parse_sections(self.docs)


def parse_sections(docs: str) -> dict[str, str]:
    parts = _SECTION_RE.split(docs.strip())
    # parts = [preamble, title1, body1, title2, body2, ...]
    return {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}


class RuleMeta(TypedDict):
    """What a rule declares besides its ID, severity, family and title."""

    fix: str
    docs: str
    applies_to: NotRequired[AppliesTo]  # default "production"
    fixer: NotRequired[Fixer]


def file_rule(
    rule_id: str, severity: str, family: str, title: str, **meta: Unpack[RuleMeta]
) -> Callable[[FileCheck[D]], Rule[D]]:
    """Turns `check(doc, ctx)` into a Rule value (not registered anywhere: list it in RULES)."""

    def wrap(check: FileCheck[D]) -> Rule[D]:
        return replace(_rule(rule_id, severity, family, title, scope="file", meta=meta), file_check=check)

    return wrap


def repo_rule(
    rule_id: str, severity: str, family: str, title: str, **meta: Unpack[RuleMeta]
) -> Callable[[RepoCheck], Rule[Any]]:
    """Turns `check(repo)` into a repository-wide Rule value; its Problems must carry a path."""

    def wrap(check: RepoCheck) -> Rule[Any]:
        return replace(_rule(rule_id, severity, family, title, scope="repo", meta=meta), repo_check=check)

    return wrap


def _rule(
    rule_id: str, severity: str, family: str, title: str, *, scope: Literal["file", "repo"], meta: RuleMeta
) -> Rule[Any]:
    where = meta.get("applies_to", "production")
    return Rule(
        rule_id,
        Severity.parse(severity),
        title,
        family,
        meta["fix"],
        meta["docs"],
        scope,
        applies_to=where,
        fixer=meta.get("fixer"),
    )


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
