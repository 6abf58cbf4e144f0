"""One self-contained HTML page: a chart of findings by family and severity, each finding with the
lines around it and its fix, and the docs of every rule that fired.

Everything from the audited repository (paths, lines, messages) is masked like the text report
masks it, control characters escaped, then HTML-escaped: a file name cannot add markup or script.
"""

from __future__ import annotations

import re
from collections import Counter
from html import escape
from itertools import groupby

from opsmith import __version__
from opsmith.audit.engine import AuditResult
from opsmith.findings import Finding, Severity
from opsmith.report.html_assets import SCRIPT, STYLE
from opsmith.report.safe_text import printable, shown, source_line
from opsmith.report.summary import by_severity

CONTEXT = 2  # lines shown above and below a finding's line
_SEVERITIES = sorted(Severity, reverse=True)
_BAR_COLORS = {Severity.ERROR: "#b42318", Severity.WARNING: "#f79009", Severity.INFO: "#2e90fa"}
_FENCE = re.compile(r"```[\w-]*\n(.*?)```", re.DOTALL)
_CODE_SPAN = re.compile(r"`([^`]+)`")


def render_html(result: AuditResult) -> str:
    counts = by_severity(result)
    summary = ", ".join(f"{n} {label}" for label, n in counts.items())
    body = [
        "<h1>opsmith audit</h1>",
        f"<p>{len(result.findings)} findings ({escape(summary)}) in {result.files} files audited.</p>",
        _chart(result),
        _filters(),
        _findings(result),
        _notes(result),
        _rule_docs(result),
        f"<footer><p>opsmith {escape(__version__)}</p></footer>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        # The page runs only its own inline script and loads nothing, whatever a finding holds.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
        "<title>opsmith audit</title>"
        f"<style>{STYLE}</style></head><body>\n"
        + "\n".join(part for part in body if part)
        + f"\n<script>{SCRIPT}</script></body></html>\n"
    )


def _family(result: AuditResult, finding: Finding) -> str:
    rule = result.rules.get(finding.rule)
    return rule.family if rule is not None else "other"


