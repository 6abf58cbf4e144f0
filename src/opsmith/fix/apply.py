"""Plans automatic fixes and checks each one: the fixed text is audited again (in a scratch copy of
the file, so planning writes nothing) and a fix is kept only when its finding is gone and no other
finding appeared."""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opsmith.audit.engine import AuditResult, Target, audit, read_source_text
from opsmith.config import Config
from opsmith.findings import Finding
from opsmith.fix.edits import Fixer, apply_edits
from opsmith.rules.base import Rule

# Fixes tried per file: each is one more audit of the file, and a file rarely needs a dozen.
MAX_ATTEMPTS = 200


@dataclass
class FileFixes:
    """What fixing one file comes to: its text before and after, and each fix kept or refused."""

    root: Path
    path: str  # relative to root, '/'-separated
    before: str
    after: str
    applied: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def plan_fixes(result: AuditResult, config: Config, *, unsafe: bool) -> list[FileFixes]:
    """The checked fixes for every file of an audit that has a finding with a usable fix."""
    if result.root is None:
        return []
    paths = sorted({f.path for f in result.findings if _fixer(result.rules, f, unsafe) is not None})
    planned = (_plan_file(result.root, path, config, result.rules, unsafe) for path in paths)
    return [fixes for fixes in planned if fixes is not None and (fixes.applied or fixes.refused)]


def _fixer(rules: Mapping[str, Rule[Any]], finding: Finding, unsafe: bool) -> Fixer | None:
    rule = rules.get(finding.rule)
    fixer = rule.fixer if rule is not None else None
    return fixer if fixer is not None and (fixer.safe or unsafe) else None


def _plan_file(
    root: Path, path: str, config: Config, rules: Mapping[str, Rule[Any]], unsafe: bool
) -> FileFixes | None:
    text = read_source_text(root / path, config.max_file_size)
    if text is None or "\ufffd" in text:
        return None  # not UTF-8 (or undecodable): writing it back could change its bytes
    fixes = FileFixes(root, path, text, text)
    with tempfile.TemporaryDirectory(prefix="opsmith-fix-") as scratch:
        audit_text = _scratch_auditor(Path(scratch), path, config)
        current = audit_text(text)
        tried: set[tuple[str, str, int | None]] = set()
        for _ in range(MAX_ATTEMPTS):
            todo = next(_untried(current, rules, unsafe, tried), None)
            if todo is None:
                break
            finding, fixer = todo
            tried.add((finding.rule, finding.message, finding.line))
            holds = fixer.holds is None or fixer.holds(root, path, fixes.after, finding)
            edits = fixer.make(fixes.after, finding) if holds else None
            if not edits:
                continue  # its precondition does not hold: left to a person
            fixed = apply_edits(fixes.after, edits)
            after = audit_text(fixed)
            where = f"{finding.rule} at line {finding.line}"
            verdict = _verdict(current, after, finding)
            if verdict is None:
                fixes.after, current = fixed, after
                fixes.applied.append(f"{where}: {fixer.title}")
            else:
                fixes.refused.append(f"{where}: {fixer.title} not applied, {verdict}")
    return fixes


def _untried(
    findings: Sequence[Finding] | None,
    rules: Mapping[str, Rule[Any]],
    unsafe: bool,
    tried: set[tuple[str, str, int | None]],
) -> Iterator[tuple[Finding, Fixer]]:
    for finding in findings or ():
        fixer = _fixer(rules, finding, unsafe)
        if fixer is not None and (finding.rule, finding.message, finding.line) not in tried:
            yield finding, fixer


def _verdict(before: Sequence[Finding] | None, after: Sequence[Finding] | None, fixed: Finding) -> str | None:
    """None when the fix removed its finding and added none; otherwise why it is refused."""
    if before is None or after is None:
        return "the fixed file could not be audited"
    counted_before = Counter((f.rule, f.message) for f in before)
    counted_after = Counter((f.rule, f.message) for f in after)
    added = counted_after - counted_before
    if added:
        rule, message = next(iter(added))
        return f"it would add {rule} ({message})"
    if counted_after[(fixed.rule, fixed.message)] >= counted_before[(fixed.rule, fixed.message)]:
        return "the finding would remain"
    return None


def _scratch_auditor(scratch: Path, path: str, config: Config) -> Callable[[str], list[Finding] | None]:
    """Audits a text as the file `path`, alone in a scratch folder: the same rules, classification
    and suppressions, none of the repository's other files."""
    target = scratch.joinpath(*path.split("/"))
    target.parent.mkdir(parents=True, exist_ok=True)

    def audit_text(text: str) -> list[Finding] | None:
        target.write_text(text, encoding="utf-8", newline="")
        result = audit(Target(scratch, (target,)), config)
        if result.crashes:
            return None
        return [f for f in result.findings if f.path == path]

    return audit_text
