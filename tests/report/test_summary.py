"""Every format says which files were judged as tests and which were skipped as another tool's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import audit_tree, write_tree
from opsmith.audit.engine import AuditResult
from opsmith.config import Config
from opsmith.report import render
from opsmith.report.summary import file_class, other_tools

ROOTISH = 'FROM alpine:3.20.3\nCMD ["sh"]\n'


@pytest.fixture
def result(tmp_path: Path) -> AuditResult:
    write_tree(
        tmp_path,
        {
            ".dockerignore": ".git\n",
            "app/Dockerfile": ROOTISH,
            "tests/e2e/Dockerfile": ROOTISH,
            "hack/kind.yaml": "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n",
            "monitoring/promtool-tests.yml": "rule_files: [a.yml]\ntests:\n  - interval: 1m\n",
        },
    )
    return audit_tree(tmp_path, Config(select=("DF003", "KU", "PM")))


def test_file_classes_and_other_tool_counts(result: AuditResult) -> None:
    assert file_class(result, "tests/e2e/Dockerfile") == "test"
    assert file_class(result, "app/Dockerfile") == "production"
    assert other_tools(result) == {"kind cluster configuration": 1, "promtool unit tests": 1}


def test_text_names_test_files_and_other_tools(result: AuditResult) -> None:
    text = render("text", result)
    assert "tests/e2e/Dockerfile (judged as a test file)" in text
    assert text.startswith("app/Dockerfile\n")
    assert "1 file judged as tests (tests/): production-only rules report at most info there" in text
    assert (
        "2 files skipped as another tool's (kind cluster configuration: 1, promtool unit tests: 1)." in text
    )


def test_json_adds_counts_classes_and_keeps_the_version_1_keys(result: AuditResult) -> None:
    payload = json.loads(render("json", result))
    assert payload["version"] == 1
    assert {"files", "findings", "by_severity"} <= payload["summary"].keys()
    assert payload["summary"]["test_files"] == 1 and payload["summary"]["other_tool_files"] == 2
    by_path = {f["path"]: (f["severity"], f["file_class"]) for f in payload["findings"]}
    assert by_path == {"app/Dockerfile": ("error", "production"), "tests/e2e/Dockerfile": ("info", "test")}
    assert payload["classification"] == {
        "test": ["tests/e2e/Dockerfile"],
        "other_tool": [
            {"path": "hack/kind.yaml", "tool": "kind cluster configuration"},
            {"path": "monitoring/promtool-tests.yml", "tool": "promtool unit tests"},
        ],
    }


def test_sarif_carries_the_class_as_properties(result: AuditResult) -> None:
    run = json.loads(render("sarif", result))["runs"][0]
    classes = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r["properties"]
        for r in run["results"]
    }
    assert classes == {
        "app/Dockerfile": {"fileClass": "production"},
        "tests/e2e/Dockerfile": {"fileClass": "test"},
    }
    assert run["properties"] == {"testFiles": 1, "otherToolFiles": 2}
