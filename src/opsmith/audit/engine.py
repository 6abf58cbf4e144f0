"""Runs an audit: every file parsed once, every enabled rule run once, suppressions applied."""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from opsmith.audit.discovery import Discovered, discover
from opsmith.audit.families import (
    BY_NAME,
    FAMILIES,
    Family,
    active_families,
    content_candidates,
    families_by_name,
)
from opsmith.audit.source import BinaryFile, SourceFile, decode
from opsmith.audit.suppress import is_suppressed
from opsmith.config import Config
from opsmith.findings import Finding, Problem
from opsmith.parse.errors import ParseFailure
from opsmith.rules.base import Rule
from opsmith.rules.catalogue import rules_of


@runtime_checkable
class ObjectIgnores(Protocol):
    """A document that carries its own suppressions (e.g. a Kubernetes annotation on an object)."""

    def ignored_at(self, line: int | None) -> frozenset[str]: ...


@cache
def _carries_ignores(kind: type) -> bool:
    """Asked once per document type: `isinstance` against a Protocol costs ~15 µs, every finding."""
    return issubclass(kind, ObjectIgnores)


@dataclass
class AuditResult:
    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    notes: list[str] = field(default_factory=list)
    rules: dict[str, Rule[Any]] = field(default_factory=dict)  # every rule that ran
    root: Path | None = None

    def source_lines(self, path: str) -> list[str]:
        """The lines of an audited file, for showing findings in context."""
        if self.root is None:
            return []
        text = read_source_text(self.root / path, 4 * 1024 * 1024)
        return text.splitlines() if text is not None else []


@dataclass(frozen=True)
class Target:
    """What to audit: a root, and optionally only some files under it (explicit file arguments)."""

    root: Path
    files: tuple[Path, ...] = ()


class _FileContext:
    def __init__(self, source: SourceFile, config: Config) -> None:
        self._source = source
        self._config = config

    @property
    def path(self) -> str:
        return self._source.relpath

    @property
    def lines(self) -> Sequence[str]:
        return self._source.lines

    def setting(self, key: str, default: Any = None) -> Any:
        return self._config.setting(key, default)


class _RepoContext:
    def __init__(self, root: Path, files: list[str], config: Config) -> None:
        self._root = root
        self._files = files
        self._file_set = set(files)
        self._config = config
        self.docs: dict[str, list[tuple[str, Any]]] = {}
        self.sources: dict[str, SourceFile] = {}

    @property
    def root(self) -> Path:
        return self._root

    @property
    def files(self) -> Sequence[str]:
        return self._files

    def documents(self, family: str) -> Sequence[tuple[str, Any]]:
        return self.docs.get(family, [])

    def exists(self, path: str) -> bool:
        return path in self._file_set or (self._root / path).is_file()

    def read_text(self, path: str) -> str | None:
        known = self.sources.get(path)
        if known is not None:
            return known.text
        return read_source_text(self._root / path, self._config.max_file_size)

    def lines_of(self, path: str) -> Sequence[str]:
        known = self.sources.get(path)
        if known is not None:
            return known.lines
        text = self.read_text(path)
        return text.splitlines() if text is not None else []

    def setting(self, key: str, default: Any = None) -> Any:
        return self._config.setting(key, default)


def read_source_text(path: Path, limit: int) -> str | None:
    """The decoded text of a small text file, or None for missing, huge or binary files."""
    try:
        if path.stat().st_size > limit:
            return None
        return decode(path.read_bytes())
    except (OSError, BinaryFile):
        return None


