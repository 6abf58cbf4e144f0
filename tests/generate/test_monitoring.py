"""The generated monitoring of every bundled example, at every tier and cloud the init tests cover,
passes the real tools (promtool check config/rules, promtool test rules, amtool check-config) and
opsmith's own audit, and every alert links to a runbook that exists."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from generate.monitoring_designs import (
    CASES,
    example_design,
    needs_promtool,
    with_metrics,
    without_metrics,
    write_monitoring,
)
from helpers import audit_tree
from opsmith.config import Config
from opsmith.design.model import Design
from opsmith.findings import Severity
from opsmith.generate import monitoring
from opsmith.generate.options import GenerateOptions
from opsmith.generate.plan import plan


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


def _tests(root: Path) -> list[Path]:
    return sorted((root / "monitoring" / "rules").glob("*_test.yml"))


@needs_promtool
@pytest.mark.parametrize(("example", "tier"), CASES, ids=[f"{e}-{t}" for e, t in CASES])
def test_the_real_tools_accept_the_generated_monitoring(tmp_path: Path, example: str, tier: str) -> None:
    root = write_monitoring(example_design(example, tier), tmp_path)
    config = _run("promtool", "check", "config", "monitoring/prometheus.yml", cwd=root)
    assert config.returncode == 0, config.stdout + config.stderr
    rules = sorted(
        p.name for p in (root / "monitoring" / "rules").glob("*.yml") if not p.stem.endswith("_test")
    )
    checked = _run("promtool", "check", "rules", *rules, cwd=root / "monitoring" / "rules")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tests = _tests(root)
    assert len(tests) == len(rules)
    for test in tests:
        result = _run("promtool", "test", "rules", test.name, cwd=test.parent)
        assert result.returncode == 0, result.stdout + result.stderr
    am = _run("amtool", "check-config", "monitoring/alertmanager.yml", cwd=root)
    assert am.returncode == 0, am.stdout + am.stderr


@pytest.mark.parametrize(("example", "tier"), CASES, ids=[f"{e}-{t}" for e, t in CASES])
def test_opsmith_finds_nothing_above_info(tmp_path: Path, example: str, tier: str) -> None:
    root = write_monitoring(example_design(example, tier), tmp_path)
    result = audit_tree(root, Config(select=("PM", "RP")))
    serious = [(f.rule, f.path, f.line, f.message) for f in result.findings if f.severity >= Severity.WARNING]
    assert serious == []
    assert result.files >= 4  # prometheus.yml, alertmanager.yml and rule files were read


@needs_promtool
def test_a_service_that_exports_metrics_is_scraped_and_watched(tmp_path: Path) -> None:
    design = with_metrics(example_design("shop", "hobby-aws"), "shop-api", 9464, "/internal/metrics")
    root = write_monitoring(design, tmp_path)
    config = yaml.safe_load((root / "monitoring" / "prometheus.yml").read_text())
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == "shop-api"]
    assert job["metrics_path"] == "/internal/metrics"
    assert job["static_configs"] == [{"targets": ["shop-api:9464"], "labels": {"service": "shop-api"}}]
    rules = yaml.safe_load((root / "monitoring" / "rules" / "service-shop-api.yml").read_text())
    assert "ServiceDown" in {r.get("alert") for g in rules["groups"] for r in g["rules"]}
    for test in _tests(root):
        result = _run("promtool", "test", "rules", test.name, cwd=test.parent)
        assert result.returncode == 0, result.stdout + result.stderr
    assert not any("shop-api" in note for note in monitoring.notes(design))


def test_a_service_without_metrics_is_named_with_the_library_to_add(tmp_path: Path) -> None:
    design = without_metrics(example_design("bookshelf", "hobby-aws"), "bookshelf")
    root = write_monitoring(design, tmp_path)
    text = (root / "monitoring" / "prometheus.yml").read_text()
    assert "# bookshelf exports no metrics yet: add prom-client" in text
    assert "job_name: bookshelf" not in text
    (note,) = monitoring.notes(design)
    assert note.startswith("bookshelf: exports no Prometheus metrics yet")
    assert "prom-client" in (root / "monitoring" / "README.md").read_text()


@needs_promtool
def test_the_unit_tests_catch_an_alert_that_no_longer_fires(tmp_path: Path) -> None:
    root = write_monitoring(example_design("shop", "growth-aws"), tmp_path)
    rules = root / "monitoring" / "rules" / "service-shop-api.yml"
    text = rules.read_text()
    assert "> 0.05" in text
    rules.write_text(text.replace("> 0.05", "> 0.95"))  # HighErrorRatio's threshold, made unreachable
    result = _run("promtool", "test", "rules", "service-shop-api_test.yml", cwd=rules.parent)
    assert result.returncode != 0
    assert "HighErrorRatio fires" in result.stdout + result.stderr


def test_every_alert_is_complete_and_its_runbook_exists(tmp_path: Path) -> None:
    root = write_monitoring(example_design("shop", "growth-aws"), tmp_path)
    names = set()
    for path in (root / "monitoring" / "rules").glob("*.yml"):
        if path.stem.endswith("_test"):
            continue
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                if "alert" not in rule:
                    continue
                names.add(rule["alert"])
                assert rule["for"] and rule["labels"]["severity"] in ("critical", "warning", "info", "none")
                annotations = rule["annotations"]
                assert annotations["summary"] and annotations["description"]
                runbook = root / annotations["runbook_url"]
                assert runbook.is_file(), rule["alert"]
                assert "../rollback.md" in runbook.read_text()
    assert {"SLOErrorBudgetBurnFast", "SLOLatencyBudgetBurnSlow", "Watchdog", "HostDiskWillFill"} <= names


def test_generate_plans_the_monitoring() -> None:
    design = without_metrics(example_design("bookshelf", "hobby-aws"), "bookshelf")
    planned = plan(design, GenerateOptions())
    paths = {a.path for a in planned.artifacts}
    assert {
        "monitoring/prometheus.yml",
        "monitoring/alertmanager.yml",
        "monitoring/rules/service-bookshelf.yml",
    } <= paths
    assert any(note.startswith("bookshelf: exports no Prometheus metrics") for note in planned.notes)


def test_a_service_named_like_a_platform_file_keeps_its_own_rules() -> None:
    data = example_design("bookshelf", "hobby-aws").model_dump(mode="json")
    data["services"][0]["name"] = "platform"
    for backing in data["backing_services"]:
        backing["used_by"] = ["platform"]
    paths = [a.path for a in monitoring.render(Design.model_validate(data))]
    assert len(paths) == len(set(paths))
    assert {"monitoring/rules/platform.yml", "monitoring/rules/service-platform.yml"} <= set(paths)
