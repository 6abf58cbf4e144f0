"""Which Services route to which pods (KU003, KU012), including pods the manifests do not spell
out: those an operator creates from a custom resource, and labels a controller adds to its pods."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence

from opsmith.context import RepoContext
from opsmith.parse.kubernetes import KubeObject, string_map
from opsmith.regex import lazy
from opsmith.rules import kubernetes_workloads as wl

# Labels controllers put on the pods they create, which no pod template carries: a Service may
# select one pod of a StatefulSet, or one Job's pods, by them.
_CONTROLLER_LABELS = frozenset(
    {
        "statefulset.kubernetes.io/pod-name",
        "apps.kubernetes.io/pod-index",
        "controller-revision-hash",
        "pod-template-hash",
        "batch.kubernetes.io/job-name",
        "batch.kubernetes.io/controller-uid",
        "job-name",
        "controller-uid",
    }
)
# Selector keys that only operators set on the pods they create: prometheus-operator labels its
# Prometheus, Alertmanager and ThanosRuler pods `prometheus: <name>` (and so on).
_OPERATOR_KEYS = frozenset({"prometheus", "alertmanager", "thanos-ruler", "operator.prometheus.io/name"})
# Where custom resources that make pods keep the labels the operator copies onto them.
_POD_LABEL_PATHS = (("spec", "podMetadata", "labels"), ("spec", "template", "metadata", "labels"))
_POD_SPEC_KEYS = ("replicas", "image", "version", "template", "podMetadata")


def selector(svc: KubeObject) -> dict[str, str]:
    """The labels a Service selects pods by (empty: it selects none itself)."""
    if svc.kind != "Service" or svc.get("spec", "type") == "ExternalName":
        return {}
    return string_map(svc.get("spec", "selector"))


def matches(wanted: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    """Does a Service selector pick pods with these template labels? Labels a controller adds to
    each pod are not in the template, so they are not asked of it."""
    return all(labels.get(k) == v for k, v in wanted.items() if k not in _CONTROLLER_LABELS)


def selecting(obj: KubeObject, services: Sequence[KubeObject]) -> list[KubeObject]:
    """The Services that could meet this workload in a cluster and route to its pods."""
    labels = wl.template_labels(obj) or {}
    # scope first: it rules out the Services of other overlays without reading their selectors
    return [
        svc
        for svc in services
        if wl.same_scope(svc, obj) and (wanted := selector(svc)) and matches(wanted, labels)
    ]


def selected(obj: KubeObject, services: Sequence[KubeObject]) -> bool:
    """Does a Service that could meet this workload in a cluster route to its pods?"""
    return bool(selecting(obj, services))


def routed_ports(obj: KubeObject, services: Sequence[KubeObject]) -> set[str]:
    """The target ports, names or numbers as text, of every Service that routes to this
    workload's pods (a port with no `targetPort` targets its own number)."""
    ports: set[str] = set()
    for svc in selecting(obj, services):
        for entry in _ports(svc):
            if (target := entry.get("targetPort", entry.get("port"))) is not None:
                ports.add(str(target))
    return ports


def scrape_only(svc: KubeObject, objects: Sequence[KubeObject]) -> bool:
    """A headless Service that only lets Prometheus find the pods: every port is named for
    metrics, or a ServiceMonitor selects it. Prometheus scrapes pods that are not ready too, and
    with no cluster IP nothing balances requests over the pods, so readiness holds back no
    traffic there."""
    if svc.get("spec", "clusterIP") != "None" or not (ports := _ports(svc)):
        return False
    names = [f"{entry.get('name', '')} {entry.get('targetPort', '')}".lower() for entry in ports]
    return all("metrics" in name for name in names) or any(_monitors(m, svc) for m in objects)


