"""Fields whose value the API server checks against a fixed list although the OpenAPI schemas KU014
validates with declare them as free strings: a misspelt strategy or pull policy passes a schema
check and is only rejected at deploy time."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from opsmith.parse.kubernetes import KubeObject, PathPart
from opsmith.rules import kubernetes_workloads as wl
from opsmith.rules.kubernetes_schema import dotted

Allowed = tuple[tuple[tuple[str, ...], frozenset[str]], ...]

# (API group, kind) -> (path, accepted values)
_OBJECT_FIELDS: Mapping[tuple[str, str], Allowed] = {
    ("apps", "Deployment"): ((("spec", "strategy", "type"), frozenset({"RollingUpdate", "Recreate"})),),
    ("apps.openshift.io", "DeploymentConfig"): (
        (("spec", "strategy", "type"), frozenset({"Rolling", "Recreate", "Custom"})),
    ),
    ("apps", "StatefulSet"): (
        (("spec", "updateStrategy", "type"), frozenset({"RollingUpdate", "OnDelete"})),
        (("spec", "podManagementPolicy"), frozenset({"OrderedReady", "Parallel"})),
    ),
    ("apps", "DaemonSet"): ((("spec", "updateStrategy", "type"), frozenset({"RollingUpdate", "OnDelete"})),),
    ("", "Service"): (
        (("spec", "type"), frozenset({"ClusterIP", "NodePort", "LoadBalancer", "ExternalName"})),
        (("spec", "externalTrafficPolicy"), frozenset({"Cluster", "Local"})),
        (("spec", "sessionAffinity"), frozenset({"None", "ClientIP"})),
    ),
}
_POD_FIELDS: Allowed = ((("restartPolicy",), frozenset({"Always", "OnFailure", "Never"})),)
_CONTAINER_FIELDS: Allowed = ((("imagePullPolicy",), frozenset({"Always", "IfNotPresent", "Never"})),)
# Groups whose pod templates are the core PodSpec (custom resources may reuse the field names).
_POD_GROUPS = frozenset({"", "apps", "batch", "apps.openshift.io"})


@dataclass(frozen=True)
class BadValue:
    path: tuple[PathPart, ...]
    value: str
    allowed: frozenset[str]

    @property
    def message(self) -> str:
        accepted = ", ".join(sorted(self.allowed))
        return f"`{dotted(self.path)}: {self.value}` is not a value Kubernetes accepts ({accepted})"


def bad_values(obj: KubeObject) -> Iterator[BadValue]:
    for path, allowed in _OBJECT_FIELDS.get((obj.group, obj.kind), ()):
        yield from _check(obj, path, allowed)
    if obj.group not in _POD_GROUPS:
        return
    for pod in wl.pod_specs(obj):
        for path, allowed in _POD_FIELDS:
            yield from _check(obj, (*pod.path, *path), allowed)
    for container in wl.containers(obj):
        for path, allowed in _CONTAINER_FIELDS:
            yield from _check(obj, (*container.path, *path), allowed)


def _check(obj: KubeObject, path: tuple[PathPart, ...], allowed: frozenset[str]) -> Iterator[BadValue]:
    value = obj.get(*path)
    # `${PULL_POLICY}` and the like are filled in by a tool before the object reaches the cluster.
    if isinstance(value, str) and value not in allowed and "$" not in value and "{{" not in value:
        yield BadValue(path, value, allowed)
