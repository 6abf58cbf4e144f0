"""monitoring/managed/: what feeds the design's managed Prometheus, per platform.

- ECS (Amazon Managed Service for Prometheus), Cloud Run (Google Cloud Managed Service for
  Prometheus) and Container Apps (an Azure Monitor workspace): an OpenTelemetry Collector
  sidecar per service that exports metrics. It shares the task's, instance's or replica's
  network, scrapes the app on localhost with the same job and `service` label as
  monitoring/prometheus.yml (so the rule files and dashboards read the same series), and
  remote-writes: signed with SigV4 on AWS, with a managed identity's token on Azure, through
  Google's exporter on GCP.
- EKS: the scrape configuration of an AMP managed scraper (no collector to run).
- GKE: ClusterPodMonitoring objects for the managed collectors GKE runs, and the rule files as
  ClusterRules for its managed rule evaluator.
- AKS: the ama-metrics add-on's settings ConfigMap and a PodMonitor per service.

Where the alerts are evaluated and routed on each platform, and what only a console, the CLI or
Terraform can set, is written in monitoring/managed/README.md (`readme`).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any

from opsmith.design.model import Design, Service
from opsmith.generate.artifact import Artifact, safe_name
from opsmith.generate.kubernetes_meta import COMPONENT, NAME, PART_OF, TEAM, documents, metadata, obj
from opsmith.generate.kubernetes_monitoring import groups_in
from opsmith.generate.kubernetes_rollout import METRICS_PORT
from opsmith.generate.monitoring_rules import rule_files
from opsmith.generate.monitoring_scrape import SCRAPE_INTERVAL, exports
from opsmith.generate.workflow_yaml import dump

FOLDER = "monitoring/managed"
GENERATOR = "monitoring"
HEALTH_PORT = 13133
GMP_API = "monitoring.googleapis.com/v1"
AZURE_MONITOR_API = "azmonitoring.coreos.com/v1"
_NOT_RUN = (
    "Not run here: {tool} is not installed on the machines that test opsmith, so this file was "
    "checked for structure only."
)
_WIDTH = 98


@dataclass(frozen=True)
class Sink:
    """Where a sidecar collector sends what it scrapes: the exporter, the extension that
    authenticates it, the processors it needs, and the collector distribution that has them."""

    distribution: str
    exporter: tuple[str, dict[str, Any]]
    extension: tuple[str, dict[str, Any]] | None
    processors: dict[str, Any]
    injected: str  # what the platform must put in the sidecar's environment


_SINKS: dict[str, Sink] = {
    "aws-ecs-fargate": Sink(
        "ADOT, public.ecr.aws/aws-observability/aws-otel-collector",
        (
            "prometheusremotewrite",
            {"endpoint": "${env:AMP_REMOTE_WRITE_URL}", "auth": {"authenticator": "sigv4auth"}},
        ),
        ("sigv4auth", {"region": "${env:AWS_REGION}", "service": "aps"}),
        {},
        "AMP_REMOTE_WRITE_URL (the workspace's .../api/v1/remote_write) and AWS_REGION; the task role "
        "needs aps:RemoteWrite on the workspace",
    ),
    "gcp-cloud-run": Sink(
        "Google-Built OpenTelemetry Collector, us-docker.pkg.dev/cloud-ops-agents-artifacts/"
        "google-cloud-opentelemetry-collector/otelcol-google",
        ("googlemanagedprometheus", {}),
        None,
        # the exporter names the project and location from the resource the detector fills in
        {"resourcedetection": {"detectors": ["env", "gcp"], "timeout": "10s"}},
        "nothing: the project comes from the metadata server; the service account needs "
        "roles/monitoring.metricWriter",
    ),
    "azure-container-apps": Sink(
        "otelcol-contrib 0.151.0 or later, otel/opentelemetry-collector-contrib (the Azure "
        "authenticator is alpha)",
        (
            "prometheusremotewrite",
            {"endpoint": "${env:AZURE_MONITOR_REMOTE_WRITE_URL}", "auth": {"authenticator": "azure_auth"}},
        ),
        (
            "azure_auth",
            {
                "managed_identity": {"client_id": "${env:AZURE_CLIENT_ID}"},
                "scopes": ["https://monitor.azure.com/.default"],
            },
        ),
        {},
        "AZURE_MONITOR_REMOTE_WRITE_URL (the data collection endpoint's metrics ingestion URL with "
        "the data collection rule's id) and AZURE_CLIENT_ID of a user-assigned identity that holds "
        "Monitoring Metrics Publisher on that rule",
    ),
}


def wanted(design: Design) -> bool:
    return design.observability.metrics.effective == "managed-prometheus"


def render(design: Design) -> list[Artifact]:
    if not wanted(design):
        return []
    platform = design.platform.effective
    scraped = [s for s in design.services if exports(s)]
    files: dict[str, str] = {}
    sink = _SINKS.get(platform)
    if sink is not None:
        files |= {f"collector-{safe_name(s.name)}.yaml": sidecar_config(design, s, sink) for s in scraped}
    elif platform == "aws-eks":
        files["amp-scraper.yaml"] = amp_scraper(design, scraped)
    elif platform == "gcp-gke":
        files["gke-monitoring.yaml"] = gke_objects(design, scraped)
    elif platform == "azure-aks":
        files["aks-monitoring.yaml"] = aks_objects(design, scraped)
    files["README.md"] = readme(design, scraped)
    return [Artifact(f"{FOLDER}/{name}", text, generator=GENERATOR) for name, text in files.items()]


def scrape_job(service: Service, host: str) -> dict[str, Any]:
    """monitoring/prometheus.yml's job for the service, at `host` (localhost from a sidecar)."""
    metrics = service.metrics
    port = (metrics.port if metrics else None) or service.port or 8080
    return {
        "job_name": service.name,
        "scrape_interval": SCRAPE_INTERVAL,
        "metrics_path": (metrics.path if metrics else None) or "/metrics",
        "static_configs": [{"targets": [f"{host}:{port}"], "labels": {"service": service.name}}],
    }


