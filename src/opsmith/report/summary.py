"""The counts and file classes every format reports the same way."""

from __future__ import annotations

from collections import Counter

from opsmith.audit.engine import AuditResult
from opsmith.findings import Severity


def by_severity(result: AuditResult) -> dict[str, int]:
    counts = {sev.label: 0 for sev in sorted(Severity, reverse=True)}
    for finding in result.findings:
        counts[finding.severity.label] += 1
    return counts


def file_class(result: AuditResult, path: str) -> str:
    """`test` for a file judged as a test (production-only rules report at most info there, see
    audit/classify.py), `production` otherwise."""
    return "test" if path in result.test_files else "production"


def other_tools(result: AuditResult) -> dict[str, int]:
    """How many files were skipped as each other tool's (Grafana alerting, kind configuration...)."""
    return dict(sorted(Counter(result.other_tool_files.values()).items()))
