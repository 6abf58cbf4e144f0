"""The service mesh's objects in the application's kustomize tree, when the design has a mesh
(the enterprise row's Istio; the add-ons stage installs Istio itself, in sidecar mode with the CNI
agent and metrics merging on):

- the namespace label that has Istio inject a sidecar into every pod of the application;
- a PeerAuthentication that makes mutual TLS STRICT for the whole namespace: a pod outside the
  mesh can no longer talk to the application in plaintext;
- Prometheus still scrapes under STRICT mTLS through Istio's metrics merging: each pod's sidecar
  agent serves the app's metrics together with its own on port 15020, outside the mTLS the
  sidecar enforces. The pods' `prometheus.io/*` annotations tell the agent where the app serves
  them (their real port and path), and each PodMonitor is patched to scrape the agent's port;
- scheduled jobs run the sidecar as a native sidecar (Kubernetes 1.29+), so a job's pod ends when
  its work does instead of waiting on a proxy that never exits.
"""

from __future__ import annotations

from typing import Any

from opsmith.design.model import Design, Service
from opsmith.generate.kubernetes_meta import PART_OF, Context, documents, metadata, name, obj, shape, to_yaml

MESH_FILE = "mesh.yaml"
ISTIO_SECURITY_API = "security.istio.io/v1"
INJECTION_LABEL = "istio-injection"
MERGED_METRICS_PORT = 15020  # the sidecar agent's merged metrics (pilot-agent), never intercepted
MERGED_METRICS_PATH = "/stats/prometheus"
_KINDS = {"rollout": "Rollout", "cronjob": "CronJob"}
_APIS = {"Deployment": "apps/v1", "Rollout": "argoproj.io/v1alpha1", "CronJob": "batch/v1"}


def enabled(design: Design) -> bool:
    return design.orchestration.effective == "kubernetes-mesh"


def namespace_labels(design: Design) -> dict[str, str]:
    """Labels the application's namespace takes so the mesh enrols its pods."""
    return {INJECTION_LABEL: "enabled"} if enabled(design) else {}


def files(ctx: Context, header: str) -> dict[str, str]:
    """base/mesh.yaml: the namespace-wide mTLS policy, under the tree's `header`."""
    if not enabled(ctx.design):
        return {}
    why = (
        "Mutual TLS is STRICT for every pod of the application: the sidecars accept only mesh\n"
        "traffic, encrypted and authenticated by workload identity. Prometheus scrapes each pod's\n"
        f"merged metrics on the sidecar agent's port {MERGED_METRICS_PORT}, which the sidecar does not\n"
        "intercept (see the PodMonitor patches in kustomization.yaml)."
    )
    policy = obj(
        ISTIO_SECURITY_API,
        "PeerAuthentication",
        metadata("default", {PART_OF: ctx.app}),
        spec={"mtls": {"mode": "STRICT"}},
    )
    return {f"base/{MESH_FILE}": documents(f"{header}\n\n{why}", [("", policy)])}


def kustomization(ctx: Context) -> tuple[list[str], list[dict[str, Any]]]:
    """(resources, patches) the base kustomization adds for the mesh."""
    if not enabled(ctx.design):
        return [], []
    patches: list[dict[str, Any]] = []
    for service in ctx.design.services:
        patches += _metrics_patches(service, ctx)
        if shape(service) == "cronjob":
            patches.append(_native_sidecar(service))
    return [MESH_FILE], patches


def _metrics_patches(service: Service, ctx: Context) -> list[dict[str, Any]]:
    exported = service.metrics
    port = (exported.port or service.port) if exported is not None else None
    if exported is None or not exported.exports or port is None:
        return []
    kind = _KINDS.get(shape(service), "Deployment")
    annotations = {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": str(port),
        "prometheus.io/path": exported.path or "/metrics",
    }
    template: dict[str, Any] = {"spec": {"template": {"metadata": {"annotations": annotations}}}}
    if kind == "CronJob":
        template = {"spec": {"jobTemplate": template}}
    out = [
        _patch(
            kind,
            name(service),
            to_yaml({"apiVersion": _APIS[kind], "kind": kind, **_named(service), **template}),
        )
    ]
    if ctx.design.observability.metrics.effective == "kube-prometheus-stack":
        scrape = [
            {"op": "remove", "path": "/spec/podMetricsEndpoints/0/port"},
            {"op": "add", "path": "/spec/podMetricsEndpoints/0/targetPort", "value": MERGED_METRICS_PORT},
            {"op": "replace", "path": "/spec/podMetricsEndpoints/0/path", "value": MERGED_METRICS_PATH},
        ]
        out.append(_patch("PodMonitor", name(service), to_yaml(scrape)))
    return out


def _native_sidecar(service: Service) -> dict[str, Any]:
    pod = {"metadata": {"annotations": {"sidecar.istio.io/nativeSidecar": "true"}}}
    body = {"apiVersion": _APIS["CronJob"], "kind": "CronJob", **_named(service)}
    body["spec"] = {"jobTemplate": {"spec": {"template": pod}}}
    return _patch("CronJob", name(service), to_yaml(body))


def _named(service: Service) -> dict[str, Any]:
    return {"metadata": {"name": name(service)}}


def _patch(kind: str, target: str, text: str) -> dict[str, Any]:
    return {"target": {"kind": kind, "name": target}, "patch": text.rstrip("\n") + "\n"}


def implements(path: str, design: Design) -> tuple[str, ...]:
    """The design decisions (generate/decisions.py) a manifest file builds for the mesh."""
    if not enabled(design):
        return ()
    if path.endswith(f"/base/{MESH_FILE}"):
        return ("mesh", "mtls")
    if path.endswith(("/base/namespace.yaml", "/base/kustomization.yaml")):
        return ("mesh",)  # the enrolment label; the scrape patches
    return ()