def sidecar_config(design: Design, service: Service, sink: Sink) -> str:
    exporter_name, exporter = sink.exporter
    extensions: dict[str, Any] = {"health_check": {"endpoint": f"0.0.0.0:{HEALTH_PORT}"}}
    if sink.extension is not None:
        extensions[sink.extension[0]] = sink.extension[1]
    processors = {
        # refuse data before the sidecar runs out of memory, rather than crash beside the app
        "memory_limiter": {"check_interval": "1s", "limit_percentage": 80, "spike_limit_percentage": 20},
        **sink.processors,
        "batch": {"send_batch_size": 8192, "timeout": "10s"},
    }
    if exporter_name == "prometheusremotewrite":
        exporter = {**exporter, "external_labels": {"app": design.app}}
    document = {
        "receivers": {"prometheus": {"config": {"scrape_configs": [scrape_job(service, "localhost")]}}},
        "processors": processors,
        "exporters": {exporter_name: exporter},
        "extensions": extensions,
        "service": {
            "extensions": list(extensions),
            "pipelines": {
                "metrics": {
                    "receivers": ["prometheus"],
                    "processors": list(processors),
                    "exporters": [exporter_name],
                }
            },
        },
    }
    header = _wrap(
        f"Generated by opsmith from the approved design (opsmith.yaml): the metrics sidecar of "
        f"{service.name}. It scrapes {service.name} on localhost as monitoring/prometheus.yml does, "
        f"and sends the series to the managed Prometheus with `{exporter_name}`. Run it as a sidecar "
        f"with {sink.distribution}. The platform sets {sink.injected}. Its health_check extension "
        f"answers on :{HEALTH_PORT}.",
        _NOT_RUN.format(tool="the Collector"),
    )
    return dump(document, header)


