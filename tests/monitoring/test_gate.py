"""Gate 3 on a hand-written setup: it passes whole, and each piece taken away is named as a gap."""

from __future__ import annotations

from pathlib import Path

import pytest

from design.fixtures import design
from helpers import write_tree
from monitoring.handwritten import ALERTMANAGER, ALERTS, DASHBOARD, FILES, PROMETHEUS
from opsmith.monitoring.coverage import Coverage, ServiceCoverage
from opsmith.monitoring.gate import verify_monitoring
from opsmith.monitoring.runbooks import RunbookBase

BASE = RunbookBase("https://wiki.example.com/ops/runbooks/", "wiki/runbooks")


def _verify(root: Path, **kwargs: object) -> Coverage:
    return verify_monitoring(root, None, runbook_base=BASE, **kwargs)  # type: ignore[arg-type]


def _setup(tmp_path: Path, **changes: str | None) -> Path:
    files = {path: text for path, text in FILES.items() if path not in changes}
    files.update({path: text for path, text in changes.items() if text is not None})
    return write_tree(tmp_path, files)


def _api(coverage: Coverage) -> ServiceCoverage:
    return next(s for s in coverage.services if s.name == "api")


def _gaps(coverage: Coverage) -> dict[str, str]:
    return {name: check.gap for name, check in _api(coverage).checks.items() if check.gap is not None}


def test_a_complete_hand_written_setup_passes(tmp_path: Path) -> None:
    coverage = _verify(_setup(tmp_path))
    assert coverage.covered, _gaps(coverage)
    api = _api(coverage)
    assert api.critical and api.kind == "web"
    scraped = api.checks["scraped"].evidence
    assert any(e.path == "monitoring/prometheus/prometheus.yml" for e in scraped)
    # the alert reads a recording rule: both are evidence
    error_files = {e.path for e in api.checks["error_alert"].evidence}
    assert error_files == {"monitoring/prometheus/rules/api.yml", "monitoring/prometheus/rules/recording.yml"}
    assert any(e.path == "wiki/runbooks/ApiSlowRequests.md" for e in api.checks["runbook"].evidence)
    assert coverage.pipeline.ok


def test_only_services_that_run_code_of_their_own_are_checked(tmp_path: Path) -> None:
    coverage = _verify(_setup(tmp_path))
    by_name = {s.name: s for s in coverage.services}
    assert set(by_name) == {"api", "mailer"}  # not the database, not Prometheus
    assert not by_name["mailer"].critical  # no port: a worker, its gaps do not hold the gate
    assert not by_name["mailer"].covered


def test_a_missing_scrape_job_is_named(tmp_path: Path) -> None:
    without = PROMETHEUS.replace("api-prod", "billing-prod").replace("api:8000", "billing:8000")
    gaps = _gaps(_verify(_setup(tmp_path, **{"monitoring/prometheus/prometheus.yml": without})))
    assert set(gaps) == {"scraped"}
    assert "monitoring/prometheus/prometheus.yml" in gaps["scraped"] and "`api`" in gaps["scraped"]


def test_a_missing_error_alert_is_named(tmp_path: Path) -> None:
    start = ALERTS.index("      - alert: ApiErrorBudgetBurn")
    end = ALERTS.index("      - alert: ApiSlowRequests")
    coverage = _verify(
        _setup(tmp_path, **{"monitoring/prometheus/rules/api.yml": ALERTS[:start] + ALERTS[end:]})
    )
    gaps = _gaps(coverage)
    assert set(gaps) == {"error_alert"}
    assert "request errors" in gaps["error_alert"] and 'job="api-prod"' in gaps["error_alert"]


def test_a_missing_latency_alert_is_named(tmp_path: Path) -> None:
    start = ALERTS.index("      - alert: ApiSlowRequests")
    end = ALERTS.index("  - name: meta")
    gaps = _gaps(
        _verify(_setup(tmp_path, **{"monitoring/prometheus/rules/api.yml": ALERTS[:start] + ALERTS[end:]}))
    )
    assert set(gaps) == {"latency_alert"}


