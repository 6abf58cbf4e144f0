"""The services gate 3 checks when there is no design: what the deployment files run."""

from __future__ import annotations

from pathlib import Path

from helpers import write_tree
from opsmith.monitoring.services import is_tool_image, watched_services
from opsmith.monitoring.sources import read_sources


def _services(tmp_path: Path, files: dict[str, str]) -> dict[str, tuple[str | None, bool]]:
    sources = read_sources(write_tree(tmp_path, files), (), 1024 * 1024)
    return {w.name: (w.kind, w.critical) for w in watched_services(None, sources)}


def test_databases_proxies_and_monitoring_tools_are_not_services() -> None:
    for image in (
        "postgres:16",
        "bitnami/redis:7",
        "nginx:1.27",
        "prom/node-exporter:v1.8.2",
        "grafana/grafana",
    ):
        assert is_tool_image(image), image
    assert not is_tool_image("ghcr.io/acme/checkout:1.2.0")


def test_compose_services_with_a_port_are_web_and_the_others_workers(tmp_path: Path) -> None:
    found = _services(
        tmp_path,
        {
            "compose.yaml": """
                services:
                  web: {build: ., ports: ["80:8080"]}
                  queue-worker: {build: ., command: ["run-worker"]}
                  checkout: {image: "ghcr.io/acme/checkout:1.2.0", expose: ["9000"]}
                  cache: {image: "redis:7.4.1"}
            """
        },
    )
    assert found == {"web": ("web", True), "queue-worker": ("worker", False), "checkout": ("web", True)}


def test_kubernetes_workloads_a_service_selects_are_web(tmp_path: Path) -> None:
    found = _services(
        tmp_path,
        {
            "k8s/app.yaml": """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: api}
                spec:
                  template:
                    metadata: {labels: {app: api}}
                    spec: {containers: [{name: api, image: "ghcr.io/acme/api:1"}]}
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: consumer}
                spec:
                  template:
                    metadata: {labels: {app: consumer}}
                    spec: {containers: [{name: c, image: "ghcr.io/acme/consumer:1"}]}
                ---
                apiVersion: batch/v1
                kind: CronJob
                metadata: {name: nightly}
                spec:
                  jobTemplate:
                    spec:
                      template:
                        spec: {containers: [{name: n, image: "ghcr.io/acme/nightly:1"}]}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: api}
                spec: {selector: {app: api}}
            """
        },
    )
    assert found == {"api": ("web", True), "consumer": ("worker", False), "nightly": ("cron", False)}


def test_services_deployed_by_workflows_count(tmp_path: Path) -> None:
    found = _services(
        tmp_path,
        {
            ".github/workflows/deploy.yml": """
                on: push
                jobs:
                  deploy:
                    runs-on: ubuntu-24.04
                    steps:
                      - run: gcloud run deploy storefront --image "$IMAGE" --region europe-west1
                      - run: aws ecs update-service --cluster prod --service orders --force-new-deployment
            """
        },
    )
    assert found == {"storefront": ("web", True), "orders": (None, True)}
