"""Human output: findings grouped by file, with the offending line, and a summary."""

from __future__ import annotations

from itertools import groupby

from opsmith.audit.classify import folder_of_tests
from opsmith.audit.engine import AuditResult
from opsmith.findings import Finding, Severity
from opsmith.report.safe_text import printable, shown, source_line
from opsmith.report.summary import other_tools

_COLORS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}


def _paint(text: str, code: str, color: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if color else text


def render_text(result: AuditResult, color: bool = False) -> str:
    out: list[str] = []
    line_cache: dict[str, list[str]] = {}
    for path, group in groupby(result.findings, key=lambda f: f.path):
        judged = " (judged as a test file)" if path in result.test_files else ""
        out.append(_paint(printable(path) or "(repository)", "1", color) + judged)
        for finding in group:
            out.extend(_finding_lines(finding, color, line_cache, result))
        out.append("")
    for note in result.notes:
        out.append(_paint(f"note: {shown(note)}", "2", color))
    out.append(_summary(result, color))
    out.extend(_classification(result))
    return "\n".join(out) + "\n"


def _finding_lines(f: Finding, color: bool, cache: dict[str, list[str]], result: AuditResult) -> list[str]:
    where = "-" if f.line is None else f"{f.line}:{f.column}" if f.column else str(f.line)
    sev = _paint(f.severity.label, _COLORS[f.severity], color)
    lines = [f"  {where:>7} {sev:<7} {_paint(f.rule, '1', color)} {printable(f.message)}"]
    source = _source_line(f, cache, result)
    if source is not None:
        lines.append(_paint(f"          | {source}", "2", color))
    if f.fix:
        lines.append(f"          = fix: {printable(f.fix)}")
    return lines


def _source_line(f: Finding, cache: dict[str, list[str]], result: AuditResult) -> str | None:
    if f.line is None or not f.path:
        return None
    if f.path not in cache:
        cache[f.path] = result.source_lines(f.path)
    lines = cache[f.path]
    if 1 <= f.line <= len(lines):
        text = source_line(lines[f.line - 1].rstrip(), f.message)
        return text if len(text) <= 160 else text[:157] + "..."
    return None


def _summary(result: AuditResult, color: bool) -> str:
    counts = dict.fromkeys(Severity, 0)
    for finding in result.findings:
        counts[finding.severity] += 1
    parts = [_paint(_count(counts[s], s.label), _COLORS[s], color) for s in sorted(Severity, reverse=True)]
    files = f"{_count(result.files, 'file')} audited"
    if not result.findings:
        return f"No findings. {files}."
    return f"{_count(len(result.findings), 'finding')} ({', '.join(parts)}) in {files}."


def _classification(result: AuditResult) -> list[str]:
    """Which files were judged as tests, and which were skipped as another tool's."""
    lines = []
    if result.test_files:
        folders = sorted({folder_of_tests(path) or path for path in result.test_files})
        where = ", ".join(printable(f) for f in folders[:3]) + (", ..." if len(folders) > 3 else "")
        lines.append(
            f"{_count(len(result.test_files), 'file')} judged as tests ({where}): production-only rules "
            "report at most info there (`test-paths`, `production-paths` in .opsmith.toml change this)."
        )
    if result.other_tool_files:
        tools = ", ".join(f"{tool}: {count}" for tool, count in other_tools(result).items())
        lines.append(f"{_count(len(result.other_tool_files), 'file')} skipped as another tool's ({tools}).")
    return lines


def _count(number: int, noun: str) -> str:
    """`1 file`, `2 files`; `info` is a mass noun: `3 info`."""
    plural = number != 1 and noun != "info"
    return f"{number} {noun}{'s' if plural else ''}"