def test_a_missing_runbook_is_named(tmp_path: Path) -> None:
    gaps = _gaps(_verify(_setup(tmp_path, **{"wiki/runbooks/ApiSlowRequests.md": None})))
    assert set(gaps) == {"runbook"}
    assert "ApiSlowRequests" in gaps["runbook"] and "wiki/runbooks/ApiSlowRequests" in gaps["runbook"]
    assert "ApiErrorBudgetBurn" not in gaps["runbook"]


def test_a_runbook_url_without_a_base_url_mapping_is_a_gap(tmp_path: Path) -> None:
    coverage = verify_monitoring(_setup(tmp_path), None)  # no [monitoring] runbook-base-url given
    assert "runbook-base-url" in _gaps(coverage)["runbook"]


def test_a_missing_route_is_named(tmp_path: Path) -> None:
    start = ALERTMANAGER.index("""    - matchers: ['severity="warning"']""")
    end = ALERTMANAGER.index("receivers:")
    changed = ALERTMANAGER[:start] + ALERTMANAGER[end:]
    gaps = _gaps(_verify(_setup(tmp_path, **{"monitoring/alertmanager/alertmanager.yml": changed})))
    assert set(gaps) == {"routed"}
    assert "ApiSlowRequests" in gaps["routed"] and "`blackhole`" in gaps["routed"]


def test_info_alerts_need_no_route_since_they_notify_no_one(tmp_path: Path) -> None:
    start = ALERTMANAGER.index("""    - matchers: ['severity="warning"']""")
    end = ALERTMANAGER.index("receivers:")
    quiet = ALERTS.replace("severity: warning", "severity: info")
    root = _setup(
        tmp_path,
        **{
            "monitoring/alertmanager/alertmanager.yml": ALERTMANAGER[:start] + ALERTMANAGER[end:],
            "monitoring/prometheus/rules/api.yml": quiet,
        },
    )
    assert _api(_verify(root)).checks["routed"].ok


def test_files_of_other_kinds_are_not_read_as_monitoring(tmp_path: Path) -> None:
    root = _setup(
        tmp_path,
        **{
            "api/Dockerfile": 'FROM python:3.12-slim\nCMD ["python", "-m", "api"]\n',
            "infra/variables.tf": 'variable "region" {\n  type = string\n}\n',
        },
    )
    coverage = _verify(root)
    assert coverage.covered and coverage.unreadable == []


def test_no_alertmanager_at_all_is_named(tmp_path: Path) -> None:
    coverage = _verify(_setup(tmp_path, **{"monitoring/alertmanager/alertmanager.yml": None}))
    assert "no Alertmanager configuration" in _gaps(coverage)["routed"]
    assert not coverage.pipeline.ok  # the dead man's switch reaches no one either


def test_a_missing_dashboard_is_named(tmp_path: Path) -> None:
    gaps = _gaps(_verify(_setup(tmp_path, **{"grafana/dashboards/api-overview.json": None})))
    assert set(gaps) == {"dashboard"}


def test_a_dashboard_of_another_service_does_not_count(tmp_path: Path) -> None:
    other = DASHBOARD.replace("api-prod", "billing-prod")
    gaps = _gaps(_verify(_setup(tmp_path, **{"grafana/dashboards/api-overview.json": other})))
    assert set(gaps) == {"dashboard"}


def test_a_missing_dead_mans_switch_is_named(tmp_path: Path) -> None:
    rules = ALERTS[: ALERTS.index("  - name: meta")]
    coverage = _verify(_setup(tmp_path, **{"monitoring/prometheus/rules/api.yml": rules}))
    assert _gaps(coverage) == {}
    assert not coverage.covered
    assert coverage.pipeline.gap is not None and "Watchdog" in coverage.pipeline.gap


def test_self_alerts_on_alertmanager_watch_the_pipeline(tmp_path: Path) -> None:
    rules = ALERTS[: ALERTS.index("  - name: meta")] + (
        "  - name: meta\n    rules:\n      - alert: NotificationsFailing\n"
        "        expr: rate(alertmanager_notifications_failed_total[5m]) > 0\n"
    )
    coverage = _verify(_setup(tmp_path, **{"monitoring/prometheus/rules/api.yml": rules}))
    assert coverage.pipeline.ok


