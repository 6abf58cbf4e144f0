"""compose.monitoring.yaml: the whole monitoring stack beside the app on one server, started with
`docker compose -f compose.yaml -f compose.monitoring.yaml up -d`: Prometheus, Alertmanager,
Grafana, Loki and Alloy (when logs go to Loki), the OpenTelemetry Collector and Tempo (when traces
go to Tempo), node exporter and cAdvisor on a server of the design's own, and a Pushgateway for
the timestamps of critical crons. Every image is
pinned to an exact release, every service is health-checked where its image has something to
check with, and UIs listen on 127.0.0.1 only.
"""

from __future__ import annotations

from typing import Any

from opsmith.design.model import Design
from opsmith.generate import monitoring_jobs
from opsmith.generate.artifact import Artifact
from opsmith.generate.monitoring_alertmanager import SECRETS
from opsmith.generate.monitoring_grafana import DASHBOARDS, DASHBOARDS_MOUNT, GRAFANA
from opsmith.generate.monitoring_rules import hosts_are_ours
from opsmith.generate.monitoring_telemetry import (
    ALLOY_CONFIG,
    COLLECTOR_CONFIG,
    HEALTH_PORT,
    ships_logs_to_loki,
    traces,
)
from opsmith.generate.workflow_yaml import Note, dump

PATH = "compose.monitoring.yaml"
TEMPO_CONFIG = "monitoring/tempo.yaml"
GENERATOR = "monitoring"
# Exact releases; bump them together and re-run the checks in monitoring/README.md.
IMAGES = {
    "prometheus": "prom/prometheus:v3.5.0",
    "alertmanager": "prom/alertmanager:v0.28.1",
    "grafana": "grafana/grafana:12.2.0",
    "loki": "grafana/loki:3.5.1",
    "alloy": "grafana/alloy:v1.10.0",
    "otel-collector": "otel/opentelemetry-collector-contrib:0.129.1",
    "tempo": "grafana/tempo:2.9.0",
    "node-exporter": "prom/node-exporter:v1.9.1",
    "cadvisor": "gcr.io/cadvisor/cadvisor:v0.52.1",
    "pushgateway": "prom/pushgateway:v1.11.1",
}
_NOT_RUN = (
    "Not run here: Grafana, Loki, Alloy, Tempo and the Collector are not installed on the machines that\n"
    "test opsmith, so their parts of this file were checked for structure only."
)


def wanted(design: Design) -> bool:
    """Self-run monitoring on a server of the design's own (the hobby tier's compose)."""
    return (
        design.orchestration.effective == "compose"
        and design.observability.metrics.effective == "prometheus-grafana"
    )


def render(design: Design) -> list[Artifact]:
    if not wanted(design):
        return []
    out = [Artifact(PATH, render_stack(design), generator=GENERATOR)]
    if design.observability.traces.effective == "opentelemetry-tempo":
        out.append(Artifact(TEMPO_CONFIG, tempo_config(), generator=GENERATOR))
    return out


def _http_check(url: str) -> dict[str, Any]:
    """A probe with the busybox wget these images carry."""
    return {
        "test": ["CMD", "wget", "-q", "-O", "/dev/null", url],
        "interval": "15s",
        "timeout": "5s",
        "retries": 5,
        "start_period": "30s",
    }


def _service(image: str, **body: Any) -> dict[str, Any]:
    return {
        "image": IMAGES[image],
        "restart": "unless-stopped",
        **body,
        "deploy": {"resources": {"limits": {"cpus": "0.5", "memory": "512M"}}},
    }


