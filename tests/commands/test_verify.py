"""`opsmith verify monitoring`: exit codes, the JSON contract, and repository text shown safely."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import write_tree
from monitoring.handwritten import ALERTS, FILES
from opsmith.cli import main

TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "repo", FILES)


def test_a_covered_repository_exits_0_with_the_table(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "monitoring", str(repo)]) == 0
    out = capsys.readouterr().out
    assert "gate 3 passed" in out
    assert out.splitlines()[1].split() == [
        "service",
        "critical",
        "scraped",
        "error_alert",
        "latency_alert",
        "liveness_alert",  # the mailer, a worker, is judged by it (not critical without a design)
        "dashboard",
        "runbook",
        "routed",
    ]


def test_json_follows_the_contract(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "monitoring", str(repo), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"version", "covered", "services", "pipeline"}
    assert data["version"] == 1 and data["covered"] is True
    api = next(s for s in data["services"] if s["name"] == "api")
    assert set(api) == {"name", "critical", "checks"}
    assert set(api["checks"]) == {"scraped", "error_alert", "latency_alert", "dashboard", "runbook", "routed"}
    for check in [*api["checks"].values(), data["pipeline"]]:
        assert set(check) == {"ok", "evidence", "gap"}
        assert check["ok"] is True and check["gap"] is None
        assert all(set(e) == {"path", "line"} for e in check["evidence"])


def test_gaps_exit_1_and_name_the_file_and_the_fix(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "grafana/dashboards/api-overview.json").unlink()
    assert main(["verify", "monitoring", str(repo)]) == 1
    out = capsys.readouterr().out
    assert "api dashboard: no Grafana dashboard" in out and "fix:" in out
    assert "gate 3 not passed: 1 gap(s)" in out


def test_usage_errors_exit_2(tmp_path: Path, repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "monitoring", str(tmp_path / "missing")]) == 2
    (repo / ".opsmith.toml").write_text("[monitoring]\nrunbook-base-url = 3\n", encoding="utf-8")
    assert main(["verify", "monitoring", str(repo)]) == 2
    assert "runbook-base-url" in capsys.readouterr().err
    (repo / ".opsmith.toml").unlink()
    (repo / "opsmith.yaml").write_text("version: 1\napp: [not, a, name]\n", encoding="utf-8")
    assert main(["verify", "monitoring", str(repo)]) == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["verify"])
    assert exit_info.value.code == 2


def test_secrets_and_control_characters_from_the_repository_are_not_printed(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    leaking = ALERTS.replace(
        "https://wiki.example.com/ops/runbooks/ApiSlowRequests",
        f"https://{TOKEN}@git.example.com/runbooks/ApiSlowRequests",
    )
    (repo / "monitoring/prometheus/rules/api.yml").write_text(leaking, encoding="utf-8")
    (repo / "grafana/dashboards/api-overview.json").unlink()
    (repo / "grafana/dashboards/bad\x1b[31m.json").write_text('{"panels": [\n', encoding="utf-8")
    outputs = {}
    for fmt in ("text", "json"):
        assert main(["verify", "monitoring", str(repo), "--format", fmt]) == 1
        outputs[fmt] = capsys.readouterr().out
        assert TOKEN not in outputs[fmt] and "ghp_" in outputs[fmt]  # masked, still recognisable
        assert "\x1b" not in outputs[fmt]
    assert "grafana/dashboards/bad\\x1b[31m.json:2" in outputs["text"]
    api = next(s for s in json.loads(outputs["json"])["services"] if s["name"] == "api")
    weird = {"path": "grafana/dashboards/bad\x1b[31m.json", "line": 2}
    assert weird in api["checks"]["dashboard"]["evidence"]