@pytest.mark.parametrize(
    ("path", "broken", "check"),
    [
        ("monitoring/prometheus/rules/api.yml", "groups:\n  - name: api\n    rules: [\n", "error_alert"),
        ("grafana/dashboards/api-overview.json", '{"panels": [\n  {"title": "x",\n', "dashboard"),
        ("monitoring/alertmanager/alertmanager.yml", "route:\n  receiver: [\nreceivers:\n", "routed"),
    ],
)
def test_an_unparsable_file_is_a_gap_with_its_file_and_line(
    tmp_path: Path, path: str, broken: str, check: str
) -> None:
    coverage = _verify(_setup(tmp_path, **{path: broken}))
    gap = _gaps(coverage)[check]
    assert f"{path}:" in gap and "could not be read" in gap
    assert any(u.path == path and u.line for u in coverage.unreadable)
    assert any(e.path == path for e in _api(coverage).checks[check].evidence)


@pytest.mark.parametrize(("regex", "scraped"), [("api|billing", True), (".+", False)])
def test_kubernetes_discovery_counts_when_it_keeps_the_service_by_name(
    tmp_path: Path, regex: str, scraped: bool
) -> None:
    """A `keep` on the service's label is evidence; a regex that keeps anything is not."""
    config = f"""
        scrape_configs:
          - job_name: kubernetes-apps
            kubernetes_sd_configs: [{{role: endpoints}}]
            relabel_configs:
              - source_labels: [__meta_kubernetes_service_label_app]
                action: keep
                regex: "{regex}"
    """
    root = _setup(tmp_path, **{"monitoring/prometheus/prometheus.yml": config})
    assert _api(_verify(root)).checks["scraped"].ok is scraped


KUBERNETES = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: storefront}
spec:
  selector: {matchLabels: {app.kubernetes.io/name: storefront}}
  template:
    metadata: {labels: {app.kubernetes.io/name: storefront}}
    spec:
      containers: [{name: app, image: ghcr.io/acme/storefront:1.4.2}]
---
apiVersion: v1
kind: Service
metadata: {name: storefront-svc, labels: {tier: edge, app.kubernetes.io/name: storefront}}
spec:
  selector: {app.kubernetes.io/name: storefront}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: redis}
spec:
  template:
    spec:
      containers: [{name: redis, image: redis:7.4.1}]
"""

OPERATOR = """
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: edge}
spec:
  selector: {matchLabels: {tier: edge}}
  endpoints: [{port: http}]
---
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: storefront}
spec:
  groups:
    - name: storefront
      rules:
        - alert: StorefrontErrors
          expr: >-
            sum(rate(
              http_server_requests_seconds_count{service="storefront-svc", outcome="SERVER_ERROR"}[5m]
            )) > 1
          for: 5m
          labels: {severity: critical}
          annotations: {runbook_url: docs/runbooks/storefront.md}
        - alert: StorefrontSlow
          expr: >-
            histogram_quantile(0.95,
              sum by (le) (rate(http_server_requests_seconds_bucket{service="storefront-svc"}[5m]))) > 1
          for: 5m
          labels: {severity: critical}
          annotations: {runbook_url: docs/runbooks/storefront.md}
        - alert: Watchdog
          expr: vector(1)
          labels: {severity: none}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: storefront-dashboard, labels: {grafana_dashboard: "1"}}
data:
  storefront.json: |
    {"title": "Storefront", "panels": [{"targets": [{"expr": "up{service=\\"storefront-svc\\"}"}]}]}
"""

ROUTING = """
route:
  receiver: pager
  routes:
    - matchers: [alertname="Watchdog"]
      receiver: deadman
receivers:
  - name: pager
    opsgenie_configs: [{api_key_file: /etc/am/opsgenie}]
  - name: deadman
    webhook_configs: [{url: "http://127.0.0.1:9000/beat"}]
