"""Gate 3 on the workers and crons a design marks critical: a hand-written setup with names of its
own (a Celery-style worker, a cron that pushes its timestamps to a Pushgateway) passes whole, and
each piece taken away is named as a gap."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from design.fixtures import design
from helpers import write_tree
from monitoring.handwritten import ALERTMANAGER
from opsmith.design.model import Design
from opsmith.monitoring.coverage import Coverage, ServiceCoverage
from opsmith.monitoring.gate import verify_monitoring
from opsmith.monitoring.report import to_text
from opsmith.monitoring.runbooks import RunbookBase

BASE = RunbookBase("https://wiki.example.com/ops/runbooks/", "wiki/runbooks")

PROMETHEUS = """
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ["localhost:9090"]
  - job_name: mailer-prod
    static_configs:
      - targets: ["mailer:9808"]
  - job_name: batch-pushgw
    honor_labels: true
    static_configs:
      - targets: ["pushgateway:9091"]
"""


def _alert(name: str, expr: str, severity: str = "critical") -> str:
    return f"""
      - alert: {name}
        expr: {expr}
        for: 10m
        labels:
          severity: {severity}
        annotations:
          summary: {name}
          runbook_url: https://wiki.example.com/ops/runbooks/{name}"""


MAILER_FAILING = _alert(
    "MailerTasksFailing",
    'sum(rate(celery_task_failed_total{job="mailer-prod"}[5m])) > 1',
)
MAILER_BACKLOG = _alert("MailerBacklog", 'sum(celery_queue_length{job="mailer-prod"}) > 100')
REPORT_OVERDUE = _alert(
    "NightlyReportOverdue", 'time() - max(report_last_success_unixtime{exported_job="nightly"}) > 90000'
)
REPORT_FAILED = _alert(
    "NightlyReportFailed",
    'max(report_last_failure_unixtime{exported_job="nightly"})'
    ' > max(report_last_success_unixtime{exported_job="nightly"})',
    "warning",
)
WATCHDOG = """
      - alert: DeadMansSwitch
        expr: vector(1)
        labels:
          severity: none
        annotations:
          summary: Always firing"""
ALERTS = {
    "failing": MAILER_FAILING,
    "backlog": MAILER_BACKLOG,
    "overdue": REPORT_OVERDUE,
    "failed": REPORT_FAILED,
}


def _rules(alerts: dict[str, str]) -> str:
    return "groups:\n  - name: background\n    rules:" + "".join(alerts.values()) + WATCHDOG + "\n"


def _files(**changes: Any) -> dict[str, str | bytes]:
    alerts = {k: v for k, v in ALERTS.items() if k not in changes.get("without", ())}
    files: dict[str, str | bytes] = {
        "monitoring/prometheus.yml": changes.get("prometheus", PROMETHEUS),
        "monitoring/rules/background.yml": _rules(alerts),
        "monitoring/alertmanager.yml": changes.get("alertmanager", ALERTMANAGER),
    }
    for name in ("MailerTasksFailing", "MailerBacklog", "NightlyReportOverdue", "NightlyReportFailed"):
        if name not in changes.get("no_runbook", ()):
            files[f"wiki/runbooks/{name}.md"] = f"# {name}\n"
    return files


def _background_design() -> Design:
    """A design of two critical services that take no requests: a worker and a nightly cron."""
    data = design("monorepo").model_dump(mode="json")
    template = data["services"][0]
    services = []
    for name, kind, schedule in (("mailer", "worker", None), ("nightly", "cron", "0 2 * * *")):
        services.append(
            {
                **template,
                "name": name,
                "kind": kind,
                "port": None,
                "schedule": schedule,
                "uses": [],
                "slo": None,
                "critical": {"value": True, "reason": "users wait on it", "rule": "a test"},
            }
        )
    data["services"] = services
    data["backing_services"] = []
    return Design.model_validate(data)


DESIGN = _background_design()


def _verify(tmp_path: Path, **changes: Any) -> Coverage:
    return verify_monitoring(write_tree(tmp_path, _files(**changes)), DESIGN, runbook_base=BASE)


def _service(coverage: Coverage, name: str) -> ServiceCoverage:
    return next(s for s in coverage.services if s.name == name)


def _gaps(coverage: Coverage, name: str) -> dict[str, str]:
    return {k: c.gap for k, c in _service(coverage, name).checks.items() if c.gap is not None}


def test_a_complete_hand_written_setup_for_a_worker_and_a_cron_passes(tmp_path: Path) -> None:
    coverage = _verify(tmp_path)
    assert coverage.covered, {s.name: _gaps(coverage, s.name) for s in coverage.services}
    for name in ("mailer", "nightly"):
        service = _service(coverage, name)
        assert service.critical
        # neither answers requests: no latency or request dashboard is asked of them
        assert set(service.checks) == {"scraped", "error_alert", "liveness_alert", "runbook", "routed"}
    # the cron's signals arrive through the Pushgateway job
    assert [e.line for e in _service(coverage, "nightly").checks["scraped"].evidence] == [8]
    header = to_text(coverage).splitlines()[1].split()
    assert "liveness_alert" in header and "latency_alert" not in header


@pytest.mark.parametrize(
    ("service", "changes", "check", "named"),
    [
        (
            "mailer",
            {"prometheus": PROMETHEUS.replace("mailer-prod", "other-prod").replace("mailer:", "x:")},
            "scraped",
            "worker_jobs_total",
        ),
        ("mailer", {"without": ("failing",)}, "error_alert", "failed jobs"),
        ("mailer", {"without": ("backlog",)}, "liveness_alert", "worker_queue_depth"),
        ("mailer", {"no_runbook": ("MailerBacklog",)}, "runbook", "MailerBacklog"),
        (
            "nightly",
            {"prometheus": PROMETHEUS.replace("batch-pushgw", "batch").replace("pushgateway:", "gw:")},
            "scraped",
            "Pushgateway",
        ),
        ("nightly", {"without": ("failed",)}, "error_alert", "failed runs"),
        ("nightly", {"without": ("overdue",)}, "liveness_alert", "last successful run"),
        ("nightly", {"no_runbook": ("NightlyReportOverdue",)}, "runbook", "NightlyReportOverdue"),
        (
            "nightly",
            {"alertmanager": ALERTMANAGER.replace("receiver: oncall", "receiver: blackhole")},
            "routed",
            "NightlyReportOverdue",
        ),
    ],
)
def test_each_missing_piece_is_named(
    tmp_path: Path, service: str, changes: dict[str, Any], check: str, named: str
) -> None:
    coverage = _verify(tmp_path, **changes)
    assert not coverage.covered
    gaps = _gaps(coverage, service)
    assert set(gaps) == {check}, gaps
    assert named in gaps[check]


def test_a_per_job_up_alert_counts_as_a_workers_liveness_alert(tmp_path: Path) -> None:
    per_job = _alert("TargetDown", "up == 0", "warning")
    files = _files(without=("backlog",))
    files["monitoring/rules/targets.yml"] = "groups:\n  - name: targets\n    rules:" + per_job + "\n"
    files["wiki/runbooks/TargetDown.md"] = "# TargetDown\n"
    coverage = verify_monitoring(write_tree(tmp_path, files), DESIGN, runbook_base=BASE)
    assert _service(coverage, "mailer").checks["liveness_alert"].ok
