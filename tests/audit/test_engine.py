"""The engine end to end on small trees: parse once, suppress, configure, never crash."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from helpers import audit_tree, found, write_tree
from opsmith.audit.engine import AuditResult, Target, audit
from opsmith.config import Config, config_from_mapping
from opsmith.findings import Severity
from opsmith.parse import kustomize
from opsmith.secrets import detect

ROOTISH = 'FROM alpine:3.20.3\nCMD ["sh"]\n'
CASES = Path(__file__).parents[1] / "rules" / "cases"


def test_inline_suppression_on_the_line_or_the_line_above(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".dockerignore": ".git\n",
            "a/Dockerfile": '# opsmith: ignore[DF003, df004]\nFROM alpine:3.20.3\nCMD ["sh"]\n',
            "b/Dockerfile": 'FROM alpine:3.20.3  \nCMD ["sh"]\n# opsmith: ignore[DF003]\n',
            "c/Dockerfile": '# opsmith: ignore\nFROM alpine:3.20.3\nCMD ["sh"]\n',
        },
    )
    result = audit_tree(tmp_path, Config(ignore=("DF002",)))
    assert found(result) == [
        ("DF003", "b/Dockerfile", 1),
        ("DF004", "b/Dockerfile", 1),
    ]


def test_select_ignore_severity_and_per_path_ignores(tmp_path: Path) -> None:
    write_tree(tmp_path, {".dockerignore": ".git\n", "app/Dockerfile": ROOTISH, "legacy/Dockerfile": ROOTISH})
    config = config_from_mapping(
        {
            "select": ["DF00"],
            "ignore": ["DF002"],
            "severity": {"DF004": "error"},
            "per-path-ignores": {"legacy/**": ["DF"]},
        }
    )
    result = audit_tree(tmp_path, config)
    assert {(f.rule, f.path, f.severity) for f in result.findings} == {
        ("DF003", "app/Dockerfile", Severity.ERROR),
        ("DF004", "app/Dockerfile", Severity.ERROR),
    }


def test_exclude_patterns_drop_files(tmp_path: Path) -> None:
    write_tree(tmp_path, {".dockerignore": ".git\n", "app/Dockerfile": ROOTISH, "legacy/Dockerfile": ROOTISH})
    result = audit_tree(tmp_path, config_from_mapping({"exclude": ["legacy/"]}))
    assert {f.path for f in result.findings} == {"app/Dockerfile"}
    assert result.files == 1


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00\x01\x02\xff" * 100,
        'FROM alpine:3.20.3\nLABEL note="caf\xe9"\n'.encode("latin-1"),
        b"FROM alpine:3.20.3\nRUN echo \\",
        b"FROM alpine:3.20.3\nRUN <<EOF\nunterminated",
        b'\xef\xbb\xbfFROM alpine:3.20.3\nCMD ["sh"]\n',
        b'FROM alpine:3.20.3\nRUN echo "unbalanced | quote\n',
        ("FROM alpine:3.20.3\n" + "RUN echo a | b\n" * 3000).encode(),
    ],
    ids=["empty", "binary", "latin1", "truncated", "heredoc", "bom", "bad-quotes", "long"],
)
def test_hostile_input_never_crashes(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "Dockerfile").write_bytes(content)
    result = audit_tree(tmp_path)
    assert not [n for n in result.notes if "internal error" in n]
    assert result.files == 1


def test_oversized_files_are_skipped_with_a_note(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.20.3\n" + "# pad\n" * 400)
    result = audit_tree(tmp_path, config_from_mapping({"max-file-size": 1000}))
    assert result.findings == [] and result.files == 0
    assert any("over the 1000-byte limit" in n for n in result.notes)


def test_explicit_files_audit_only_those_files(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a/Dockerfile": ROOTISH, "b/Dockerfile": ROOTISH, "notes.txt": "hi"})
    result = audit(Target(tmp_path, (tmp_path / "a" / "Dockerfile", tmp_path / "notes.txt")), Config())
    assert {f.path for f in result.findings} == {"a/Dockerfile"}
    assert any("notes.txt" in n and "not a file type" in n for n in result.notes)


def test_a_crashing_rule_becomes_a_note_not_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import opsmith.rules.dockerfile_facts as facts

    def boom(*_: object) -> bool:
        raise RuntimeError("bug")

    monkeypatch.setattr(facts, "is_root_user", boom)
    write_tree(tmp_path, {"Dockerfile": "FROM alpine:3.20.3\nCOPY . /app\nUSER root\n"})
    result = audit_tree(tmp_path)
    assert any("internal error in DF003" in n for n in result.notes)
    assert found(result, "DF008")  # the other rules still ran


# Generated at random for this test; not a real token.
LIVE_TOKEN = "ghp_" + "Zx81Qm2LpT7vR4nW9cY6bH3kJ5dF0sAeGu1o"  # split: opsmith audits itself
INJECTION = """\
on: issues
permissions: {}
jobs:
  greet:
    runs-on: ubuntu-24.04
    timeout-minutes: 5
    steps:
      - run: echo "${{ github.event.issue.title }}"
