"""Logs and traces: the OpenTelemetry Collector's configuration (OTLP in, batched, traces out to
the design's backend), the Grafana Alloy configuration that ships container logs to Loki on
servers and Kubernetes, and the `OTEL_*` environment that points each service's SDK at the
collector.

Neither the Collector nor Alloy can be installed on the machines that test opsmith: their
configurations are checked for structure by the tests and say so in their headers.
"""

from __future__ import annotations

from typing import Any

from opsmith.design.model import Design, Service
from opsmith.generate.artifact import Artifact
from opsmith.generate.options import KUBERNETES_ORCHESTRATIONS
from opsmith.generate.workflow_yaml import dump

COLLECTOR_CONFIG = "monitoring/otel-collector.yaml"
ALLOY_CONFIG = "monitoring/alloy/config.alloy"
GENERATOR = "monitoring"
CLUSTER_NAMESPACE = "monitoring"  # where kube-prometheus-stack, Loki, Tempo and the collector run
OTLP_HTTP_PORT = 4318
HEALTH_PORT = 13133
_NOT_RUN = (
    "Not run here: {tool} is not installed on the machines that test opsmith, so this file was\n"
    "checked for structure only. Check it before deploying it:\n  {check}"
)

# Per trace backend: the collector's exporter (name, settings) and the distribution that has it.
_EXPORTERS: dict[str, tuple[str, dict[str, Any]]] = {
    "opentelemetry-tempo": ("otlp/tempo", {"endpoint": "{tempo}:4317", "tls": {"insecure": True}}),
    "opentelemetry-xray": ("awsxray", {"region": "${env:AWS_REGION}"}),
    "opentelemetry-cloud-trace": ("googlecloud", {"project": "${env:GOOGLE_CLOUD_PROJECT}"}),
    "opentelemetry-azure-monitor": (
        "azuremonitor",
        {"connection_string": "${env:APPLICATIONINSIGHTS_CONNECTION_STRING}"},
    ),
}


def on_kubernetes(design: Design) -> bool:
    return design.orchestration.effective in KUBERNETES_ORCHESTRATIONS


def traces(design: Design) -> bool:
    return design.observability.traces.effective in _EXPORTERS


def ships_logs_to_loki(design: Design) -> bool:
    """Alloy runs where opsmith runs the hosts or the cluster and the design sends logs to Loki."""
    return design.observability.logs.effective == "loki" and (
        on_kubernetes(design) or design.orchestration.effective == "compose"
    )


def collector_host(design: Design) -> str:
    if on_kubernetes(design):
        return f"otel-collector.{CLUSTER_NAMESPACE}.svc"
    return "otel-collector"


def _otel(design: Design, service: Service, attributes: str) -> dict[str, str]:
    return {
        "OTEL_SERVICE_NAME": service.name,
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://{collector_host(design)}:{OTLP_HTTP_PORT}",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_RESOURCE_ATTRIBUTES": f"service.namespace={design.app},{attributes}",
    }


def compose_environment(design: Design, service: Service) -> dict[str, str]:
    """What a service's OpenTelemetry SDK reads in compose.yaml: the collector of
    compose.monitoring.yaml (none when the design collects no traces or runs elsewhere)."""
    if not traces(design) or design.orchestration.effective != "compose":
        return {}
    return _otel(design, service, "deployment.environment.name=${DEPLOYMENT_ENVIRONMENT:-production}")


def kubernetes_environment(design: Design, service: Service) -> list[dict[str, Any]]:
    """The same for a pod: the namespace (one per environment) comes from the downward API, and
    Kubernetes expands `$(POD_NAMESPACE)` in the variables after it."""
    if not traces(design) or not on_kubernetes(design):
        return []
    namespace = {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}}
    otel = _otel(design, service, "k8s.namespace.name=$(POD_NAMESPACE)")
    return [namespace, *({"name": k, "value": v} for k, v in otel.items())]


def render(design: Design) -> list[Artifact]:
    out: list[Artifact] = []
    if traces(design):
        out.append(Artifact(COLLECTOR_CONFIG, collector_config(design), generator=GENERATOR))
    if ships_logs_to_loki(design):
        out.append(Artifact(ALLOY_CONFIG, alloy_config(design), generator=GENERATOR))
    return out


