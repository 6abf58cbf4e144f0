"""Report writers: each turns an AuditResult into text for one output format."""

from __future__ import annotations

from collections.abc import Callable

from opsmith.audit.engine import AuditResult

Writer = Callable[[AuditResult, bool], str]

FORMATS = ("text", "json", "sarif", "github", "html")


def render(fmt: str, result: AuditResult, color: bool = False) -> str:
    if fmt == "json":
        from opsmith.report.json_report import render_json

        return render_json(result)
    if fmt == "sarif":
        from opsmith.report.sarif import render_sarif

        return render_sarif(result)
    if fmt == "html":
        from opsmith.report.html import render_html

        return render_html(result)
    if fmt == "github":
        from opsmith.report.github import render_github

        return render_github(result)
    from opsmith.report.text import render_text

    return render_text(result, color)
