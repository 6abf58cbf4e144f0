"""k8s/monitoring/stack/: the cluster's log and trace backends as pinned Helm charts inflated by
kustomize, for every bundled example at every tier the init tests cover. Neither helm nor the
charts' images are available here: the checks are structural (the kustomization's schema and the
charts' values schemas are checked in test_monitoring_schemas)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from generate.monitoring_designs import CASES, example_design, write_monitoring
from helpers import audit_tree
from opsmith.config import Config
from opsmith.findings import Severity
from opsmith.generate.kubernetes_telemetry import CHARTS, FOLDER
from opsmith.generate.monitoring_telemetry import ALLOY_CONFIG, COLLECTOR_CONFIG, on_kubernetes

IDS = [f"{e}-{t}" for e, t in CASES]
_EXACT = re.compile(r"^v?\d+\.\d+\.\d+$")


@pytest.mark.parametrize(("example", "tier"), CASES, ids=IDS)
def test_the_cluster_runs_the_designs_log_and_trace_backends(tmp_path: Path, example: str, tier: str) -> None:
    design = example_design(example, tier)
    root = write_monitoring(design, tmp_path)
    path = root / FOLDER / "kustomization.yaml"
    if not on_kubernetes(design):
        assert not path.exists()
        return
    body = yaml.safe_load(path.read_text())
    charts = {c["releaseName"]: c for c in body["helmCharts"]}
    wanted = set()
    if design.observability.logs.effective == "loki":
        wanted |= {"loki", "alloy"}
    if design.observability.traces.effective == "opentelemetry-tempo":
        wanted |= {"tempo", "otel-collector"}
    assert set(charts) == wanted
    for release, chart in charts.items():
        assert _EXACT.match(chart["version"]) and chart["version"] == CHARTS[release].version
        assert chart["namespace"] == body["namespace"] == "monitoring"
    # the charts run the same configuration the server would, as monitoring_telemetry writes it
    if "alloy" in charts:
        assert (
            charts["alloy"]["valuesInline"]["alloy"]["configMap"]["content"]
            == (root / ALLOY_CONFIG).read_text()
        )
    if "otel-collector" in charts:
        collector = charts["otel-collector"]["valuesInline"]
        assert collector["alternateConfig"] == yaml.safe_load((root / COLLECTOR_CONFIG).read_text())
        assert collector["fullnameOverride"] == "otel-collector"  # what the services' OTEL endpoint names
    # the names the collector and Alloy send to are the ones these releases create
    if {"tempo", "otel-collector"} <= set(charts):
        assert "tempo.monitoring.svc:4317" in (root / COLLECTOR_CONFIG).read_text()
    if "loki" in charts:
        assert charts["loki"]["valuesInline"]["gateway"]["enabled"] is True
        assert "loki-gateway.monitoring.svc" in (root / ALLOY_CONFIG).read_text()
    serious = [
        (f.rule, f.path, f.line, f.message)
        for f in audit_tree(root, Config()).findings
        if f.severity >= Severity.WARNING
    ]
    assert serious == []


def test_the_daemonset_tails_only_its_own_nodes_pods(tmp_path: Path) -> None:
    root = write_monitoring(example_design("shop", "growth-aws"), tmp_path)
    text = (root / ALLOY_CONFIG).read_text()
    assert 'field = "spec.nodeName=" + coalesce(sys.env("HOSTNAME"), constants.hostname)' in text


def test_a_compliance_design_keeps_a_year_of_logs(tmp_path: Path) -> None:
    def retention(tier: str) -> str:
        root = write_monitoring(example_design("shop", tier), tmp_path / tier)
        charts = yaml.safe_load((root / FOLDER / "kustomization.yaml").read_text())["helmCharts"]
        loki = next(c for c in charts if c["releaseName"] == "loki")["valuesInline"]
        return str(loki["loki"]["limits_config"]["retention_period"])

    assert int(retention("compliance-azure").removesuffix("h")) >= 365 * 24
    assert int(retention("growth-aws").removesuffix("h")) < 365 * 24
