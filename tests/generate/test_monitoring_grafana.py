"""Grafana dashboards and provisioning of every bundled example at every tier the init tests cover:
the JSON parses, every query parses with opsmith's PromQL parser and reads only recording rules the
alerts record, and gate 3's `dashboard` check is met by these dashboards and by nothing else.
(Grafana itself is not installed here: these are structural checks.)"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from generate.monitoring_designs import CASES, example_design, with_metrics, write_monitoring
from opsmith.generate import kubernetes_monitoring
from opsmith.generate.monitoring_grafana import DASHBOARDS, DASHBOARDS_MOUNT, GRAFANA, runs_grafana
from opsmith.generate.monitoring_rules import rule_files
from opsmith.monitoring.gate import verify_monitoring
from opsmith.parse.prometheus import parse_promql

IDS = [f"{e}-{t}" for e, t in CASES]
_RECORDED_NAME = re.compile(r"\b[a-z_][a-z0-9_]*:[a-z0-9_:]*[a-z0-9_]")


def _boards(root: Path) -> dict[str, dict[str, object]]:
    return {p.name: json.loads(p.read_text()) for p in sorted((root / DASHBOARDS).glob("*.json"))}


def _queries(board: dict[str, object]) -> list[str]:
    panels = board["panels"]
    assert isinstance(panels, list)
    return [t["expr"] for p in panels for t in p.get("targets", [])]


@pytest.mark.parametrize(("example", "tier"), CASES, ids=IDS)
def test_every_query_parses_and_reads_the_alerts_recording_rules(
    tmp_path: Path, example: str, tier: str
) -> None:
    design = example_design(example, tier)
    boards = _boards(write_monitoring(design, tmp_path))
    web = [s.name for s in design.services if s.kind == "web"]
    assert sorted(boards) == sorted([f"{n}.json" for n in web] + ["platform.json"])
    recorded = {r.record for f in rule_files(design) for g in f.groups for r in g.recordings}
    uids = [b["uid"] for b in boards.values()]
    assert len(set(uids)) == len(uids) and all(isinstance(u, str) and len(u) <= 40 for u in uids)
    for name, board in boards.items():
        queries = _queries(board)
        assert queries, name
        for expr in queries:
            parsed, error = parse_promql(expr)
            assert parsed is not None, (name, expr, error)
            assert set(_RECORDED_NAME.findall(expr)) <= recorded, (name, expr)
        for panel in board["panels"]:  # type: ignore[attr-defined]
            grid = panel["gridPos"]
            assert grid["x"] + grid["w"] <= 24
    for service in web:
        service_queries = _queries(boards[f"{service}.json"])
        assert all(f'service="{service}"' in q for q in service_queries)
        assert any(":sli_errors:" in q for q in service_queries)  # the SLO alerts' own series
        assert any("histogram_quantile(0.99" in q for q in service_queries)


@pytest.mark.parametrize(("example", "tier"), CASES, ids=IDS)
def test_gate_3_dashboard_check_is_met_by_these_dashboards(tmp_path: Path, example: str, tier: str) -> None:
    design = example_design(example, tier)
    web = next(s for s in design.services if s.kind == "web")
    design = with_metrics(design, web.name, web.port or 8080, "/metrics")
    root = write_monitoring(design, tmp_path)
    checks = {s.name: s.checks for s in verify_monitoring(root, design).services}
    dashboard = checks[web.name]["dashboard"]
    assert dashboard.ok, dashboard.gap
    # the JSON files, and on Kubernetes the same dashboards as ConfigMaps
    configmaps = f"{kubernetes_monitoring.FOLDER}/dashboards.yaml"
    assert all(e.path.startswith(f"{DASHBOARDS}/") or e.path == configmaps for e in dashboard.evidence)
    shutil.rmtree(root / DASHBOARDS)
    (root / configmaps).unlink(missing_ok=True)
    checks = {s.name: s.checks for s in verify_monitoring(root, design).services}
    assert not checks[web.name]["dashboard"].ok


@pytest.mark.parametrize(("example", "tier"), CASES, ids=IDS)
def test_provisioning_loads_the_dashboards_where_grafana_runs_beside_the_app(
    tmp_path: Path, example: str, tier: str
) -> None:
    design = example_design(example, tier)
    root = write_monitoring(design, tmp_path)
    provisioning = root / GRAFANA / "provisioning"
    assert "Not run here" in (root / GRAFANA / "README.md").read_text()
    if not runs_grafana(design):
        assert not provisioning.exists()
        return
    sources = yaml.safe_load((provisioning / "datasources" / "prometheus.yml").read_text())
    assert sources["apiVersion"] == 1
    kinds = {s["type"]: s for s in sources["datasources"]}
    assert kinds["prometheus"]["url"] == "http://prometheus:9090" and kinds["prometheus"]["isDefault"]
    assert ("loki" in kinds) == (design.observability.logs.effective == "loki")
    assert ("tempo" in kinds) == (design.observability.traces.effective == "opentelemetry-tempo")
    assert len({s["uid"] for s in sources["datasources"]}) == len(sources["datasources"])
    providers = yaml.safe_load((provisioning / "dashboards" / "opsmith.yml").read_text())
    assert [p["options"]["path"] for p in providers["providers"]] == [DASHBOARDS_MOUNT]
