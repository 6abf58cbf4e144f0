"""Alerts for the workers and crons a design marks critical, on a server (compose) and in a cluster:
promtool accepts the rules and their unit tests (each alert fires on a broken series and stays
quiet on a healthy one), opsmith's audit finds nothing, gate 3 passes on what is generated, and
what the app must export is written down."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from generate.monitoring_designs import example_design, needs_promtool, with_metrics, write_monitoring
from helpers import audit_tree
from opsmith.config import Config
from opsmith.design.model import Design
from opsmith.findings import Severity
from opsmith.generate import kubernetes
from opsmith.generate.monitoring_jobs import LAST_SUCCESS, QUEUE, missed_after_minutes
from opsmith.generate.monitoring_stack import PATH as STACK
from opsmith.generate.options import GenerateOptions
from opsmith.monitoring.gate import verify_monitoring

TIERS = ("hobby-aws", "growth-aws")  # a server of the design's own, and a Kubernetes cluster
CASES = [
    (tier, kind, schedule)
    for tier in TIERS
    for kind, schedule in (("worker", None), ("cron", "*/5 * * * *"), ("cron", "0 3 * * 1-5"))
]
IDS = [f"{t}-{k}-{s}" for t, k, s in CASES]


def marked(design: Design, kind: str, schedule: str | None) -> Design:
    """The shop's worker, marked critical (and turned into a cron on `schedule`)."""
    data = design.model_dump(mode="json")
    for entry in data["services"]:
        if entry["name"] == "worker":
            entry["critical"] = {"value": True, "reason": "users wait on it", "rule": "a test"}
            entry["kind"] = kind
            entry["schedule"] = schedule
    return Design.model_validate(data)


def _written(tmp_path: Path, design: Design) -> Path:
    root = write_monitoring(design, tmp_path)
    for artifact in (
        kubernetes.render(design, GenerateOptions()) if "kubernetes" in design.orchestration.effective else []
    ):
        path = root / artifact.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(artifact.content)
    return root


def _design(tier: str, kind: str, schedule: str | None) -> Design:
    design = marked(example_design("shop", tier), kind, schedule)
    return with_metrics(design, "worker", 9100, "/metrics") if kind == "worker" else design


@needs_promtool
@pytest.mark.parametrize(("tier", "kind", "schedule"), CASES, ids=IDS)
def test_promtool_accepts_the_rules_and_their_tests(
    tmp_path: Path, tier: str, kind: str, schedule: str
) -> None:
    root = _written(tmp_path, _design(tier, kind, schedule))
    rules = root / "monitoring" / "rules"
    for args in (("check", "rules", "service-worker.yml"), ("test", "rules", "service-worker_test.yml")):
        result = subprocess.run(
            ["promtool", *args], cwd=rules, capture_output=True, text=True, timeout=300, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr
    config = subprocess.run(
        ["promtool", "check", "config", "monitoring/prometheus.yml"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert config.returncode == 0, config.stdout + config.stderr


@pytest.mark.parametrize(("tier", "kind", "schedule"), CASES, ids=IDS)
def test_gate_3_passes_and_the_audit_finds_nothing(
    tmp_path: Path, tier: str, kind: str, schedule: str
) -> None:
    design = _design(tier, kind, schedule)
    root = _written(tmp_path, design)
    coverage = verify_monitoring(root, design)
    worker = next(s for s in coverage.services if s.name == "worker")
    assert worker.critical and "liveness_alert" in worker.checks
    assert coverage.covered, {n: c.gap for n, c in worker.checks.items()}
    serious = [
        (f.rule, f.path, f.line, f.message)
        for f in audit_tree(root, Config()).findings
        if f.severity >= Severity.WARNING
    ]
    assert serious == []
    rules = yaml.safe_load((root / "monitoring" / "rules" / "service-worker.yml").read_text())
    alerts = {r["alert"]: r for g in rules["groups"] for r in g["rules"]}
    assert {a["labels"]["severity"] for a in alerts.values()} >= {"critical"}
    for alert in alerts.values():
        assert (root / alert["annotations"]["runbook_url"]).is_file()


@pytest.mark.parametrize("tier", TIERS)
def test_a_cron_is_missed_after_its_longest_gap_and_pushes_only_without_a_cluster(
    tmp_path: Path, tier: str
) -> None:
    design = _design(tier, "cron", "0 3 * * 1-5")  # weekdays: the weekend is the longest gap
    root = write_monitoring(design, tmp_path)
    rules = yaml.safe_load((root / "monitoring" / "rules" / "service-worker.yml").read_text())
    missed = next(r for g in rules["groups"] for r in g["rules"] if r["alert"] == "CronJobMissed")
    limit = missed_after_minutes(design.service("worker"))  # type: ignore[arg-type]
    assert limit == 3 * 24 * 60 + 60
    assert missed["expr"].endswith(f"> {limit * 60}")
    on_server = tier == "hobby-aws"
    assert (LAST_SUCCESS in missed["expr"]) == on_server
    jobs = [
        j["job_name"]
        for j in yaml.safe_load((root / "monitoring" / "prometheus.yml").read_text())["scrape_configs"]
    ]
    assert ("pushgateway" in jobs) == on_server
    stack = root / STACK
    assert (
        ("pushgateway" in yaml.safe_load(stack.read_text())["services"]) if on_server else not stack.exists()
    )
    readme = (root / "monitoring" / "README.md").read_text()
    assert ("/metrics/job/worker/service/worker" in readme) == on_server


def test_the_readme_says_what_a_worker_must_export(tmp_path: Path) -> None:
    root = write_monitoring(_design("hobby-aws", "worker", None), tmp_path)
    readme = (root / "monitoring" / "README.md").read_text()
    assert "worker_jobs_total" in readme and QUEUE in readme


def test_a_critical_worker_without_metrics_is_a_gap_that_says_what_to_export(tmp_path: Path) -> None:
    design = marked(example_design("shop", "hobby-aws"), "worker", None)  # the example exports none
    coverage = verify_monitoring(write_monitoring(design, tmp_path), design)
    worker = next(s for s in coverage.services if s.name == "worker")
    assert not coverage.covered
    assert worker.checks["scraped"].gap is not None and "worker_jobs_total" in worker.checks["scraped"].gap


def test_workers_and_crons_not_marked_critical_get_no_alerts(tmp_path: Path) -> None:
    root = write_monitoring(example_design("shop", "hobby-aws"), tmp_path)
    assert not (root / "monitoring" / "rules" / "service-worker.yml").exists()
