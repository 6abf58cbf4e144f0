"""monitoring/managed/: what feeds a managed Prometheus on ECS, Cloud Run, Container Apps, EKS, GKE
and AKS. None of the collectors or managed services can run here, so the checks are structural:
each sidecar scrapes what monitoring/prometheus.yml scrapes and every pipeline reference resolves,
the cluster objects select the services' pods and label them as the alerts expect, the GKE rules
are the rule files' own, opsmith's audit finds nothing, and the README says what no file can set."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from generate.monitoring_designs import _facts, example_design, with_metrics, write_monitoring
from helpers import audit_tree
from opsmith.config import Config
from opsmith.design.decide import Needs, decide
from opsmith.design.model import Design
from opsmith.findings import Severity
from opsmith.generate.monitoring_managed import FOLDER

# platform -> (how its design is made, the exporter its sidecar uses or None for cluster files)
PLATFORMS: dict[str, tuple[str, str | None]] = {
    "aws-ecs-fargate": ("startup-aws", "prometheusremotewrite"),
    "gcp-cloud-run": ("startup-gcp", "googlemanagedprometheus"),
    "azure-container-apps": ("startup-azure", "prometheusremotewrite"),
    "aws-eks": ("growth-aws", None),
    "gcp-gke": ("enterprise-gcp", None),
    "azure-aks": ("growth-azure", None),
}


def _managed(platform: str) -> Design:
    tier_cloud, _ = PLATFORMS[platform]
    tier, cloud = tier_cloud.split("-")
    users = {"startup": 5000, "growth": 200_000, "enterprise": 2_000_000}[tier]
    design = decide(_facts("shop"), Needs(users=users, cloud=cloud))  # type: ignore[arg-type]
    data = with_metrics(design, "shop-api", 9464, "/metrics").model_dump(mode="json")
    if data["observability"]["metrics"]["value"] != "managed-prometheus":  # clusters: a person chose it
        data["observability"]["metrics"]["override"] = {"value": "managed-prometheus", "reason": "a test"}
    managed = Design.model_validate(data)
    assert managed.platform.effective == platform
    return managed


def _prometheus_jobs(root: Path) -> dict[str, dict[str, Any]]:
    config = yaml.safe_load((root / "monitoring" / "prometheus.yml").read_text())
    return {job["job_name"]: job for job in config["scrape_configs"]}


@pytest.mark.parametrize("platform", [p for p, (_, e) in PLATFORMS.items() if e is not None])
def test_each_exporting_service_gets_a_sidecar_that_scrapes_it_as_prometheus_yml_does(
    tmp_path: Path, platform: str
) -> None:
    root = write_monitoring(_managed(platform), tmp_path)
    path = root / FOLDER / "collector-shop-api.yaml"
    config = yaml.safe_load(path.read_text())
    assert not (root / FOLDER / "collector-worker.yaml").exists()  # the worker exports nothing
    (job,) = config["receivers"]["prometheus"]["config"]["scrape_configs"]
    reference = _prometheus_jobs(root)["shop-api"]
    assert job["job_name"] == reference["job_name"] and job["metrics_path"] == reference["metrics_path"]
    assert job["static_configs"][0]["labels"] == reference["static_configs"][0]["labels"]
    (target,) = job["static_configs"][0]["targets"]
    assert target == "localhost:" + reference["static_configs"][0]["targets"][0].split(":")[1]
    metrics = config["service"]["pipelines"]["metrics"]
    assert metrics["exporters"] == [PLATFORMS[platform][1]]
    for section in ("receivers", "processors", "exporters"):
        assert set(metrics[section]) <= set(config[section]), section
    assert metrics["processors"][0] == "memory_limiter" and metrics["processors"][-1] == "batch"
    assert set(config["service"]["extensions"]) == set(config["extensions"])
    exporter = config["exporters"][metrics["exporters"][0]]
    authenticator = exporter.get("auth", {}).get("authenticator")
    assert authenticator is None or authenticator in config["service"]["extensions"]
    # secrets and endpoints come from the platform's environment, never the file
    assert all(str(v).startswith("${env:") for k, v in exporter.items() if k == "endpoint")
    assert "Not run here" in path.read_text()


def test_ecs_signs_with_sigv4_and_azure_with_a_managed_identity(tmp_path: Path) -> None:
    ecs = yaml.safe_load(
        (
            write_monitoring(_managed("aws-ecs-fargate"), tmp_path / "a") / FOLDER / "collector-shop-api.yaml"
        ).read_text()
    )
    assert ecs["extensions"]["sigv4auth"]["service"] == "aps"
    azure = yaml.safe_load(
        (
            write_monitoring(_managed("azure-container-apps"), tmp_path / "b")
            / FOLDER
            / "collector-shop-api.yaml"
        ).read_text()
    )
    assert azure["extensions"]["azure_auth"]["scopes"] == ["https://monitor.azure.com/.default"]


def test_eks_gets_a_managed_scraper_that_keeps_the_services_pods(tmp_path: Path) -> None:
    root = write_monitoring(_managed("aws-eks"), tmp_path)
    config = yaml.safe_load((root / FOLDER / "amp-scraper.yaml").read_text())
    (job,) = config["scrape_configs"]
    keeps = {
        tuple(r["source_labels"]): r["regex"] for r in job["relabel_configs"] if r.get("action") == "keep"
    }
    assert keeps[("__meta_kubernetes_pod_label_app_kubernetes_io_name",)] == "shop-api"
    assert keeps[("__meta_kubernetes_pod_container_port_number",)] == "9464"
    assert {"target_label": "service", "replacement": "shop-api"} in job["relabel_configs"]


def _objects(root: Path, name: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((root / FOLDER / name).read_text()) if d]


def test_gke_monitors_the_pods_and_evaluates_the_rule_files_own_groups(tmp_path: Path) -> None:
    root = write_monitoring(_managed("gcp-gke"), tmp_path)
    objects = _objects(root, "gke-monitoring.yaml")
    (monitor,) = [o for o in objects if o["kind"] == "ClusterPodMonitoring"]
    assert monitor["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": "shop-api"}
    assert {"from": "app.kubernetes.io/name", "to": "service"} in monitor["spec"]["targetLabels"]["fromPod"]
    rules = {o["metadata"]["name"]: o for o in objects if o["kind"] == "ClusterRules"}
    for path in sorted((root / "monitoring" / "rules").glob("*.yml")):
        if path.stem.endswith("_test"):
            continue
        groups = yaml.safe_load(path.read_text())["groups"]
        spec = rules[f"shop-{path.stem}"]["spec"]["groups"]
        assert [g["name"] for g in spec] == [g["name"] for g in groups]
        assert all(g["interval"] for g in spec)
        for rule in (r for g in spec for r in g["rules"] if "alert" in r):
            assert (root / FOLDER / rule["annotations"]["runbook_url"]).resolve().is_file()


def test_aks_sets_the_add_on_and_a_pod_monitor_per_service(tmp_path: Path) -> None:
    root = write_monitoring(_managed("azure-aks"), tmp_path)
    objects = {o["kind"]: o for o in _objects(root, "aks-monitoring.yaml")}
    settings = objects["ConfigMap"]
    assert settings["metadata"] == settings["metadata"] | {
        "name": "ama-metrics-settings-configmap",
        "namespace": "kube-system",
    }
    assert settings["data"]["schema-version"] == "v1"
    assert "kubestate = true" in settings["data"]["default-scrape-settings-enabled"]
    monitor = objects["PodMonitor"]
    assert monitor["apiVersion"] == "azmonitoring.coreos.com/v1"
    (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
    assert {"targetLabel": "service", "replacement": "shop-api"} in endpoint["relabelings"]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_readme_says_where_alerts_go_and_what_no_file_can_set_and_the_audit_is_clean(
    tmp_path: Path, platform: str
) -> None:
    root = write_monitoring(_managed(platform), tmp_path)
    readme = (root / FOLDER / "README.md").read_text()
    assert "## What no file here can set" in readme and "Alerts:" in readme
    assert "`worker`" in readme  # named as not scraped: it exports no metrics
    serious = [
        (f.rule, f.path, f.line, f.message)
        for f in audit_tree(root, Config()).findings
        if f.severity >= Severity.WARNING
    ]
    assert serious == []


def test_designs_that_run_their_own_prometheus_get_no_managed_folder(tmp_path: Path) -> None:
    root = write_monitoring(example_design("shop", "hobby-aws"), tmp_path)
    assert not (root / FOLDER).exists()
