"""The JSON output contract of rules.md (version 1)."""

from __future__ import annotations

import json

from opsmith.audit.engine import AuditResult
from opsmith.findings import Finding
from opsmith.report.safe_text import json_path, valid_text
from opsmith.report.summary import by_severity, file_class


def render_json(result: AuditResult) -> str:
    payload = {
        "version": 1,
        "findings": [{**_finding(f), "file_class": file_class(result, f.path)} for f in result.findings],
        "summary": {
            "files": result.files,
            "findings": len(result.findings),
            "by_severity": by_severity(result),
            "test_files": len(result.test_files),
            "other_tool_files": len(result.other_tool_files),
        },
        "classification": {
            "test": sorted(json_path(path) for path in result.test_files),
            "other_tool": [
                {"path": json_path(path), "tool": tool}
                for path, tool in sorted(result.other_tool_files.items())
            ],
        },
    }
    return json.dumps(payload, indent=2) + "\n"


def _finding(finding: Finding) -> dict[str, object]:
    """The finding with its path and text encoded as valid, lossless JSON strings."""
    entry = finding.to_json()
    entry["path"] = json_path(finding.path)
    entry["message"] = valid_text(finding.message)
    entry["fix"] = valid_text(finding.fix) if finding.fix is not None else None
    return entry
