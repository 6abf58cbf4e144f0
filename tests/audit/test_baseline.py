"""`opsmith audit --baseline FILE`: only findings the baseline does not accept are reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import write_tree
from opsmith.cli import main

_KEY = "AKIA" + "Q3EGRIVNS6YHXKPM"
_DOCKERFILE = "FROM node:22.11.0-slim\nUSER node\nCMD node server.js\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return write_tree(
        tmp_path,
        {
            ".git/HEAD": "ref: refs/heads/main\n",
            ".dockerignore": ".git\n",
            "Dockerfile": _DOCKERFILE,
            "deploy.env": f"AWS_ACCESS_KEY_ID={_KEY}\n",
        },
    )


def _audit(repo: Path, *extra: str) -> tuple[int, list[dict[str, object]]]:
    import io
    from contextlib import redirect_stdout

    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["audit", str(repo), "--format", "json", "--baseline", str(repo / "base.json"), *extra])
    return code, json.loads(out.getvalue())["findings"] if out.getvalue() else []


def _write(repo: Path) -> None:
    assert main(["audit", str(repo), "--baseline", str(repo / "base.json"), "--write-baseline"]) == 0


def test_a_fresh_baseline_hides_everything_and_passes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", str(repo), "--fail-on", "info"]) == 1
    _write(repo)
    code, findings = _audit(repo, "--fail-on", "info")
    assert (code, findings) == (0, [])
    assert "are not shown" in capsys.readouterr().err


def test_moved_lines_stay_accepted_and_new_findings_fail(repo: Path) -> None:
    _write(repo)
    new = "RUN apt-get update && apt-get install -y curl\n"
    (repo / "Dockerfile").write_text("# syntax=docker/dockerfile:1\n\n" + _DOCKERFILE + new)
    code, findings = _audit(repo)
    assert code == 1
    assert {(f["rule"], f["line"]) for f in findings} == {("DF010", 6)}


def test_an_edited_line_is_reported_again(repo: Path) -> None:
    _write(repo)
    (repo / "Dockerfile").write_text(_DOCKERFILE.replace("CMD node server.js", "CMD node  main.js"))
    _, findings = _audit(repo)
    assert [(f["rule"], f["line"]) for f in findings] == [("DF013", 3)]


def test_a_second_copy_of_an_accepted_line_is_new(repo: Path) -> None:
    _write(repo)
    (repo / "deploy.env").write_text(f"AWS_ACCESS_KEY_ID={_KEY}\nAWS_ACCESS_KEY_ID={_KEY}\n")
    _, findings = _audit(repo)
    assert len([f for f in findings if f["path"] == "deploy.env"]) == 1


def test_the_baseline_holds_hashes_not_the_secret(repo: Path) -> None:
    _write(repo)
    text = (repo / "base.json").read_text()
    assert _KEY not in text and "AKIA" not in text
    assert {row["path"] for row in json.loads(text)["findings"]} >= {"Dockerfile", "deploy.env"}


def test_fixed_findings_are_counted_as_stale(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(repo)
    (repo / "deploy.env").unlink()
    _audit(repo)
    assert "1 of its entries no longer occur" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "base.json:1: not a baseline file"),
        ('{"version": 9, "findings": []}', "not an opsmith baseline"),
        ('{"version": 1, "findings": [{"rule": 1}]}', "needs rule, path and fingerprint"),
    ],
)
def test_a_bad_baseline_is_a_usage_error(
    repo: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    (repo / "base.json").write_text(content)
    assert _audit(repo)[0] == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_writing_needs_a_file(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", str(repo), "--write-baseline"]) == 2
    assert "--baseline FILE" in capsys.readouterr().err
    assert _audit(repo)[0] == 2  # and a missing baseline file is one too
