"""k8s/monitoring/stack/: the log and trace backends of a cluster, as Helm charts that kustomize
inflates (`helmCharts`): Loki and Grafana Alloy where logs go to Loki, Tempo where traces go to
Tempo, and the OpenTelemetry Collector wherever services send traces. Each chart is pinned to an
exact version and configured inline with the files monitoring_telemetry writes (Alloy's pipeline,
the Collector's), so the server and the cluster ship the same configuration.

kube-prometheus-stack itself comes from the Terraform add-ons root (terraform_addons), which
installs it into the same namespace; these charts sit in the kustomize tree beside the alerts and
dashboards (kubernetes_monitoring), in a kustomization of their own because inflating charts needs
`kustomize build --enable-helm`, which `kubectl apply -k` does not do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from opsmith.design.model import Design
from opsmith.generate.artifact import Artifact
from opsmith.generate.kubernetes import HEADER, KUSTOMIZE_API, ROOT
from opsmith.generate.kubernetes_meta import comment, to_yaml
from opsmith.generate.monitoring_telemetry import (
    CLUSTER_NAMESPACE,
    alloy_config,
    collector_config,
    on_kubernetes,
    ships_logs_to_loki,
    traces,
)

FOLDER = f"{ROOT}/monitoring/stack"
GENERATOR = "monitoring"
# Loki's retention: a year where the design keeps an audit trail, a month otherwise.
RETENTION_HOURS = {"compliance": 24 * 366}
DEFAULT_RETENTION_HOURS = 24 * 31
_COMMUNITY = "https://grafana-community.github.io/helm-charts"  # Loki's and Tempo's charts since 2026


@dataclass(frozen=True)
class Chart:
    repo: str
    name: str
    version: str
    app: str  # the release of the software the chart version ships


# Exact versions, read from each chart's Chart.yaml in its repository (August 2026).
CHARTS = {
    "loki": Chart(_COMMUNITY, "loki", "18.11.0", "3.7.6"),
    "tempo": Chart(_COMMUNITY, "tempo", "2.2.4", "2.10.8"),
    "alloy": Chart("https://grafana.github.io/helm-charts", "alloy", "1.11.1", "v1.18.1"),
    "otel-collector": Chart(
        "https://open-telemetry.github.io/opentelemetry-helm-charts",
        "opentelemetry-collector",
        "0.170.0",
        "0.158.0",
    ),
}
_SMALL = {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}}
_LOKI_RESOURCES = {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"memory": "2Gi"}}


def wanted(design: Design) -> bool:
    return on_kubernetes(design) and bool(releases(design))


def render(design: Design) -> list[Artifact]:
    if not wanted(design):
        return []
    return [Artifact(f"{FOLDER}/kustomization.yaml", kustomization(design), generator=GENERATOR)]


def releases(design: Design) -> dict[str, dict[str, Any]]:
    """Release name -> the chart's values."""
    out: dict[str, dict[str, Any]] = {}
    if ships_logs_to_loki(design):
        out["loki"] = loki_values(design)
        out["alloy"] = alloy_values(design)
    if design.observability.traces.effective == "opentelemetry-tempo":
        out["tempo"] = tempo_values()
    if traces(design):
        out["otel-collector"] = collector_values(design)
    return out


def kustomization(design: Design) -> str:
    charts = []
    for release, values in releases(design).items():
        chart = CHARTS[release]
        charts.append(
            {
                "name": chart.name,
                "repo": chart.repo,
                "version": chart.version,
                "releaseName": release,
                "namespace": CLUSTER_NAMESPACE,
                "includeCRDs": False,
                "valuesInline": values,
            }
        )
    body = {
        "apiVersion": KUSTOMIZE_API,
        "kind": "Kustomization",
        "namespace": CLUSTER_NAMESPACE,
        "helmCharts": charts,
    }
    installed = ", ".join(f"{CHARTS[r].name} {CHARTS[r].version} ({CHARTS[r].app})" for r in releases(design))
    why = (
        f"{HEADER}\n\n"
        f"The log and trace backends of {design.app}'s cluster, beside kube-prometheus-stack in namespace\n"
        f"`{CLUSTER_NAMESPACE}`: {installed}.\n"
        "Apply once per cluster (inflating charts needs helm on the PATH):\n"
        f"  kustomize build --enable-helm {FOLDER} | kubectl apply --server-side -f -\n"
        "Not run here: neither helm nor the charts' images are available on the machines that test\n"
        "opsmith; the values were checked against the charts' published values schemas where a chart\n"
        "publishes one (Loki, the OpenTelemetry Collector), and for structure otherwise."
    )
    return comment(why) + to_yaml(body)


def loki_values(design: Design) -> dict[str, Any]:
    """One Loki process with its index and chunks on a persistent volume: enough for tens of GB a
    day. Object storage (and the scalable mode) is the next step past that."""
    retention = RETENTION_HOURS.get(design.tier.effective, DEFAULT_RETENTION_HOURS)
    return {
        "deploymentMode": "Monolithic",
        "loki": {
            "auth_enabled": False,  # one tenant: the cluster's own logs
            "commonConfig": {"replication_factor": 1},
            "storage": {"type": "filesystem"},
            "schemaConfig": {
                "configs": [
                    {
                        "from": "2026-01-01",
                        "store": "tsdb",
                        "object_store": "filesystem",
                        "schema": "v13",
                        "index": {"prefix": "loki_index_", "period": "24h"},
                    }
                ]
            },
            "limits_config": {"retention_period": f"{retention}h"},
            "compactor": {"retention_enabled": True, "delete_request_store": "filesystem"},
        },
        "singleBinary": {
            "replicas": 1,
            "persistence": {"enabled": True, "size": "50Gi"},
            "resources": _LOKI_RESOURCES,
        },
        "read": {"replicas": 0},
        "write": {"replicas": 0},
        "backend": {"replicas": 0},
        "chunksCache": {"enabled": False},
        "resultsCache": {"enabled": False},
        "lokiCanary": {"enabled": False},
        "test": {"enabled": False},
        "gateway": {"enabled": True},
    }


def alloy_values(design: Design) -> dict[str, Any]:
    return {
        "alloy": {
            "configMap": {"create": True, "content": alloy_config(design)},
            "resources": _SMALL,
        },
        "controller": {"type": "daemonset"},
    }


def tempo_values() -> dict[str, Any]:
    return {
        "tempo": {
            "retention": "336h",
            "receivers": {
                "otlp": {
                    "protocols": {
                        "grpc": {"endpoint": "0.0.0.0:4317"},
                        "http": {"endpoint": "0.0.0.0:4318"},
                    }
                }
            },
            "resources": _SMALL,
        },
        "persistence": {"enabled": True, "size": "20Gi"},
    }


def collector_values(design: Design) -> dict[str, Any]:
    config = yaml.safe_load(collector_config(design))
    return {
        "mode": "deployment",
        "fullnameOverride": "otel-collector",
        "replicaCount": 2,
        "image": {"repository": "otel/opentelemetry-collector-contrib"},
        # the chart's default pipelines (logs, metrics, Jaeger, Zipkin) are replaced, not merged
        "alternateConfig": config,
        "ports": {
            name: {"enabled": False} for name in ("jaeger-compact", "jaeger-thrift", "jaeger-grpc", "zipkin")
        },
        "resources": _SMALL,
        "podDisruptionBudget": {"enabled": True, "minAvailable": 1},
    }