def collector_config(design: Design) -> str:
    backend = design.observability.traces.effective
    name, settings = _EXPORTERS[backend]
    tempo = f"tempo.{CLUSTER_NAMESPACE}.svc" if on_kubernetes(design) else "tempo"
    exporter = {
        k: (v.format(tempo=tempo) if isinstance(v, str) and "{tempo}" in v else v)
        for k, v in settings.items()
    }
    document: dict[str, Any] = {
        "receivers": {
            "otlp": {
                "protocols": {
                    "grpc": {"endpoint": "0.0.0.0:4317"},
                    "http": {"endpoint": f"0.0.0.0:{OTLP_HTTP_PORT}"},
                }
            }
        },
        "processors": {
            # refuse data before the process runs out of memory, rather than crash and lose it all
            "memory_limiter": {"check_interval": "1s", "limit_percentage": 80, "spike_limit_percentage": 20},
            "batch": {"send_batch_size": 8192, "timeout": "5s"},
        },
        "exporters": {name: exporter},
        "extensions": {"health_check": {"endpoint": f"0.0.0.0:{HEALTH_PORT}"}},
        "service": {
            "extensions": ["health_check"],
            "pipelines": {
                "traces": {
                    "receivers": ["otlp"],
                    "processors": ["memory_limiter", "batch"],
                    "exporters": [name],
                }
            },
        },
    }
    distribution = "ADOT (aws-otel-collector)" if backend == "opentelemetry-xray" else "otelcol-contrib"
    header = "\n".join(
        [
            "Generated by opsmith from the approved design (opsmith.yaml). The OpenTelemetry Collector:",
            "services send traces over OTLP (gRPC 4317, HTTP 4318); they are batched and exported to",
            f"{backend.removeprefix('opentelemetry-')} by `{name}`, which {distribution} includes.",
            _deployed_by(design, "the Collector's chart"),
            _NOT_RUN.format(
                tool="the Collector", check=f"otelcol-contrib validate --config={COLLECTOR_CONFIG}"
            ),
        ]
    )
    return dump(document, header)


def alloy_config(design: Design) -> str:
    kubernetes = on_kubernetes(design)
    loki = (
        f"http://loki-gateway.{CLUSTER_NAMESPACE}.svc/loki/api/v1/push"
        if kubernetes
        else "http://loki:3100/loki/api/v1/push"
    )
    header = [
        "// Generated by opsmith from the approved design (opsmith.yaml). Grafana Alloy ships every",
        "// container's output to Loki, labelled with its service (Promtail reached end of life).",
        *(
            f"// {line}"
            for line in [
                *_deployed_by(design, "Alloy's chart (a DaemonSet)").splitlines(),
                *_NOT_RUN.format(tool="Alloy", check=f"alloy fmt {ALLOY_CONFIG}").splitlines(),
            ]
        ),
        "",
    ]
    body = _kubernetes_logs() if kubernetes else _docker_logs()
    writer = [
        'loki.write "loki" {',
        "  endpoint {",
        f'    url = "{loki}"',
        "  }",
        f'  external_labels = {{ app = "{design.app}" }}',
        "}",
        "",
    ]
    return "\n".join([*header, *body, *writer])


def _deployed_by(design: Design, chart: str) -> str:
    if on_kubernetes(design):
        return (
            f"In the cluster: k8s/monitoring/stack/kustomization.yaml installs {chart}\n"
            f"in namespace `{CLUSTER_NAMESPACE}` with this file as its configuration, beside Loki and Tempo."
        )
    return "On the server: compose.monitoring.yaml runs it with this file."


def _docker_logs() -> list[str]:
    return [
        'discovery.docker "containers" {',
        '  host = "unix:///var/run/docker.sock"',
        "}",
        "",
        'discovery.relabel "containers" {',
        "  targets = []",
        "",
        "  rule {",
        '    source_labels = ["__meta_docker_container_label_com_docker_compose_service"]',
        '    target_label  = "service"',
        "  }",
        "  rule {",
        '    source_labels = ["__meta_docker_container_name"]',
        '    regex         = "/(.*)"',
        '    target_label  = "container"',
        "  }",
        "}",
        "",
        'loki.source.docker "containers" {',
        '  host          = "unix:///var/run/docker.sock"',
        "  targets       = discovery.docker.containers.targets",
        "  relabel_rules = discovery.relabel.containers.rules",
        "  forward_to    = [loki.write.loki.receiver]",
        "}",
        "",
    ]


def _kubernetes_logs() -> list[str]:
    rules = [
        ("__meta_kubernetes_namespace", "namespace"),
        ("__meta_kubernetes_pod_name", "pod"),
        ("__meta_kubernetes_pod_container_name", "container"),
        ("__meta_kubernetes_pod_label_app_kubernetes_io_name", "service"),
    ]
    lines = [
        'discovery.kubernetes "pods" {',
        '  role = "pod"',
        "  // each Alloy of the DaemonSet tails its own node's pods, or every line ships once per node",
        "  selectors {",
        '    role  = "pod"',
        '    field = "spec.nodeName=" + coalesce(sys.env("HOSTNAME"), constants.hostname)',
        "  }",
        "}",
        "",
        'discovery.relabel "pods" {',
        "  targets = discovery.kubernetes.pods.targets",
        "",
    ]
    for source, target in rules:
        lines += [
            "  rule {",
            f'    source_labels = ["{source}"]',
            f'    target_label  = "{target}"',
            "  }",
        ]
    lines += [
        "}",
        "",
        'loki.source.kubernetes "pods" {',
        "  targets    = discovery.relabel.pods.output",
        "  forward_to = [loki.write.loki.receiver]",
        "}",
        "",
    ]
    return lines
