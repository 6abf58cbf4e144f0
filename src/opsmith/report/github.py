"""GitHub Actions workflow commands: findings appear as annotations on the pull request."""

from __future__ import annotations

from opsmith.audit.engine import AuditResult
from opsmith.findings import Severity
from opsmith.report.safe_text import printable

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(result: AuditResult) -> str:
    lines = []
    for f in result.findings:
        props = [f"file={_escape_property(printable(f.path))}"]
        if f.line is not None:
            props.append(f"line={f.line}")
        if f.column is not None:
            props.append(f"col={f.column}")
        props.append(f"title={_escape_property(f.rule)}")
        message = f.message + (f" Fix: {f.fix}" if f.fix else "")
        lines.append(f"::{_LEVEL[f.severity]} {','.join(props)}::{_escape_data(printable(message))}")
    return "".join(line + "\n" for line in lines)
