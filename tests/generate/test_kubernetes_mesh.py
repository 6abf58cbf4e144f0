"""The mesh's objects in the kustomize tree: every application namespace enrolled, mTLS STRICT,
and Prometheus still scraping each pod (the sidecars' merged metrics), checked on what
`kubectl kustomize` builds."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from design.fixtures import design
from helpers import write_tree
from opsmith.design.model import Design, MetricsExport
from opsmith.generate import kubernetes
from opsmith.generate.kubernetes_mesh import MERGED_METRICS_PATH, MERGED_METRICS_PORT
from opsmith.generate.options import GenerateOptions

KUBECTL = shutil.which("kubectl")
CLOUDS = ("aws", "gcp", "azure")


def _files(d: Design) -> dict[str, str]:
    return {a.path: a.content for a in kubernetes.render(d, GenerateOptions())}


def _objects(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d]


def _with_metrics(d: Design, port: int | None) -> Design:
    """The design with its first web service exporting metrics (on `port`, or its own)."""
    services = list(d.services)
    index = next(i for i, s in enumerate(services) if s.kind == "web")
    metrics = MetricsExport(exports=True, path="/internal/metrics", port=port, reason="a test exports them.")
    services[index] = services[index].model_copy(update={"metrics": metrics})
    return d.model_copy(update={"services": services})


@pytest.mark.parametrize("cloud", CLOUDS)
def test_enterprise_enrols_the_namespace_and_makes_mtls_strict(cloud: str) -> None:
    files = _files(design("node-express", cloud=cloud, users=2_000_000))
    (namespace,) = _objects(files["k8s/base/namespace.yaml"])
    assert namespace["metadata"]["labels"]["istio-injection"] == "enabled"
    (policy,) = _objects(files["k8s/base/mesh.yaml"])
    assert policy["kind"] == "PeerAuthentication"
    assert policy["spec"] == {"mtls": {"mode": "STRICT"}}  # namespace-wide: no selector, no exception
    base = yaml.safe_load(files["k8s/base/kustomization.yaml"])
    assert "mesh.yaml" in base["resources"]


def test_no_mesh_objects_without_a_mesh() -> None:
    files = _files(design("node-express", cloud="aws", users=200_000))
    assert "k8s/base/mesh.yaml" not in files
    assert "istio-injection" not in files["k8s/base/namespace.yaml"]
    assert "patches" not in yaml.safe_load(files["k8s/base/kustomization.yaml"])


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
@pytest.mark.parametrize("port", [9464, None])
def test_prometheus_scrapes_the_merged_metrics_under_strict_mtls(tmp_path: Path, port: int | None) -> None:
    d = _with_metrics(design("node-express", cloud="aws", users=2_000_000), port)
    write_tree(tmp_path, _files(d))
    assert KUBECTL is not None
    run = subprocess.run(
        [KUBECTL, "kustomize", str(tmp_path / "k8s/overlays/production")],
        capture_output=True,
        text=True,
        check=True,
    )
    built = _objects(run.stdout)
    service = next(s for s in d.services if s.metrics is not None and s.metrics.exports)
    (monitor,) = [o for o in built if o["kind"] == "PodMonitor"]
    (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
    assert endpoint["targetPort"] == MERGED_METRICS_PORT and "port" not in endpoint
    assert endpoint["path"] == MERGED_METRICS_PATH
    (workload,) = [
        o for o in built if o["kind"] in ("Rollout", "Deployment") and o["metadata"]["name"] == service.name
    ]
    annotations = workload["spec"]["template"]["metadata"]["annotations"]
    # where the sidecar agent finds the app's own metrics to merge
    assert annotations["prometheus.io/port"] == str(port or service.port)
    assert annotations["prometheus.io/path"] == "/internal/metrics"
    policies = [o for o in built if o["kind"] == "PeerAuthentication"]
    assert [p["spec"]["mtls"]["mode"] for p in policies] == ["STRICT"]
    namespaces = [o for o in built if o["kind"] == "Namespace"]
    assert all(n["metadata"]["labels"]["istio-injection"] == "enabled" for n in namespaces)
    assert all(o["metadata"].get("namespace") == namespaces[0]["metadata"]["name"] for o in policies)


def test_mesh_files_say_which_decisions_they_build() -> None:
    arts = {
        a.path: a
        for a in kubernetes.render(design("node-express", cloud="gcp", users=2_000_000), GenerateOptions())
    }
    assert set(arts["k8s/base/mesh.yaml"].implements) == {"mesh", "mtls"}
    assert "mesh" in arts["k8s/base/namespace.yaml"].implements


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
def test_scheduled_jobs_run_the_sidecar_as_a_native_sidecar(tmp_path: Path) -> None:
    data = design("node-express", cloud="azure", users=2_000_000).model_dump(mode="json")
    worker = next(s for s in data["services"] if s["kind"] == "worker")
    data["services"].append({**worker, "name": "digest", "kind": "cron", "schedule": "15 3 * * *"})
    write_tree(tmp_path, _files(Design.model_validate(data)))
    assert KUBECTL is not None
    run = subprocess.run(
        [KUBECTL, "kustomize", str(tmp_path / "k8s/overlays/staging")],
        capture_output=True,
        text=True,
        check=True,
    )
    (job,) = [o for o in _objects(run.stdout) if o["kind"] == "CronJob"]
    pod = job["spec"]["jobTemplate"]["spec"]["template"]
    assert pod["metadata"]["annotations"]["sidecar.istio.io/nativeSidecar"] == "true"
    assert pod["spec"]["containers"]  # the patch merged into the job's pod, not replaced it
