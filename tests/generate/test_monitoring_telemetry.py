"""The OpenTelemetry Collector and Grafana Alloy configurations, and the `OTEL_*` environment the
services get in compose.yaml and the Kubernetes pods, for every bundled example at every tier the
init tests cover. Neither tool is installed here: the checks are structural (every pipeline and
component reference resolves, the exporter matches the design's trace backend)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from generate.monitoring_designs import CASES, example_design, write_monitoring
from opsmith.design.model import Design
from opsmith.generate import compose
from opsmith.generate.kubernetes_meta import Context
from opsmith.generate.kubernetes_workloads import pod_template
from opsmith.generate.monitoring_telemetry import ALLOY_CONFIG, COLLECTOR_CONFIG, on_kubernetes

IDS = [f"{e}-{t}" for e, t in CASES]
_EXPORTER = {
    "opentelemetry-tempo": "otlp/tempo",
    "opentelemetry-xray": "awsxray",
    "opentelemetry-cloud-trace": "googlecloud",
    "opentelemetry-azure-monitor": "azuremonitor",
}
_OTEL = {
    "OTEL_SERVICE_NAME",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_RESOURCE_ATTRIBUTES",
}


def _backend(design: Design) -> str:
    return design.observability.traces.effective


@pytest.mark.parametrize(("example", "tier"), CASES, ids=IDS)
def test_the_collector_receives_otlp_and_exports_to_the_designs_backend(
    tmp_path: Path, example: str, tier: str
) -> None:
    design = example_design(example, tier)
    path = write_monitoring(design, tmp_path) / COLLECTOR_CONFIG
    if _backend(design) == "none":
        assert not path.exists()
        return
    config = yaml.safe_load(path.read_text())
    assert set(config["receivers"]["otlp"]["protocols"]) == {"grpc", "http"}
    traces = config["service"]["pipelines"]["traces"]
    assert traces["exporters"] == [_EXPORTER[_backend(design)]]
    assert "batch" in traces["processors"]
    for section in ("receivers", "processors", "exporters"):
        assert set(traces[section]) <= set(config[section]), section
    assert set(config["service"]["extensions"]) <= set(config["extensions"])
    endpoint = str(config["exporters"][traces["exporters"][0]])
    assert ("svc" in endpoint) == (on_kubernetes(design) and _backend(design) == "opentelemetry-tempo")
    assert "Not run here" in path.read_text()


def _blocks(text: str) -> list[str]:
    return re.findall(r'^([a-z_.]+ "[a-z_]+") \{', text, re.MULTILINE)


@pytest.mark.parametrize(("example", "tier"), CASES, ids=IDS)
def test_alloy_ships_container_logs_to_loki_where_the_design_runs_loki(
    tmp_path: Path, example: str, tier: str
) -> None:
    design = example_design(example, tier)
    path = write_monitoring(design, tmp_path) / ALLOY_CONFIG
    if design.observability.logs.effective != "loki":
        assert not path.exists()
        return
    text = path.read_text()
    assert text.count("{") == text.count("}")
    defined = {b.replace(' "', ".").rstrip('"') for b in _blocks(text)}
    source = "loki.source.kubernetes.pods" if on_kubernetes(design) else "loki.source.docker.containers"
    assert {source, "loki.write.loki"} <= defined
    # every reference to another component's export names a component defined here
    for reference in re.findall(r"= \[?([a-z_]+\.[a-z_.]+)\.(?:receiver|targets|rules|output)\b", text):
        assert reference in defined, reference
    assert "/loki/api/v1/push" in text and "Not run here" in text


@pytest.mark.parametrize(("example", "tier"), CASES, ids=IDS)
def test_services_get_otel_environment_in_compose_and_kubernetes(example: str, tier: str) -> None:
    design = example_design(example, tier)
    traced = _backend(design) != "none"
    services = yaml.safe_load(compose.render_compose(design))["services"]
    for service in design.services:
        env = services[service.name].get("environment", {})
        wanted = traced and design.orchestration.effective == "compose"
        assert (set(env) >= _OTEL) == wanted, service.name
        if wanted:
            assert env["OTEL_SERVICE_NAME"] == service.name
            assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector:4318"
        if on_kubernetes(design):
            pod_env = pod_template(Context(design), service)["spec"]["containers"][0]["env"]
            names = [e["name"] for e in pod_env]
            assert (set(names) >= _OTEL) == traced
            if traced:  # $(POD_NAMESPACE) is expanded only from a variable defined before it
                assert names.index("POD_NAMESPACE") < names.index("OTEL_RESOURCE_ATTRIBUTES")
                assert len(names) == len(set(names))