def amp_scraper(design: Design, services: list[Service]) -> str:
    """An AMP managed scraper finds pods through the cluster's API, keeps each service's pods by
    their name label and metrics port, and labels them as the generated rules expect."""
    jobs = []
    for service in services:
        job = scrape_job(service, "pod")
        del job["static_configs"]
        port = (service.metrics.port if service.metrics else None) or service.port or 8080
        job["kubernetes_sd_configs"] = [{"role": "pod"}]
        job["relabel_configs"] = [
            {
                "source_labels": ["__meta_kubernetes_pod_label_app_kubernetes_io_name"],
                "regex": service.name,
                "action": "keep",
            },
            {
                "source_labels": ["__meta_kubernetes_pod_container_port_number"],
                "regex": str(port),
                "action": "keep",
            },
            {"target_label": "service", "replacement": service.name},
            {"source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace"},
            {"source_labels": ["__meta_kubernetes_pod_name"], "target_label": "pod"},
        ]
        jobs.append(job)
    header = "\n".join(
        [
            "Generated by opsmith from the approved design (opsmith.yaml): the scrape configuration of an",
            "Amazon Managed Service for Prometheus managed scraper for the EKS cluster. Create it with",
            "  aws amp create-scraper --source eksConfiguration={clusterArn=...,subnetIds=[...]} \\",
            "    --destination ampConfiguration={workspaceArn=...} \\",
            "    --scrape-configuration configurationBlob=$(base64 -w0 monitoring/managed/amp-scraper.yaml)",
            "and give the scraper's role read access to pods (see monitoring/managed/README.md).",
            "Not run here: promtool on these machines is built without Kubernetes discovery, so this file",
            "was checked for structure only.",
        ]
    )
    return dump({"global": {"scrape_interval": SCRAPE_INTERVAL}, "scrape_configs": jobs}, header)


def _labels(design: Design, name: str) -> dict[str, str]:
    return {NAME: name, PART_OF: design.app, COMPONENT: "monitoring", TEAM: design.team or design.app}


def gke_objects(design: Design, services: list[Service]) -> str:
    docs: list[tuple[str, dict[str, Any]]] = []
    for service in services:
        name = f"{design.app}-{safe_name(service.name)}"
        endpoint = scrape_job(service, "pod")
        docs.append(
            (
                f"GKE's managed collectors scrape {service.name}'s pods in every namespace.",
                obj(
                    GMP_API,
                    "ClusterPodMonitoring",
                    metadata(name, _labels(design, name)),
                    spec={
                        "selector": {"matchLabels": {NAME: service.name}},
                        "endpoints": [
                            {
                                "port": _metrics_port(service),
                                "path": endpoint["metrics_path"],
                                "interval": SCRAPE_INTERVAL,
                            }
                        ],
                        # the label the generated alerts and dashboards select the service by
                        "targetLabels": {"fromPod": [{"from": NAME, "to": "service"}]},
                    },
                ),
            )
        )
    for rules in rule_files(design):
        name = f"{design.app}-{rules.stem}"
        groups = groups_in(rules, FOLDER)
        for group in groups:
            group["interval"] = "30s"
        docs.append(
            (
                f"{rules.title} The groups of monitoring/rules/{rules.stem}.yml, for GKE's managed rule "
                "evaluator.",
                obj(GMP_API, "ClusterRules", metadata(name, _labels(design, name)), spec={"groups": groups}),
            )
        )
    header = (
        "Generated by opsmith from the approved design (opsmith.yaml): Google Cloud Managed Service for\n"
        "Prometheus on GKE (managed collection enabled on the cluster). Apply once per cluster:\n"
        "  kubectl apply -f monitoring/managed/gke-monitoring.yaml"
    )
    return documents(header, docs)


