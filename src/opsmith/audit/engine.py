"""Runs an audit: every file parsed once, every enabled rule run once, suppressions applied."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from opsmith.audit.classify import FileClasses
from opsmith.audit.discovery import Discovered, discover
from opsmith.audit.families import (
    BY_NAME,
    FAMILIES,
    Family,
    active_families,
    content_candidates,
    families_by_name,
)
from opsmith.audit.relax import severity_in_tests
from opsmith.audit.source import BinaryFile, SourceFile, decode
from opsmith.audit.suppress import is_suppressed
from opsmith.config import Config
from opsmith.findings import Finding, Problem, Severity
from opsmith.parse.errors import ParseFailure
from opsmith.parse.other_tool import OtherTool
from opsmith.rules.base import Rule
from opsmith.rules.catalogue import rules_of
from opsmith.safe_read import NotReadable, TooLarge, read_limited
from opsmith.secrets.masking import mask_secrets


@runtime_checkable
class ObjectIgnores(Protocol):
    """A document that carries its own suppressions (e.g. a Kubernetes annotation on an object)."""

    def ignored_at(self, line: int | None) -> frozenset[str]: ...


@cache
def _carries_ignores(kind: type) -> bool:
    """Asked once per document type: `isinstance` against a Protocol costs ~15 µs, every finding."""
    return issubclass(kind, ObjectIgnores)


@dataclass(frozen=True)
class Crash:
    """An exception a rule or parser raised, caught so the audit could go on; the audit still
    exits 70 (internal error) so CI never stays green over it."""

    where: str  # the file, and the rule when one was running
    error: Exception


@dataclass
class AuditResult:
    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    notes: list[str] = field(default_factory=list)
    rules: dict[str, Rule[Any]] = field(default_factory=dict)  # every rule that ran
    root: Path | None = None
    test_files: set[str] = field(default_factory=set)  # read and judged as tests (classify.py)
    other_tool_files: dict[str, str] = field(default_factory=dict)  # path -> the tool it belongs to
    crashes: list[Crash] = field(default_factory=list)

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
        self.named: list[str] | None = None  # the files named on the command line, if any
        self.docs: dict[str, list[tuple[str, Any]]] = {}
        self.sources: dict[str, SourceFile] = {}
        self._last_lines: tuple[str, list[str]] | None = None

    @property
    def root(self) -> Path:
        return self._root

    @property
    def files(self) -> Sequence[str]:
        return self._files

    @property
    def focus(self) -> Sequence[str]:
        return self._files if self.named is None else self.named

    def add_file(self, path: str) -> None:
        self._files.append(path)
        self._file_set.add(path)

    def documents(self, family: str) -> Sequence[tuple[str, Any]]:
        return self.docs.get(family, [])

    def exists(self, path: str) -> bool:
        if path in self._file_set:
            return True
        try:
            return (self._root / path).is_file()
        except OSError:  # a name no file can have (too long, say): is_file lets that error out
            return False

    def read_text(self, path: str) -> str | None:
        known = self.sources.get(path)
        if known is not None:
            return known.text
        return read_source_text(self._root / path, self._config.max_file_size)

    def lines_of(self, path: str) -> Sequence[str]:
        known = self.sources.get(path)
        if known is not None:
            return known.lines
        # A rule's findings in one file come together: reading the file again for each of
        # thousands made the audit quadratic. One file kept keeps memory flat.
        if self._last_lines is None or self._last_lines[0] != path:
            text = self.read_text(path)
            self._last_lines = (path, text.splitlines() if text is not None else [])
        return self._last_lines[1]

    def setting(self, key: str, default: Any = None) -> Any:
        return self._config.setting(key, default)


def read_source_text(path: Path, limit: int) -> str | None:
    """The decoded text of a small text file, or None for missing, huge, special or binary files."""
    try:
        return decode(read_limited(path, limit))
    except (OSError, NotReadable, BinaryFile):
        return None


class _Run:
    def __init__(self, target: Target, config: Config) -> None:
        self.target = target
        self.config = config
        self.result = AuditResult(root=target.root)
        self.per_path = _PerPathIgnores(config.per_path_ignores)
        self.active = active_families(config.family_selected)  # parsed at all
        self.checked = frozenset(f.name for f in FAMILIES if config.family_selected(f.prefix))
        self.classes = FileClasses(config.test_paths, config.production_paths)
        self.prepared: set[str] = set()  # families offered the list of files (`_prepare`)

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
        severity = self.severity_of(rule, problem, path, lines)
        self.result.findings.append(
            Finding(
                path,
                problem.line,
                problem.column,
                rule.id,
                severity,
                mask_secrets(problem.message),  # whatever the rule echoed, no secret is shown whole
                mask_secrets(problem.fix) if problem.fix else rule.fix,
            )
        )

    def severity_of(self, rule: Rule[Any], problem: Problem, path: str, lines: Sequence[str]) -> Severity:
        severity = self.config.severity.get(rule.id, rule.severity)
        if problem.at_most is not None:
            severity = min(severity, problem.at_most)
        if not self.classes.is_test(path):
            return severity
        self.result.test_files.add(path)
        return severity_in_tests(rule, severity, problem.line, lines)

    def run_checks(self, rule: Rule[Any], produce: Iterable[Problem], where: str) -> list[Problem]:
        try:
            return list(produce)
        except Exception as exc:  # a rule bug must not hide every other finding
            self.crashed(f"in {rule.id} on {where}", f"{where} (rule {rule.id})", exc)
            return []

    def crashed(self, what: str, where: str, exc: Exception) -> None:
        self.result.notes.append(f"internal error {what}: {exc!r}")
        self.result.crashes.append(Crash(where, exc))


def audit(target: Target, config: Config) -> AuditResult:
    run = _Run(target, config)
    root = target.root
    explicit = bool(target.files)
    everything: list[str] | None = None  # every file's path, when the whole repository is audited
    if explicit:
        found: Iterable[Discovered] = (Discovered(_relative(f, root), f) for f in target.files)
    else:
        found = list(_discovered(root, config, run.result.notes))
        everything = [item.relpath for item in found]
    repo = _RepoContext(root, [], config)
    for item in found:
        repo.add_file(item.relpath)
        try:
            _audit_file(run, repo, item, everything)
        except Exception as exc:  # a parser bug: the other files are still audited
            run.crashed(f"while auditing {item.relpath}", item.relpath, exc)
    whole = not explicit
    if explicit:
        repo.named = list(repo.files)
        whole = _read_context(run, repo)
    # Repository rules that read no derived document run while the derived ones are still being
    # made (kustomize renders started by `_prepare`); the order of findings is set by the sort.
    waits = _reading_derived(run, repo)
    _run_repo_rules(run, repo, named=repo.named, whole=whole, wanted=lambda f: f.name not in waits)
    _audit_derived(run, repo, named=repo.named)
    _run_repo_rules(run, repo, named=repo.named, whole=whole, wanted=lambda f: f.name in waits)
    run.result.findings.sort(key=Finding.sort_key)
    return run.result


def _discovered(root: Path, config: Config, notes: list[str]) -> Iterable[Discovered]:
    found = discover(root, extra_skips=frozenset(), notes=notes)
    return _without_excluded(found, config.exclude) if config.exclude else found


def _read_context(run: _Run, repo: _RepoContext) -> bool:
    """Files named on the command line (a pre-commit hook's changed files) are judged with the
    rest of their repository: the other files of their families, and of the families those
    read, are parsed but not judged, so rules across files (a Service and its Deployment, a
    compose service and its Dockerfile) see what is really there, and other families cost
    nothing. Only at the top of a git checkout, as pre-commit runs: any other folder above a
    named file may be anything (a home folder). Returns whether the repository was read."""
    if not (repo.root / ".git").exists():
        return False
    wanted = set(repo.docs)
    for name in list(wanted):
        wanted.update(BY_NAME[name].reads)
    named = set(repo.files)
    for item in _discovered(repo.root, run.config, []):  # notes on files nobody named: not shown
        if item.relpath in named:
            continue
        repo.add_file(item.relpath)
        names = families_by_name(item.relpath) & wanted
        maybe = (content_candidates(item.relpath) & wanted) - names
        if names or maybe:
            try:
                _parse_context_file(repo, item, names | maybe, run.config.max_file_size)
            except Exception as exc:  # a parser bug: judge the named files without this one
                run.crashed(f"while reading {item.relpath}", item.relpath, exc)
    return True


def _parse_context_file(repo: _RepoContext, item: Discovered, families: set[str], limit: int) -> None:
    text = read_source_text(item.path, limit)
    if text is None:
        return
    source = SourceFile(item.relpath, text, item.path)
    for fam_name in sorted(families):
        parsed = _parse(BY_NAME[fam_name], source)
        if parsed is None or isinstance(parsed, OtherTool | ParseFailure):
            continue
        repo.docs.setdefault(fam_name, []).append((source.relpath, parsed))
        repo.sources[source.relpath] = source


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def _without_excluded(found: Iterable[Discovered], patterns: Sequence[str]) -> Iterable[Discovered]:
    import pathspec

    spec = pathspec.GitIgnoreSpec.from_lines(patterns)
    return (d for d in found if not spec.match_file(d.relpath))


def _audit_file(run: _Run, repo: _RepoContext, item: Discovered, everything: list[str] | None) -> None:
    """`everything`: the path of every file when the whole repository is audited, None when the
    files were named one by one."""
    names = families_by_name(item.relpath) & run.active
    maybe = (content_candidates(item.relpath) & run.active) - names
    if not names and not maybe:
        if everything is None:
            run.result.notes.append(f"{item.relpath}: not a file type opsmith audits; skipped")
        return
    source = _read(run, item, names)
    if source is None:
        return
    audited = False
    other: OtherTool | None = None
    for fam_name in sorted(names | maybe):
        family = BY_NAME[fam_name]
        parsed = _parse(family, source)
        if parsed is None:
            continue
        if isinstance(parsed, OtherTool):
            other = parsed
            continue
        audited = True
        if isinstance(parsed, ParseFailure):
            _report_parse_failure(run, family, source, parsed)
            continue
        repo.docs.setdefault(family.name, []).append((source.relpath, parsed))
        repo.sources[source.relpath] = source
        if everything is not None and family.name not in run.prepared:
            _prepare(run, repo, family, everything)
        if family.name in run.checked:
            _run_file_rules(run, family, source, parsed)
    if audited:
        run.result.files += 1
        if run.classes.is_test(source.relpath):
            run.result.test_files.add(source.relpath)
    elif other is not None:
        run.result.other_tool_files[source.relpath] = other.tool


def _prepare(run: _Run, repo: _RepoContext, family: Family, everything: list[str]) -> None:
    """Offers the paths of every file to the family's parser module once, at its first document:
    its optional `prepare(repo, paths)` starts slow work that needs no parsed file (rendering
    kustomizations) while the other files are read."""
    run.prepared.add(family.name)
    prepare = getattr(importlib.import_module(family.parser), "prepare", None) if family.parser else None
    if prepare is None or family.name not in run.checked:
        return
    try:
        prepare(repo, everything)
    except Exception as exc:  # a bug here must not hide the findings: the work is redone later
        run.crashed(f"preparing {family.name} documents", f"the {family.name} documents", exc)


def _read(run: _Run, item: Discovered, names: set[str]) -> SourceFile | None:
    """The file's text; a named artifact that is binary or unreadable is its family's parse error."""
    try:
        return SourceFile(item.relpath, decode(read_limited(item.path, run.config.max_file_size)), item.path)
    except TooLarge as exc:
        run.result.notes.append(f"{item.relpath}: skipped, {exc.reason} (max-file-size)")
        return None
    except NotReadable as exc:  # a FIFO or a device would block or never end
        run.result.notes.append(f"{item.relpath}: skipped, {exc.reason}")
        return None
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
    problem = Problem(failure.message, failure.line, failure.column, at_most=failure.at_most)
    run.emit(rule, problem, source.relpath, source.lines)


def _audit_derived(run: _Run, repo: _RepoContext, *, named: Sequence[str] | None) -> None:
    """Documents a family can only build once every file is read (e.g. rendered kustomize
    output): its parser module's optional `derived_documents(repo)` yields `(path, document or
    ParseFailure)`, attributed to the file the content comes from. They go through the family's
    file rules like parsed files (suppressions read that file's lines) and join `repo.documents`."""
    wanted = None if named is None else set(named)
    for family in FAMILIES:
        if family.parser is None or family.name not in repo.docs or family.name not in run.checked:
            continue
        derive = getattr(importlib.import_module(family.parser), "derived_documents", None)
        if derive is None:
            continue
        try:
            derived = list(derive(repo))
        except Exception as exc:  # a bug here must not hide the findings already made
            run.crashed(f"deriving {family.name} documents", f"the {family.name} documents", exc)
            continue
        for path, doc in derived:
            if wanted is not None and path not in wanted:
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


def _reading_derived(run: _Run, repo: _RepoContext) -> set[str]:
    """The families with derived documents (`_audit_derived`), and those whose rules read them."""
    derived = {
        family.name
        for family in FAMILIES
        if family.parser is not None
        and family.name in repo.docs
        and family.name in run.checked
        and hasattr(importlib.import_module(family.parser), "derived_documents")
    }
    return derived | {family.name for family in FAMILIES if derived.intersection(family.reads)}


def _run_repo_rules(
    run: _Run,
    repo: _RepoContext,
    *,
    named: Sequence[str] | None,
    whole: bool,
    wanted: Callable[[Family], bool],
) -> None:
    """The repository rules of the `wanted` families. `named`: only findings in these files are
    wanted; `whole`: `repo.files` lists the whole repository, which judgements about the
    repository itself (RP rules) need."""
    paths = None if named is None else set(named)
    for family in FAMILIES:
        if family.name not in run.checked or not wanted(family):
            continue
        if family.parser is not None and family.name not in repo.docs:
            continue  # nothing of this family here: skip importing its rules at all
        if family.parser is None and not whole:
            continue
        for rule in run.enabled_rules(family):
            if rule.scope != "repo" or rule.repo_check is None:
                continue
            for problem in run.run_checks(rule, rule.repo_check(repo), "the repository"):
                path = problem.path or ""
                if paths is not None and path not in paths:
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
