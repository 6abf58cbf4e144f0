"""The engine end to end on small trees: parse once, suppress, configure, never crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import audit_tree, found, write_tree
from opsmith.audit.engine import Target, audit
from opsmith.config import Config, config_from_mapping
from opsmith.findings import Severity

ROOTISH = 'FROM alpine:3.20.3\nCMD ["sh"]\n'


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
    write_tree(tmp_path, {"Dockerfile": "FROM alpine:3.20.3\nUSER root\n"})
    result = audit_tree(tmp_path)
    assert any("internal error in DF003" in n for n in result.notes)
    assert found(result, "DF004")  # the other rules still ran