def aks_objects(design: Design, services: list[Service]) -> str:
    settings = {
        "schema-version": "v1",
        "config-version": "opsmith",
        "prometheus-collector-settings": f'cluster_alias = "{design.app}"',
        # the add-on's own targets: nodes, cAdvisor and kube-state-metrics feed the platform alerts
        "default-scrape-settings-enabled": "\n".join(
            f"{target} = {str(on).lower()}"
            for target, on in (
                ("kubelet", True),
                ("coredns", False),
                ("cadvisor", True),
                ("kubeproxy", False),
                ("apiserver", False),
                ("kubestate", True),
                ("nodeexporter", True),
            )
        ),
        # services are scraped through their PodMonitors below, not through annotations
        "pod-annotation-based-scraping": 'podannotationnamespaceregex = ""',
    }
    name = "ama-metrics-settings-configmap"
    config_map = obj("v1", "ConfigMap", {**metadata(name, _labels(design, name)), "namespace": "kube-system"})
    config_map["data"] = settings
    docs: list[tuple[str, dict[str, Any]]] = [
        ("The ama-metrics add-on reads this name in kube-system and restarts within minutes.", config_map)
    ]
    for service in services:
        name = f"{design.app}-{safe_name(service.name)}"
        endpoint = scrape_job(service, "pod")
        monitor = obj(
            AZURE_MONITOR_API,
            "PodMonitor",
            {**metadata(name, _labels(design, name)), "namespace": "kube-system"},
            spec={
                "namespaceSelector": {"any": True},
                "selector": {"matchLabels": {NAME: service.name}},
                "podMetricsEndpoints": [
                    {
                        "port": _metrics_port(service),
                        "path": endpoint["metrics_path"],
                        "interval": SCRAPE_INTERVAL,
                        "relabelings": [{"targetLabel": "service", "replacement": service.name}],
                    }
                ],
            },
        )
        docs.append((f"The add-on scrapes {service.name}'s pods in every namespace.", monitor))
    header = (
        "Generated by opsmith from the approved design (opsmith.yaml): Azure Monitor managed Prometheus\n"
        "on AKS (the metrics add-on enabled on the cluster). Apply once per cluster:\n"
        "  kubectl apply -f monitoring/managed/aks-monitoring.yaml"
    )
    return documents(header, docs)


def _metrics_port(service: Service) -> str:
    """The container port's name the Kubernetes generator gives the metrics (or the app's) port."""
    return METRICS_PORT if service.metrics and service.metrics.port else "http"


