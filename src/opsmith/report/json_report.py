"""The JSON output contract of rules.md (version 1)."""

from __future__ import annotations

import json

from opsmith.audit.engine import AuditResult
from opsmith.report.summary import by_severity


def render_json(result: AuditResult) -> str:
    payload = {
        "version": 1,
        "findings": [f.to_json() for f in result.findings],
        "summary": {
            "files": result.files,
            "findings": len(result.findings),
            "by_severity": by_severity(result),
        },
    }
    return json.dumps(payload, indent=2) + "\n"
