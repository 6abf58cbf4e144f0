"""The counts every format reports the same way."""

from __future__ import annotations

from opsmith.audit.engine import AuditResult
from opsmith.findings import Severity


def by_severity(result: AuditResult) -> dict[str, int]:
    counts = {sev.label: 0 for sev in sorted(Severity, reverse=True)}
    for finding in result.findings:
        counts[finding.severity.label] += 1
    return counts