_AMP_RULES = (
    "Alerts: load each rule file into the workspace (`aws amp create-rule-groups-namespace "
    "--workspace-id <id> --name <stem> --data fileb://monitoring/rules/<stem>.yml`). AMP's "
    "alert manager sends to Amazon SNS only, so monitoring/alertmanager.yml does not load there "
    "as it is: its route tree and inhibition carry over into `aws amp create-alert-manager-definition`, "
    "and each receiver becomes an SNS topic that PagerDuty, chat or the heartbeat service "
    "subscribes to."
)
_AZURE_RULES = (
    "Alerts: Azure Monitor evaluates Prometheus rule groups, which are Azure resources "
    "(Microsoft.AlertsManagement/prometheusRuleGroups): convert each rule file with Microsoft's "
    "az-prom-rules-converter, or declare them in Terraform. They notify through action groups, "
    "not through monitoring/alertmanager.yml."
)
_WHERE_RULES = {
    "aws-ecs-fargate": _AMP_RULES,
    "aws-eks": _AMP_RULES,
    "gcp-gke": (
        "Alerts: the ClusterRules in gke-monitoring.yaml are evaluated by GKE's managed rule "
        "evaluator, which sends to the managed Alertmanager: give it monitoring/alertmanager.yml as "
        "the `alertmanager` Secret of namespace gmp-public."
    ),
    "gcp-cloud-run": (
        "Alerts: Cloud Run has no rule evaluator of its own. The PromQL of monitoring/rules becomes "
        "Cloud Monitoring alerting policies with PromQL conditions (Terraform or the console), which "
        "notify through notification channels, not through monitoring/alertmanager.yml."
    ),
    "azure-container-apps": _AZURE_RULES,
    "azure-aks": _AZURE_RULES,
}
_NOT_BY_FILE = {
    "aws-ecs-fargate": (
        "The sidecar container itself is part of each task definition (Terraform's service module): "
        "its image, this file as its configuration (an SSM parameter, AOT_CONFIG_CONTENT) and a "
        "`/healthcheck` container health check.",
        "ECS's own metrics (CPU, memory, task counts) go to CloudWatch Container Insights, switched "
        "on per cluster, not by a file.",
    ),
    "gcp-cloud-run": (
        "The sidecar is a second container of each Cloud Run service (Terraform or `gcloud run "
        "deploy --container`), with this file mounted from Secret Manager; the service needs CPU "
        "always allocated, or scrapes between requests are throttled.",
        "Cloud Run's own request and instance metrics reach Cloud Monitoring with no configuration.",
    ),
    "azure-container-apps": (
        "Azure Monitor managed Prometheus scrapes Kubernetes clusters only: Container Apps offer no "
        "managed scraping of an app's /metrics. The collector above runs as a sidecar container of "
        "each app (Terraform's service module), with this file as a secret volume.",
        "The environment's managed OpenTelemetry agent is set through the CLI or ARM (`az containerapp "
        "env telemetry`), not by a file, and cannot write to an Azure Monitor workspace.",
        "Container Apps' own metrics (requests, replicas, CPU, memory) reach Azure Monitor metrics "
        "with no configuration.",
    ),
    "aws-eks": (
        "The scraper is created with the AWS CLI or Terraform (aws_prometheus_scraper), not by "
        "applying a file to the cluster; the cluster must grant its role read access to pods.",
    ),
    "gcp-gke": ("Managed collection is switched on per cluster (Terraform or gcloud), not by a file.",),
    "azure-aks": (
        "The metrics add-on, its Azure Monitor workspace and the data collection rule are created "
        "with the cluster (Terraform or `az aks update --enable-azure-monitor-metrics`).",
    ),
}


def readme(design: Design, scraped: list[Service]) -> str:
    platform = design.platform.effective
    lines = [
        f"# Managed Prometheus for {design.app}",
        "",
        "Generated by opsmith from the approved design (opsmith.yaml). The design sends metrics to a",
        f"managed Prometheus on {platform}; the files here feed it with the same series, labels and",
        "jobs as monitoring/prometheus.yml, so the rule files and dashboards work unchanged.",
        "",
    ]
    if platform not in _WHERE_RULES:
        lines += [
            f"opsmith knows no managed Prometheus collector for {platform}: run the scrape jobs of",
            "monitoring/prometheus.yml in a Prometheus agent that remote-writes to it.",
            "",
        ]
        return "\n".join(lines)
    if scraped:
        lines.append("Services scraped: " + ", ".join(f"`{s.name}`" for s in scraped) + ".")
    missing = [s.name for s in design.services if not exports(s)]
    if missing:
        lines.append(
            "Not scraped yet, because they export no metrics: "
            + ", ".join(f"`{m}`" for m in missing)
            + " (see monitoring/README.md)."
        )
    lines += ["", _wrap(_WHERE_RULES[platform]), "", "## What no file here can set", ""]
    lines += [_wrap(item, prefix="- ") for item in _NOT_BY_FILE[platform]]
    lines += [
        "",
        "Not run here: neither the collectors nor the managed services can run on the machines that",
        "test opsmith; the files were checked for structure and the rule files with promtool.",
        "",
    ]
    return "\n".join(lines)


def _wrap(*paragraphs: str, prefix: str = "") -> str:
    """Paragraphs filled to the width of the other generated files (a bullet's lines indented)."""
    indent = " " * len(prefix)
    return "\n".join(
        textwrap.fill(p, _WIDTH, initial_indent=prefix, subsequent_indent=indent, break_on_hyphens=False)
        for p in paragraphs
    )