def _chart(result: AuditResult) -> str:
    """A horizontal stacked bar per family, one segment per severity, as inline SVG."""
    per = Counter((_family(result, f), f.severity) for f in result.findings)
    families = sorted({family for family, _ in per})
    if not families:
        return "<p>No findings.</p>"
    most = max(sum(per[(fam, s)] for s in Severity) for fam in families)
    width, label, row = 560, 150, 26
    parts = [
        f'<svg id="chart" role="img" aria-label="findings by family and severity" '
        f'width="{label + width + 60}" height="{row * len(families) + 30}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, family in enumerate(families):
        y = i * row
        parts.append(f'<text x="0" y="{y + 17}" font-size="13">{escape(family)}</text>')
        x = float(label)
        for sev in _SEVERITIES:
            n = per[(family, sev)]
            if not n:
                continue
            w = width * n / most
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" '
                f'fill="{_BAR_COLORS[sev]}"><title>{escape(family)}: {n} {sev.label}</title></rect>'
            )
            x += w
        total = sum(per[(family, s)] for s in Severity)
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 17}" font-size="12">{total}</text>')
    legend_y = row * len(families) + 20
    for i, sev in enumerate(_SEVERITIES):
        parts.append(
            f'<rect x="{label + i * 90}" y="{legend_y - 10}" width="10" height="10" '
            f'fill="{_BAR_COLORS[sev]}"/>'
            f'<text x="{label + i * 90 + 14}" y="{legend_y}" font-size="12">{sev.label}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _filters() -> str:
    boxes = "".join(
        f'<label><input type="checkbox" value="{s.label}" checked> {s.label}</label>' for s in _SEVERITIES
    )
    return f'<p class="filters">{boxes}<span id="shown"></span></p>'


def _findings(result: AuditResult) -> str:
    out = ["<h2>Findings</h2>"]
    cache: dict[str, list[str]] = {}
    for path, group in groupby(result.findings, key=lambda f: f.path):
        judged = " (judged as a test file)" if path in result.test_files else ""
        out.append(f"<h3>{escape(printable(path) or '(repository)')}{judged}</h3>")
        if path and path not in cache:
            cache[path] = result.source_lines(path)
        out.extend(_finding(result, f, cache.get(path, [])) for f in group)
    return "\n".join(out)


def _finding(result: AuditResult, f: Finding, lines: list[str]) -> str:
    where = "" if f.line is None else f" line {f.line}" + (f":{f.column}" if f.column else "")
    sev = f.severity.label
    parts = [
        f'<div class="finding {sev}" data-severity="{sev}" data-rule="{escape(f.rule)}">',
        f'<div><span class="sev {sev}">{sev}</span> '
        f'<a href="#rule-{escape(f.rule)}"><b>{escape(f.rule)}</b></a>'
        f"{escape(where)}: {escape(printable(f.message))}</div>",
    ]
    frame = _frame(f, lines)
    if frame:
        parts.append(frame)
    if f.fix:
        parts.append(f'<div class="fix">fix: {escape(printable(f.fix))}</div>')
    rule = result.rules.get(f.rule)
    if rule is not None and rule.fixer is not None:
        how = "opsmith audit --fix" if rule.fixer.safe else "opsmith audit --fix --unsafe-fixes"
        parts.append(f'<div class="fix">automatic fix: {escape(rule.fixer.title)} (<code>{how}</code>)</div>')
    parts.append("</div>")
    return "".join(parts)


def _frame(f: Finding, lines: list[str]) -> str:
    """The finding's line and CONTEXT lines either side, numbered, masked as the text report masks."""
    if f.line is None or not 1 <= f.line <= len(lines):
        return ""
    first, last = max(1, f.line - CONTEXT), min(len(lines), f.line + CONTEXT)
    rows = []
    for number in range(first, last + 1):
        raw = lines[number - 1].rstrip()
        text = source_line(raw, f.message if number == f.line else "")
        if len(text) > 200:
            text = text[:197] + "..."
        cls = ' class="hit"' if number == f.line else ""
        rows.append(f'<span{cls}><span class="no">{number:>5} </span>{escape(text)}</span>')
    return '<pre class="frame">' + "".join(rows) + "</pre>"


def _notes(result: AuditResult) -> str:
    if not result.notes:
        return ""
    items = "".join(f"<li>{escape(shown(note))}</li>" for note in result.notes)
    return f'<ul class="notes">{items}</ul>'


def _rule_docs(result: AuditResult) -> str:
    fired = sorted({f.rule for f in result.findings if f.rule in result.rules})
    if not fired:
        return ""
    out = ["<h2>Rules</h2>"]
    for rule_id in fired:
        rule = result.rules[rule_id]
        out.append(f'<section id="rule-{escape(rule.id)}"><h3>{escape(rule.id)}: {escape(rule.title)}</h3>')
        out.append(f"<p>severity: {rule.severity.label} | family: {escape(rule.family)}</p>")
        for title, text in rule.sections().items():
            out.append(f"<h4>{escape(title)}</h4>{_markdown(text)}")
        out.append("</section>")
    return "\n".join(out)


def _markdown(text: str) -> str:
    """The little Markdown rule docs use: fenced code blocks, paragraphs and `code` spans."""
    out, at = [], 0
    for match in _FENCE.finditer(text):
        out.append(_paragraphs(text[at : match.start()]))
        out.append(f"<pre><code>{escape(match.group(1))}</code></pre>")
        at = match.end()
    out.append(_paragraphs(text[at:]))
    return "".join(out)


def _paragraphs(text: str) -> str:
    return "".join(
        "<p>" + _CODE_SPAN.sub(r"<code>\1</code>", escape(block.strip())) + "</p>"
        for block in text.split("\n\n")
        if block.strip()
    )