def render_stack(design: Design) -> str:
    services: dict[str, Any] = {
        "prometheus": _service(
            "prometheus",
            command=[
                "--config.file=/etc/prometheus/prometheus.yml",
                "--storage.tsdb.path=/prometheus",
                "--storage.tsdb.retention.time=30d",
            ],
            volumes=[
                "./monitoring/prometheus.yml:/etc/prometheus/prometheus.yml:ro",
                "./monitoring/rules:/etc/prometheus/rules:ro",
                "prometheus-data:/prometheus",
            ],
            ports=["127.0.0.1:9090:9090"],
            healthcheck=_http_check("http://127.0.0.1:9090/-/ready"),
        ),
        "alertmanager": _service(
            "alertmanager",
            command=["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"],
            volumes=[
                "./monitoring/alertmanager.yml:/etc/alertmanager/alertmanager.yml:ro",
                Note(
                    f"./monitoring/secrets:{SECRETS}:ro",
                    "The receivers' credentials: keep this folder out of git.",
                ),
                "alertmanager-data:/alertmanager",
            ],
            ports=["127.0.0.1:9093:9093"],
            healthcheck=_http_check("http://127.0.0.1:9093/-/ready"),
        ),
        "grafana": _service(
            "grafana",
            environment={
                "GF_SECURITY_ADMIN_PASSWORD": "${GRAFANA_ADMIN_PASSWORD:?set GRAFANA_ADMIN_PASSWORD in .env}",
                "GF_AUTH_ANONYMOUS_ENABLED": "false",
                "GF_ANALYTICS_REPORTING_ENABLED": "false",
            },
            volumes=[
                f"./{GRAFANA}/provisioning:/etc/grafana/provisioning:ro",
                f"./{DASHBOARDS}:{DASHBOARDS_MOUNT}:ro",
                "grafana-data:/var/lib/grafana",
            ],
            ports=["127.0.0.1:3001:3000"],
            depends_on={"prometheus": {"condition": "service_healthy"}},
            healthcheck=_http_check("http://127.0.0.1:3000/api/health"),
        ),
    }
    if hosts_are_ours(design):  # a server of our own: its exporters, which prometheus.yml scrapes
        services |= _host_agents()
    if monitoring_jobs.pushes(design):
        services["pushgateway"] = _service(
            "pushgateway",
            command=["--persistence.file=/data/pushgateway", "--persistence.interval=1m"],
            volumes=["pushgateway-data:/data"],
            ports=["127.0.0.1:9091:9091"],
            healthcheck=_http_check("http://127.0.0.1:9091/-/ready"),
        )
    volumes: dict[str, Any] = {"prometheus-data": {}, "alertmanager-data": {}, "grafana-data": {}}
    if "pushgateway" in services:  # a restart must not forget when each cron last succeeded
        volumes["pushgateway-data"] = {}
    if ships_logs_to_loki(design):
        services["loki"] = _service(
            "loki",
            command=["-config.file=/etc/loki/local-config.yaml"],
            volumes=["loki-data:/loki"],
            ports=["127.0.0.1:3100:3100"],
            healthcheck=_http_check("http://127.0.0.1:3100/ready"),
        )
        services["alloy"] = _service(
            "alloy",
            command=[
                "run",
                "--server.http.listen-addr=0.0.0.0:12345",
                "--storage.path=/var/lib/alloy/data",
                "/etc/alloy/config.alloy",
            ],
            volumes=[
                f"./{ALLOY_CONFIG}:/etc/alloy/config.alloy:ro",
                "/var/run/docker.sock:/var/run/docker.sock:ro",
                "alloy-data:/var/lib/alloy/data",
            ],
            depends_on={"loki": {"condition": "service_healthy"}},
            healthcheck=Note(
                _bash_check(12345, "/-/ready"), "The image has bash but no HTTP client: bash's /dev/tcp asks."
            ),
        )
        volumes |= {"loki-data": {}, "alloy-data": {}}
    if traces(design):
        services["otel-collector"] = _collector(design)
    if design.observability.traces.effective == "opentelemetry-tempo":
        services["tempo"] = _service(
            "tempo",
            command=["-config.file=/etc/tempo.yaml"],
            volumes=[f"./{TEMPO_CONFIG}:/etc/tempo.yaml:ro", "tempo-data:/var/tempo"],
            healthcheck=_http_check("http://127.0.0.1:3200/ready"),
        )
        volumes["tempo-data"] = {}
    header = "\n".join(
        [
            "Generated by opsmith from the approved design (opsmith.yaml): the monitoring beside the app.",
            "Start both with: docker compose -f compose.yaml -f compose.monitoring.yaml up -d",
            "Grafana: http://127.0.0.1:3001 (admin, GRAFANA_ADMIN_PASSWORD); Prometheus: http://127.0.0.1:9090.",
            f"Alertmanager reads its receivers' credentials from monitoring/secrets/ (see {SECRETS}",
            "in monitoring/alertmanager.yml).",
            _NOT_RUN,
        ]
    )
    return dump({"services": services, "volumes": volumes}, header)


def _host_agents() -> dict[str, Any]:
    return {
        "node-exporter": _service(
            "node-exporter",
            command=["--path.rootfs=/host"],
            pid="host",
            volumes=["/:/host:ro,rslave"],
            healthcheck=_http_check("http://127.0.0.1:9100/metrics"),
        ),
        "cadvisor": Note(
            _service(
                "cadvisor",
                volumes=[
                    "/:/rootfs:ro",
                    "/var/run/docker.sock:/var/run/docker.sock:ro",
                    "/sys:/sys:ro",
                    "/var/lib/docker/:/var/lib/docker:ro",
                ],
                devices=["/dev/kmsg"],
                healthcheck=_http_check("http://127.0.0.1:8080/healthz"),
            ),
            "Reads the containers' cgroups and names them through the Docker socket: a host agent.",
        ),
    }


def _collector(design: Design) -> Note:
    body = _service(
        "otel-collector",
        command=["--config=/etc/otelcol-contrib/config.yaml"],
        volumes=[f"./{COLLECTOR_CONFIG}:/etc/otelcol-contrib/config.yaml:ro"],
    )
    if design.observability.traces.effective == "opentelemetry-tempo":
        body["depends_on"] = {"tempo": {"condition": "service_healthy"}}
    return Note(
        body,
        f"Its health_check extension answers on :{HEALTH_PORT}, for a probe from outside the container:\n"
        "opsmith: ignore[DC002] the image is built FROM scratch, nothing inside it can run a probe",
    )


def _bash_check(port: int, path: str) -> dict[str, Any]:
    request = f"printf 'GET {path} HTTP/1.0\\r\\n\\r\\n' >&3"
    return {
        "test": [
            "CMD",
            "bash",
            "-c",
            f"exec 3<>/dev/tcp/127.0.0.1/{port} && {request} && grep -q ' 200 ' <&3",
        ],
        "interval": "15s",
        "timeout": "5s",
        "retries": 5,
        "start_period": "30s",
    }


def tempo_config() -> str:
    document = {
        "server": {"http_listen_port": 3200},
        "distributor": {"receivers": {"otlp": {"protocols": {"grpc": {"endpoint": "0.0.0.0:4317"}}}}},
        "storage": {
            "trace": {
                "backend": "local",
                "local": {"path": "/var/tempo/traces"},
                "wal": {"path": "/var/tempo/wal"},
            }
        },
    }
    return dump(
        document,
        "Generated by opsmith from the approved design (opsmith.yaml): Tempo keeping traces on the\n"
        "server's disk. Not run here: Tempo is not installed on the machines that test opsmith.",
    )