def _monitors(monitor: KubeObject, svc: KubeObject) -> bool:
    """Does this prometheus-operator ServiceMonitor select the Service (by `matchLabels`)?"""
    if monitor.kind != "ServiceMonitor":
        return False
    wanted = string_map(monitor.get("spec", "selector", "matchLabels"))
    if not wanted or any(svc.labels.get(k) != v for k, v in wanted.items()):
        return False
    namespaces = monitor.get("spec", "namespaceSelector")
    if isinstance(namespaces, dict) and (namespaces.get("any") is True or namespaces.get("matchNames")):
        names = namespaces.get("matchNames")
        return namespaces.get("any") is True or (isinstance(names, list) and svc.namespace in names)
    return wl.same_scope(monitor, svc)


def _ports(svc: KubeObject) -> list[dict[str, object]]:
    entries = svc.get("spec", "ports")
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def container_ports(body: Mapping[str, object]) -> set[str]:
    """The names and numbers, as text, of the ports a container declares."""
    entries = body.get("ports")
    found: set[str] = set()
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, dict):
            found.update(str(entry[key]) for key in ("name", "containerPort") if entry.get(key) is not None)
    return found


# `helm install dcgm-exporter nvidia/dcgm-exporter`, `helm upgrade --install -n x my-redis bitnami/redis`:
# up to eight flags are skipped (a flag's value never starts with `-`, so each reads one way); the
# release name and the chart's last path part are kept.
_HELM_INSTALL = lazy(
    r"helm[ \t]+(?:install|upgrade[ \t]+(?:-i|--install))(?:[ \t]+-{1,2}[\w-]+(?:[= \t][\w.][\w.-]*)?){0,8}"
    r"[ \t]+(?P<release>[\w.-]+)[ \t]+(?P<chart>[\w./:-]+)"
)
_INSTRUCTIONS = lazy(r"(?i)(?:\.(?:md|markdown|rst|txt|sh|bash)|(?:^|/)(?:makefile|justfile))$")


def charts_installed_beside(repo: RepoContext, path: str) -> set[str]:
    """Release and chart names of the `helm install` commands in the instructions (READMEs,
    scripts, Makefiles) of the folder holding `path`: pods those charts make live beside it."""
    folder = posixpath.dirname(path)
    names: set[str] = set()
    for other in repo.files:
        if posixpath.dirname(other) != folder or not _INSTRUCTIONS().search(other):
            continue
        text = repo.read_text(other) or ""
        if "helm" not in text:
            continue
        for match in _HELM_INSTALL().finditer(text):
            names.update((match.group("release"), match.group("chart").rsplit("/", 1)[-1].split(":")[0]))
    return {n.lower() for n in names if len(n) >= 4}


def names_a_chart(selector: Mapping[str, str], charts: set[str]) -> bool:
    """Does a selected label value name one of these charts (`gpu-dcgm-exporter` for the chart
    `dcgm-exporter`)?"""
    return any(chart in value.lower() for value in selector.values() for chart in charts)


def operator_made(svc: KubeObject, wanted: Mapping[str, str], objects: Sequence[KubeObject]) -> bool:
    """Are the selected pods made by an operator rather than written here? Either the selector
    uses a key only operators set (`app.kubernetes.io/managed-by: <something>-operator`,
    `prometheus: k8s`), or a custom resource in the same scope carries the selected labels for
    its pods (`spec.podMetadata.labels`), or on itself when its spec describes pods: operators
    copy those labels to what they make."""
    managed_by = wanted.get("app.kubernetes.io/managed-by", "")
    if managed_by.endswith("operator") or any(k in _OPERATOR_KEYS for k in wanted):
        return True
    for obj in objects:
        if obj.kind in wl.POD_SPEC_PATHS or not obj.group or "." not in obj.group:
            continue  # a built-in kind or a core workload: compared by template labels instead
        if obj.group.endswith(".k8s.io") or not wl.same_scope(obj, svc):
            continue
        if any(matches(wanted, string_map(obj.get(*path))) for path in _POD_LABEL_PATHS):
            return True
        if _describes_pods(obj) and matches(wanted, obj.labels):
            return True
    return False


def _describes_pods(obj: KubeObject) -> bool:
    """A custom resource an operator turns into pods has their image, count or template in its
    spec (unlike a ServiceMonitor or PrometheusRule, which often carry the app's labels too)."""
    return any(obj.get("spec", key) is not None for key in _POD_SPEC_KEYS)
