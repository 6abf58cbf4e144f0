"""SARIF 2.1.0, the format GitHub code scanning (and most security dashboards) import."""

from __future__ import annotations

import json
from typing import Any

from opsmith import __version__
from opsmith.audit.engine import AuditResult
from opsmith.findings import Severity
from opsmith.report.safe_text import uri, valid_text
from opsmith.report.summary import file_class
from opsmith.rules.base import Rule

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# GitHub ranks alerts by this property (0-10); keep the catalogue's order.
_SECURITY_SEVERITY = {Severity.ERROR: "7.5", Severity.WARNING: "5.0", Severity.INFO: "2.0"}


def _rule_descriptor(rule: Rule[Any]) -> dict[str, Any]:
    sections = rule.sections()
    return {
        "id": rule.id,
        "name": "".join(w.capitalize() for w in rule.title.replace("`", "").split()[:8]),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": sections.get("What it does", rule.title)},
        "help": {"text": f"{rule.title}\n\n{rule.docs.strip()}", "markdown": rule.docs.strip()},
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {
            "tags": ["devops", rule.family],
            "security-severity": _SECURITY_SEVERITY[rule.severity],
        },
    }


def render_sarif(result: AuditResult) -> str:
    rules = [result.rules[k] for k in sorted(result.rules)]
    index = {rule.id: i for i, rule in enumerate(rules)}
    results = []
    for f in result.findings:
        location: dict[str, Any] = {"artifactLocation": {"uri": uri(f.path) or ".", "uriBaseId": "%SRCROOT%"}}
        if f.line is not None:
            region: dict[str, int] = {"startLine": f.line}
            if f.column is not None:
                region["startColumn"] = f.column
            location["region"] = region
        entry: dict[str, Any] = {
            "ruleId": f.rule,
            "level": _LEVEL[f.severity],
            "message": {"text": valid_text(f.message + (f" Fix: {f.fix}" if f.fix else ""))},
            "locations": [{"physicalLocation": location}],
            "properties": {"fileClass": file_class(result, f.path)},
        }
        if f.rule in index:
            entry["ruleIndex"] = index[f.rule]
        results.append(entry)
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "opsmith",
                        "version": __version__,
                        "rules": [_rule_descriptor(r) for r in rules],
                    }
                },
                "results": results,
                "columnKind": "unicodeCodePoints",
                "properties": {
                    "testFiles": len(result.test_files),
                    "otherToolFiles": len(result.other_tool_files),
                },
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"