"""


def test_a_kubernetes_setup_with_the_operator_passes(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "k8s/app.yaml": KUBERNETES,
            "k8s/monitoring.yaml": OPERATOR,
            "k8s/alertmanager.yaml": ROUTING,
            "docs/runbooks/storefront.md": "# Storefront\n",
        },
    )
    coverage = verify_monitoring(root, None)
    assert [s.name for s in coverage.services] == ["storefront"]  # redis is a cache, not a service
    assert coverage.covered, _gaps_of(coverage.services[0])
    assert coverage.services[0].checks["scraped"].evidence[0].path == "k8s/monitoring.yaml"


def _gaps_of(service: ServiceCoverage) -> dict[str, str | None]:
    return {name: check.gap for name, check in service.checks.items()}


def test_a_service_monitor_selecting_other_labels_is_a_gap(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "k8s/app.yaml": KUBERNETES,
            "k8s/monitoring.yaml": OPERATOR.replace("tier: edge}", "tier: backend}"),
            "k8s/alertmanager.yaml": ROUTING,
            "docs/runbooks/storefront.md": "# Storefront\n",
        },
    )
    service = verify_monitoring(root, None).services[0]
    assert not service.checks["scraped"].ok


def test_with_a_design_its_web_services_are_critical_and_workers_only_when_marked(tmp_path: Path) -> None:
    planned = design("monorepo")
    coverage = verify_monitoring(_setup(tmp_path), planned, runbook_base=BASE)
    by_name = {s.name: s for s in coverage.services}
    assert set(by_name) == {s.name for s in planned.services}
    assert {n for n, s in by_name.items() if s.critical} == {"api", "web", "billing"}
    assert by_name["api"].covered  # the hand-written monitoring names it `api-prod`
    assert not coverage.covered  # web and billing have no monitoring at all
    assert coverage.source == "design"


ODD_FILES = {
    "odd/scalar.yml": "just a string\n",
    "odd/list.yml": "- groups\n- scrape_configs\n",
    "odd/prometheus.yml": "scrape_configs:\n  - job_name: api\n    static_configs: [3, {targets: api}]\n"
    "    relabel_configs: [{action: keep, source_labels: 7, regex: [1]}]\n  - 12\n",
    "odd/alertmanager.yml": "route: {receiver: 5, routes: [1, {matchers: 3}]}\nreceivers: {a: 1}\n",
    "odd/monitors.yaml": "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: m}\n"
    "spec: {selector: {matchLabels: [1], matchExpressions: [{key: 3}, 4]}}\n",
    "odd/board.json": '{"panels": [{"targets": [{"expr": 5}, {"expr": "' + "(" * 30000 + '"}]}],'
    ' "templating": {"list": [{"name": "job", "type": "custom", "options": 7, "current": {"value": [1]}}]}}',
    "odd/array.json": '["panels"]',
    "odd/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"
    "data:\n  a.json: '{\"panels\": ['\n",
    "odd/deep.yml": "groups:\n  - name: g\n    rules:\n      - alert: Deep\n        expr: "
    + "+".join(["a"] * 6000)
    + "\n",
}


def test_odd_and_hostile_monitoring_files_never_crash(tmp_path: Path) -> None:
    coverage = _verify(_setup(tmp_path, **ODD_FILES))
    assert _api(coverage).covered  # the good files still count; the odd ones prove nothing
    unreadable = {u.path for u in coverage.unreadable}
    assert {"odd/cm.yaml", "odd/deep.yml"} <= unreadable


def test_alerts_scoped_by_a_job_named_apart_from_the_service_count(tmp_path: Path) -> None:
    """The job `backend-main` scrapes the host `api`: alerts on that job are the api's."""
    root = _setup(
        tmp_path,
        **{
            "monitoring/prometheus/prometheus.yml": PROMETHEUS.replace("api-prod", "backend-main"),
            "monitoring/prometheus/rules/api.yml": ALERTS.replace("api-prod", "backend-main"),
            "grafana/dashboards/api-overview.json": DASHBOARD.replace("api-prod", "backend-main"),
        },
    )
    assert _verify(root).covered