"""


def _severities(result: AuditResult) -> set[tuple[str, str, Severity]]:
    return {(f.rule, f.path, f.severity) for f in result.findings}


def test_production_only_rules_report_info_in_files_judged_as_tests(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".dockerignore": ".git\n",
            "app/Dockerfile": ROOTISH,
            "tests/fixtures/Dockerfile": ROOTISH,
            "tests/fixtures/token.Dockerfile": f"FROM alpine:3.20.3\nENV GH_TOKEN={LIVE_TOKEN}\n",
            "examples/repo/.github/workflows/greet.yml": INJECTION,
        },
    )
    result = audit_tree(tmp_path, Config(select=("DF003", "DF005", "GA007")))
    assert _severities(result) == {
        ("DF003", "app/Dockerfile", Severity.ERROR),  # the true positive in production
        ("DF003", "tests/fixtures/Dockerfile", Severity.INFO),  # the near miss in a test folder
        ("DF003", "tests/fixtures/token.Dockerfile", Severity.INFO),
        ("DF005", "tests/fixtures/token.Dockerfile", Severity.ERROR),  # a live token stays an error
        ("GA007", "examples/repo/.github/workflows/greet.yml", Severity.ERROR),  # injection: everywhere
    }
    assert result.test_files == {
        "tests/fixtures/Dockerfile",
        "tests/fixtures/token.Dockerfile",
        "examples/repo/.github/workflows/greet.yml",
    }


def test_a_private_key_under_a_test_folder_is_a_test_key(tmp_path: Path) -> None:
    key = (CASES / "repository/secrets/deploy/id_ed25519").read_text()
    write_tree(tmp_path, {"deploy/id_ed25519": key, "tests/fixtures/id_ed25519": key})
    assert _severities(audit_tree(tmp_path, Config(select=("RP003",)))) == {
        ("RP003", "deploy/id_ed25519", Severity.ERROR),
        ("RP003", "tests/fixtures/id_ed25519", Severity.INFO),
    }


def test_a_repository_checked_out_under_a_tests_folder_is_still_production(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "tests" / "checkout", {".dockerignore": ".git\n", "Dockerfile": ROOTISH})
    result = audit_tree(root, Config(select=("DF003",)))
    assert _severities(result) == {("DF003", "Dockerfile", Severity.ERROR)}
    assert result.test_files == set()


def test_configuration_overrides_the_judgement(tmp_path: Path) -> None:
    write_tree(
        tmp_path, {".dockerignore": ".git\n", "examples/Dockerfile": ROOTISH, "qa/Dockerfile": ROOTISH}
    )
    config = config_from_mapping(
        {"select": ["DF003"], "production-paths": ["examples/"], "test-paths": ["qa/"]}
    )
    assert _severities(audit_tree(tmp_path, config)) == {
        ("DF003", "examples/Dockerfile", Severity.ERROR),
        ("DF003", "qa/Dockerfile", Severity.INFO),
    }


def test_files_of_other_tools_are_skipped_and_counted(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "alerting/rules.yaml": (
                "apiVersion: 1\ngroups:\n  - orgId: 1\n    name: api\n    folder: api\n"
                "    rules:\n      - uid: a\n        title: Errors\n        condition: C\n"
            ),
            "hack/kind.yaml": "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n",
            "notes.yaml": "title: not an artifact\n",
        },
    )
    result = audit_tree(tmp_path)
    assert result.findings == [] and result.files == 0
    assert result.other_tool_files == {
        "alerting/rules.yaml": "Grafana alerting provisioning",
        "hack/kind.yaml": "kind cluster configuration",
    }


def test_fifos_and_devices_are_skipped_with_a_note_never_read(tmp_path: Path) -> None:
    write_tree(tmp_path, {"ok/Dockerfile": ROOTISH})
    os.mkfifo(tmp_path / "compose.yaml")
    (tmp_path / "k8s.yaml").symlink_to("/dev/zero")
    explicit = audit(Target(tmp_path, (tmp_path / "compose.yaml", tmp_path / "k8s.yaml")), Config())
    assert explicit.files == 0 and explicit.findings == []
    assert explicit.notes == [
        "compose.yaml: skipped, a FIFO, not a regular file",
        "k8s.yaml: skipped, a character device, not a regular file",
    ]
    walked = audit_tree(tmp_path)
    assert walked.files == 1 and {f.path for f in walked.findings} == {"ok/Dockerfile"}
    assert "compose.yaml: skipped, a FIFO, not a regular file" in walked.notes


def test_a_crash_is_recorded_with_its_file_and_the_other_files_still_audited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opsmith.parse import compose

    def broken(*_: object) -> object:
        raise KeyError("bug")

    monkeypatch.setattr(compose, "parse", broken)
    write_tree(tmp_path, {"compose.yaml": "services: {}\n", "Dockerfile": ROOTISH})
    result = audit_tree(tmp_path)
    assert [c.where for c in result.crashes] == ["compose.yaml"]
    assert any(n.startswith("internal error while auditing compose.yaml: KeyError") for n in result.notes)
    assert found(result, "DF003")  # the Dockerfile was still audited


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_repository_rules_that_read_no_rendered_object_run_while_kustomize_renders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployment = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n    spec:\n"
        "      containers: [{name: api, image: shop/api}]\n"
    )
    write_tree(
        tmp_path,
        {
            "k8s/kustomization.yaml": "resources: [deployment.yaml]\n",
            "k8s/deployment.yaml": deployment,
            "notes.txt": "key: AKIA" + "Q3EGRUSBKXH4ZJ7P\n",
        },
    )
    order: list[str] = []
    leaks, rendered = detect.find_leaks, kustomize.rendered_documents
    monkeypatch.setattr(detect, "find_leaks", lambda *a, **k: order.append("RP003") or leaks(*a, **k))
    monkeypatch.setattr(kustomize, "rendered_documents", lambda *a: order.append("rendered") or rendered(*a))
    result = audit_tree(tmp_path, Config(select=("RP003", "KU001")))
    assert order.index("RP003") < order.index("rendered")
    assert {(rule, path) for rule, path, _ in found(result)} == {
        ("RP003", "notes.txt"),
        ("KU001", "k8s/deployment.yaml"),
    }
