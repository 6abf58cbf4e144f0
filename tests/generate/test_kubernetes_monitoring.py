"""k8s/monitoring/ for every bundled example at the Kubernetes tiers the init tests cover:
PrometheusRules holding exactly the groups of monitoring/rules (with runbook links that resolve
from their file), the dashboards as sidecar ConfigMaps, a kustomization of its own that kustomize
renders, a PodMonitor that puts on the `service` label the alerts select, and nothing above info
under opsmith's KU and PM audit."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from generate.monitoring_designs import CASES, example_design, with_metrics, write_monitoring
from helpers import audit_tree
from opsmith.config import Config
from opsmith.design.model import Design
from opsmith.findings import Severity
from opsmith.generate import kubernetes
from opsmith.generate.kubernetes_monitoring import FOLDER, wanted
from opsmith.generate.monitoring_grafana import dashboards
from opsmith.generate.monitoring_rules import render_rules, rule_files
from opsmith.generate.options import GenerateOptions

IDS = [f"{e}-{t}" for e, t in CASES]
KUBECTL = shutil.which("kubectl")


def _design(example: str, tier: str) -> tuple[Design, str]:
    design = example_design(example, tier)
    web = next(s for s in design.services if s.kind == "web")
    return with_metrics(design, web.name, web.port or 8080, "/metrics"), web.name


def _objects(root: Path, name: str) -> list[dict[str, object]]:
    return [d for d in yaml.safe_load_all((root / FOLDER / name).read_text()) if d]


@pytest.mark.parametrize(("example", "tier"), CASES, ids=IDS)
def test_the_rules_and_dashboards_are_the_generated_ones(tmp_path: Path, example: str, tier: str) -> None:
    design, _ = _design(example, tier)
    root = write_monitoring(design, tmp_path)
    if not wanted(design):
        assert not (root / FOLDER).exists()
        return
    assert yaml.safe_load((root / FOLDER / "kustomization.yaml").read_text())["resources"] == [
        "rules.yaml",
        "dashboards.yaml",
    ]
    rules = _objects(root, "rules.yaml")
    assert {r["kind"] for r in rules} == {"PrometheusRule"}
    expected = [yaml.safe_load(render_rules(f))["groups"] for f in rule_files(design)]
    for groups in expected:  # the same rules, with links that lead from k8s/monitoring to the runbooks
        for rule in (r for g in groups for r in g["rules"] if "annotations" in r):
            rule["annotations"]["runbook_url"] = "../../" + rule["annotations"]["runbook_url"]
    assert [r["spec"]["groups"] for r in rules] == expected  # type: ignore[index]
    for rule in (r for g in expected for group in g for r in group["rules"] if "annotations" in r):
        assert (root / FOLDER / rule["annotations"]["runbook_url"]).resolve().is_file()
    maps = _objects(root, "dashboards.yaml")
    assert all(m["metadata"]["labels"]["grafana_dashboard"] == "1" for m in maps)  # type: ignore[index]
    data = {k: json.loads(v) for m in maps for k, v in m["data"].items()}  # type: ignore[attr-defined]
    assert data == dashboards(design)


@pytest.mark.parametrize(("example", "tier"), CASES, ids=IDS)
def test_the_pod_monitor_labels_series_with_their_service(example: str, tier: str) -> None:
    design, web = _design(example, tier)
    if not wanted(design):
        return
    files = {a.path: a.content for a in kubernetes.render(design, GenerateOptions())}
    monitors = [
        d for d in yaml.safe_load_all(files[f"k8s/base/{web}.yaml"]) if d and d["kind"] == "PodMonitor"
    ]
    assert monitors, "a service that exports metrics is scraped"
    relabel = monitors[0]["spec"]["podMetricsEndpoints"][0]["relabelings"]
    assert {"targetLabel": "service", "replacement": web} in relabel


@pytest.mark.parametrize(("example", "tier"), CASES, ids=IDS)
def test_opsmith_finds_nothing_above_info(tmp_path: Path, example: str, tier: str) -> None:
    design, _ = _design(example, tier)
    if not wanted(design):
        return
    root = write_monitoring(design, tmp_path)
    result = audit_tree(root, Config(select=("KU", "PM")))
    serious = [(f.rule, f.path, f.line, f.message) for f in result.findings if f.severity >= Severity.WARNING]
    assert serious == []
    if KUBECTL is not None:
        built = subprocess.run(
            [KUBECTL, "kustomize", str(root / FOLDER)],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert built.returncode == 0, built.stderr
        namespaces = {d["metadata"]["namespace"] for d in yaml.safe_load_all(built.stdout) if d}
        assert namespaces == {"monitoring"}
