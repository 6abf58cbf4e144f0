"""`opsmith audit`: where the report goes (-o), and the exit code when a rule crashed."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from fs_limits import read_only
from helpers import plant_rule_bug, write_tree
from opsmith.cli import main

DOCKERFILE = "FROM node:22.11.0-slim\nUSER node\nCMD node server.js\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "repo", {".dockerignore": ".git\n", "Dockerfile": DOCKERFILE})


def _one_line_error(err: str) -> str:
    line = err.strip()
    assert line.startswith("opsmith: error: ") and "\n" not in line, err
    return line


def test_output_to_a_character_device_keeps_the_device(repo: Path) -> None:
    before = os.stat("/dev/null")
    assert main(["audit", str(repo), "-o", "/dev/null"]) == 1  # the findings still decide
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


def test_output_through_a_symlink_replaces_its_target(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "latest.json").write_text("{}")
    link = tmp_path / "report.json"
    link.symlink_to(tmp_path / "reports" / "latest.json")
    main(["audit", str(repo), "-f", "json", "-o", str(link)])
    assert link.is_symlink()
    assert json.loads((tmp_path / "reports" / "latest.json").read_text())["summary"]["findings"] == 3


@pytest.mark.parametrize(
    ("target", "reason"),
    [("/", "it is a folder"), ("/dev/full", "No space left on device"), ("Dockerfile/x", "Not a directory")],
)
def test_output_that_cannot_be_written_is_one_line_and_exit_2(
    repo: Path, capsys: pytest.CaptureFixture[str], target: str, reason: str
) -> None:
    path = str(repo / target) if not target.startswith("/") else target
    assert main(["audit", str(repo), "-o", path]) == 2
    assert reason in _one_line_error(capsys.readouterr().err)


def test_output_into_a_read_only_folder(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    with read_only(folder):
        assert main(["audit", str(repo), "-o", str(folder / "report.txt")]) == 2
    assert f"cannot write {folder / 'report.txt'}" in _one_line_error(capsys.readouterr().err)
    assert list(folder.iterdir()) == []


def test_a_crashed_rule_prints_its_findings_then_exits_70(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    plant_rule_bug(monkeypatch)
    assert main(["audit", str(repo), "-f", "json", "--fail-on", "never"]) == 70
    captured = capsys.readouterr()
    assert {f["rule"] for f in json.loads(captured.out)["findings"]} >= {"DF004", "DF013"}
    last = captured.err.strip().splitlines()[-1]
    assert last.startswith("opsmith: internal error (RuntimeError) while processing Dockerfile (rule DF003)")
    assert "https://github.com/opsmith/opsmith/issues" in last and "--debug" in last
    assert "Traceback" not in captured.err

    assert main(["--debug", "audit", str(repo), "--no-color"]) == 70
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "RuntimeError: planted bug" in err


def test_a_path_with_terminal_escapes_is_shown_escaped_in_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "no\x1b[31mred")
    assert main(["audit", missing]) == 2
    err = _one_line_error(capsys.readouterr().err)
    assert "\x1b" not in err and "no\\x1b[31mred" in err