class _Run:
    def __init__(self, target: Target, config: Config) -> None:
        self.target = target
        self.config = config
        self.result = AuditResult(root=target.root)
        self.per_path = _PerPathIgnores(config.per_path_ignores)
        self.active = active_families(config.family_selected)  # parsed at all
        self.checked = frozenset(f.name for f in FAMILIES if config.family_selected(f.prefix))

    def enabled_rules(self, family: Family) -> list[Rule[Any]]:
        rules = [r for r in rules_of(family) if self.config.rule_enabled(r.id)]
        for rule in rules:
            self.result.rules[rule.id] = rule
        return rules

    def emit(
        self, rule: Rule[Any], problem: Problem, path: str, lines: Sequence[str], doc: Any = None
    ) -> None:
        if is_suppressed(rule.id, problem.line, lines) or self.per_path.ignores(path, rule.id):
            return
        if _carries_ignores(doc.__class__) and rule.id in doc.ignored_at(problem.line):
            return
        severity = self.config.severity.get(rule.id, rule.severity)
        self.result.findings.append(
            Finding(
                path,
                problem.line,
                problem.column,
                rule.id,
                severity,
                problem.message,
                problem.fix or rule.fix,
            )
        )

    def run_checks(self, rule: Rule[Any], produce: Iterable[Problem], where: str) -> list[Problem]:
        try:
            return list(produce)
        except Exception as exc:  # a rule bug must not hide every other finding
            self.result.notes.append(f"internal error in {rule.id} on {where}: {exc!r}")
            return []


def audit(target: Target, config: Config) -> AuditResult:
    run = _Run(target, config)
    root = target.root
    if target.files:
        found: Iterable[Discovered] = (Discovered(_relative(f, root), f) for f in target.files)
    else:
        found = discover(root, extra_skips=frozenset())
        if config.exclude:
            found = _without_excluded(found, config.exclude)
    listed: list[str] = []
    repo = _RepoContext(root, listed, config)
    for item in found:
        listed.append(item.relpath)
        _audit_file(run, repo, item, explicit=bool(target.files))
    _audit_derived(run, repo, explicit=bool(target.files))
    _run_repo_rules(run, repo, explicit=bool(target.files))
    run.result.findings.sort(key=Finding.sort_key)
    return run.result


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def _without_excluded(found: Iterable[Discovered], patterns: Sequence[str]) -> Iterable[Discovered]:
    import pathspec

    spec = pathspec.GitIgnoreSpec.from_lines(patterns)
    return (d for d in found if not spec.match_file(d.relpath))


def _audit_file(run: _Run, repo: _RepoContext, item: Discovered, *, explicit: bool) -> None:
    names = families_by_name(item.relpath) & run.active
    maybe = (content_candidates(item.relpath) & run.active) - names
    if not names and not maybe:
        if explicit:
            run.result.notes.append(f"{item.relpath}: not a file type opsmith audits; skipped")
        return
    source = _read(run, item, names)
    if source is None:
        return
    audited = False
    for fam_name in sorted(names | maybe):
        family = BY_NAME[fam_name]
        parsed = _parse(family, source)
        if parsed is None:
            continue
        audited = True
        if isinstance(parsed, ParseFailure):
            _report_parse_failure(run, family, source, parsed)
            continue
        repo.docs.setdefault(family.name, []).append((source.relpath, parsed))
        repo.sources[source.relpath] = source
        if family.name in run.checked:
            _run_file_rules(run, family, source, parsed)
    if audited:
        run.result.files += 1


def _read(run: _Run, item: Discovered, names: set[str]) -> SourceFile | None:
    """The file's text; a named artifact that is binary or unreadable is its family's parse error."""
    limit = run.config.max_file_size
    try:
        size = item.path.stat().st_size
        if size > limit:
            run.result.notes.append(
                f"{item.relpath}: skipped, {size} bytes is over the {limit}-byte limit (max-file-size)"
            )
            return None
        return SourceFile(item.relpath, decode(item.path.read_bytes()), item.path)
    except BinaryFile:
        for fam_name in sorted(names):
            _report_parse_failure(
                run,
                BY_NAME[fam_name],
                SourceFile(item.relpath, ""),
                ParseFailure("binary content (NUL bytes) where text was expected", 1),
            )
        if names:
            run.result.files += 1
        else:
            run.result.notes.append(f"{item.relpath}: skipped, binary content")
        return None
    except OSError as exc:
        run.result.notes.append(f"{item.relpath}: skipped, cannot read ({exc.strerror})")
        return None


