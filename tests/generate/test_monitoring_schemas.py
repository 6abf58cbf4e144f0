"""The generated monitoring against the published schemas vendored in src/opsmith/data/schemas
(see its README): Grafana dashboards (SchemaStore's dashboard schema), kustomizations
(SchemaStore's), and the values given to the Loki and OpenTelemetry Collector charts (each chart's
own values schema, checked as Helm does: the chart's defaults merged with the values). Grafana's
provisioning files, Alloy's configuration, Tempo's and the Collector's own configuration files
have no published schema; their structure is tested in test_monitoring_grafana,
test_monitoring_telemetry and test_kubernetes_telemetry."""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from generate.monitoring_designs import CASES, example_design, write_monitoring
from opsmith.generate.kubernetes_telemetry import FOLDER as STACK
from opsmith.generate.kubernetes_telemetry import releases
from opsmith.generate.monitoring_grafana import DASHBOARDS, dashboards
from opsmith.generate.monitoring_telemetry import on_kubernetes

IDS = [f"{e}-{t}" for e, t in CASES]


@cache
def _schema(name: str) -> dict[str, Any]:
    text = resources.files("opsmith.data").joinpath("schemas", name).read_text(encoding="utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text) if name.endswith(".yaml") else json.loads(text)
    return loaded


def _errors(schema: str, document: Any) -> list[str]:
    loaded = _schema(schema)
    # the Collector chart's schema names no draft ("http://json-schema.org/schema#"); its keywords
    # are draft 7's
    cls = (
        jsonschema.Draft7Validator
        if loaded.get("$schema") == "http://json-schema.org/schema#"
        else jsonschema.validators.validator_for(loaded)
    )
    validator = cls(loaded)
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(document)
    ]


def _helm_merge(defaults: Any, values: Any) -> Any:
    """Helm's coalescing of a chart's defaults with the user's values: maps merge key by key, any
    other value replaces the default, and null removes the key."""
    if not isinstance(defaults, dict) or not isinstance(values, dict):
        return copy.deepcopy(values)
    merged = copy.deepcopy(defaults)
    for key, value in values.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = _helm_merge(merged.get(key), value)
    return merged


def _collector_errors(values: dict[str, Any]) -> list[str]:
    merged = _helm_merge(_schema("opentelemetry-collector-chart.values.yaml"), values)
    return _errors("opentelemetry-collector-chart.values.schema.json", merged)


@pytest.mark.parametrize(("example", "tier"), CASES, ids=IDS)
def test_every_dashboard_passes_the_dashboard_schema(tmp_path: Path, example: str, tier: str) -> None:
    design = example_design(example, tier)
    root = write_monitoring(design, tmp_path)
    for name in dashboards(design):
        board = json.loads((root / DASHBOARDS / name).read_text())
        assert _errors("grafana-dashboard-5.x.json", {"dashboard": board}) == [], name


def test_the_dashboard_schema_catches_a_broken_dashboard() -> None:
    board = next(iter(dashboards(example_design("shop", "hobby-aws")).values()))
    assert _errors("grafana-dashboard-5.x.json", {"dashboard": {**board, "uid": "short"}})
    assert _errors("grafana-dashboard-5.x.json", {"dashboard": {**board, "panels": {"not": "a list"}}})


@pytest.mark.parametrize(("example", "tier"), CASES, ids=IDS)
def test_kustomizations_and_chart_values_pass_their_schemas(tmp_path: Path, example: str, tier: str) -> None:
    design = example_design(example, tier)
    root = write_monitoring(design, tmp_path)
    kustomizations = sorted(root.glob("k8s/**/kustomization.yaml"))
    assert bool(kustomizations) == on_kubernetes(design)
    for path in kustomizations:
        assert _errors("kustomization.json", yaml.safe_load(path.read_text())) == [], path
    values = releases(design) if on_kubernetes(design) else {}
    if "loki" in values:
        assert _errors("loki-chart.values.schema.json", values["loki"]) == []
    if "otel-collector" in values:
        assert _collector_errors(values["otel-collector"]) == []
    if on_kubernetes(design):
        # what kustomize hands helm is exactly what was checked
        charts = yaml.safe_load((root / STACK / "kustomization.yaml").read_text())["helmCharts"]
        assert {c["releaseName"]: c["valuesInline"] for c in charts} == values


def test_the_chart_schemas_catch_a_wrong_value() -> None:
    values = releases(example_design("shop", "growth-aws"))
    assert _collector_errors({**values["otel-collector"], "mode": "sidecar"})  # not a mode it has
    assert _collector_errors({**values["otel-collector"], "replicaCont": 2})  # a typo of a key
    assert _errors("loki-chart.values.schema.json", {**values["loki"], "singleBinary": {"replicas": "one"}})
    kustomization = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "helmCharts": [{"valuesFiel": "x"}]}
    assert _errors("kustomization.json", kustomization)