def _parse(family: Family, source: SourceFile) -> Any:
    if family.parser is None:
        return None
    if family.markers and not any(word in source.text for word in family.markers):
        return None
    module = importlib.import_module(family.parser)
    try:
        return module.parse(source)
    except RecursionError:
        return ParseFailure("the file is nested too deeply to read", None)


def _report_parse_failure(run: _Run, family: Family, source: SourceFile, failure: ParseFailure) -> None:
    if family.parse_error is None:
        return
    rule = next((r for r in rules_of(family) if r.id == family.parse_error), None)
    if rule is None or not run.config.rule_enabled(rule.id):
        return
    run.result.rules[rule.id] = rule
    run.emit(rule, Problem(failure.message, failure.line, failure.column), source.relpath, source.lines)


def _audit_derived(run: _Run, repo: _RepoContext, *, explicit: bool) -> None:
    """Documents a family can only build once every file is read (e.g. rendered kustomize
    output): its parser module's optional `derived_documents(repo)` yields `(path, document or
    ParseFailure)`, attributed to the file the content comes from. They go through the family's
    file rules like parsed files (suppressions read that file's lines) and join `repo.documents`."""
    audited = {path for docs in repo.docs.values() for path, _ in docs}
    for family in FAMILIES:
        if family.parser is None or family.name not in repo.docs or family.name not in run.checked:
            continue
        derive = getattr(importlib.import_module(family.parser), "derived_documents", None)
        if derive is None:
            continue
        try:
            derived = list(derive(repo))
        except Exception as exc:  # a bug here must not hide the findings already made
            run.result.notes.append(f"internal error deriving {family.name} documents: {exc!r}")
            continue
        for path, doc in derived:
            if explicit and path not in audited:
                continue
            source = repo.sources.get(path) or SourceFile(path, repo.read_text(path) or "")
            if isinstance(doc, ParseFailure):
                _report_parse_failure(run, family, source, doc)
                continue
            repo.docs[family.name].append((path, doc))
            _run_file_rules(run, family, source, doc)


def _run_file_rules(run: _Run, family: Family, source: SourceFile, doc: Any) -> None:
    ctx = _FileContext(source, run.config)
    for rule in run.enabled_rules(family):
        if rule.scope != "file" or rule.file_check is None:
            continue
        for problem in run.run_checks(rule, rule.file_check(doc, ctx), source.relpath):
            run.emit(rule, problem, source.relpath, source.lines, doc)


def _run_repo_rules(run: _Run, repo: _RepoContext, *, explicit: bool) -> None:
    audited = {path for docs in repo.docs.values() for path, _ in docs}
    for family in FAMILIES:
        if family.name not in run.checked:
            continue
        if family.parser is not None and family.name not in repo.docs:
            continue  # nothing of this family here: skip importing its rules at all
        if family.parser is None and explicit:
            continue  # repository-wide judgements need the whole repository
        for rule in run.enabled_rules(family):
            if rule.scope != "repo" or rule.repo_check is None:
                continue
            for problem in run.run_checks(rule, rule.repo_check(repo), "the repository"):
                path = problem.path or ""
                if explicit and path not in audited:
                    continue
                run.emit(rule, problem, path, repo.lines_of(path) if path else [])


class _PerPathIgnores:
    def __init__(self, table: Any) -> None:
        self._specs: list[tuple[Any, tuple[str, ...]]] = []
        if table:
            import pathspec

            self._specs = [
                (pathspec.GitIgnoreSpec.from_lines([pattern]), tuple(i.upper() for i in ids))
                for pattern, ids in table.items()
            ]

    def ignores(self, path: str, rule_id: str) -> bool:
        return any(
            spec.match_file(path) and any(rule_id.startswith(i) for i in ids) for spec, ids in self._specs
        )
