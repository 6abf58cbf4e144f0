"""Facts about Kubernetes objects that several KU rules share: where pod templates live, which
containers run and how, effective security settings, label selectors and scopes."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from opsmith.parse.kubernetes import KubeObject, PathPart, string_map
from opsmith.parse.yaml_tree import YMap, YSeq

# Where each kind keeps its pod spec.
POD_SPEC_PATHS: Mapping[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "Rollout": ("spec", "template", "spec"),  # Argo Rollouts: a Deployment with progressive delivery
    "DeploymentConfig": ("spec", "template", "spec"),  # OpenShift's (apps.openshift.io) Deployment
}
# Kinds that keep a number of replicas of one pod template running and replace them on a rollout.
DEPLOYMENTS = frozenset({"Deployment", "DeploymentConfig"})
_RUN_TO_COMPLETION = frozenset({"Job", "CronJob"})
# Kinds that are not namespaced (built in, and common cluster-wide custom resources).
CLUSTER_SCOPED = frozenset(
    {
        "Namespace",
        "Node",
        "PersistentVolume",
        "StorageClass",
        "CustomResourceDefinition",
        "PriorityClass",
        "IngressClass",
        "RuntimeClass",
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "MutatingAdmissionPolicy",
        "MutatingAdmissionPolicyBinding",
        "APIService",
        "CSIDriver",
        "CSINode",
        "VolumeAttachment",
        "CertificateSigningRequest",
        "FlowSchema",
        "PriorityLevelConfiguration",
        "ComponentStatus",
        "VolumeSnapshotClass",
        "GatewayClass",
        "DeviceClass",
        "ResourceSlice",
        "StorageVersionMigration",
        "SelfSubjectReview",
        "TokenReview",
        "SubjectAccessReview",
        "SelfSubjectAccessReview",
        "SelfSubjectRulesReview",
        "IPAddress",
        "ServiceCIDR",
    }
)
_YAML11_TRUE = frozenset({"true", "yes", "y", "on"})
_YAML11_FALSE = frozenset({"false", "no", "n", "off"})
_PERCENT = re.compile(r"^\s*([0-9]{1,9})\s*%\s*$")
_WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")  # int64, the widest field the API has
_IDENTITY_KEYS = (
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/component",
    "app.kubernetes.io/managed-by",
    "app",
    "k8s-app",
)
_TEAM_KEY = re.compile(r"^(team|owner|owners|owning-team|owner-team|team-name|squad|maintainer|maintainers)$")

Role = Literal["container", "init", "sidecar", "ephemeral"]
_CONTAINER_FIELDS: tuple[tuple[str, Role], ...] = (
    ("initContainers", "init"),
    ("containers", "container"),
    ("ephemeralContainers", "ephemeral"),
)


@dataclass(frozen=True)
class PodSpec:
    obj: KubeObject
    path: tuple[PathPart, ...]
    spec: YMap

    @property
    def long_running(self) -> bool:
        """Pods that are meant to keep running (not Jobs, CronJobs or run-once Pods)."""
        if self.obj.kind in _RUN_TO_COMPLETION:
            return False
        return self.obj.kind != "Pod" or self.spec.get("restartPolicy") not in ("Never", "OnFailure")

    @property
    def security(self) -> YMap:
        value = self.spec.get("securityContext")
        return value if isinstance(value, YMap) else YMap(0, 0)

    def line(self, *sub: PathPart) -> int | None:
        return self.obj.line_at(*self.path, *sub)


@dataclass(frozen=True)
class Container:
    pod: PodSpec
    role: Role
    field: str  # containers | initContainers | ephemeralContainers
    index: int
    body: YMap

    @property
    def name(self) -> str:
        return str(self.body.get("name", f"#{self.index + 1}"))

    @property
    def path(self) -> tuple[PathPart, ...]:
        return (*self.pod.path, self.field, self.index)

    @property
    def label(self) -> str:
        what = {"container": "container", "init": "init container", "sidecar": "sidecar"}.get(
            self.role, "ephemeral container"
        )
        return f"{what} `{self.name}` of {self.pod.obj.title}"

    @property
    def runs_alongside(self) -> bool:
        """A regular container or a sidecar: it runs for the pod's whole life."""
        return self.role in ("container", "sidecar")

    @property
    def security(self) -> YMap:
        value = self.body.get("securityContext")
        return value if isinstance(value, YMap) else YMap(0, 0)

    def setting(self, key: str) -> Any:
        """A security setting as the kubelet applies it: the container's, else the pod's."""
        if key in self.security:
            return self.security[key]
        return self.pod.security.get(key)

    def line(self, *sub: PathPart) -> int | None:
        return self.pod.obj.line_at(*self.path, *sub)

    def line_of(self, key: str) -> int | None:
        """The line of one of the container's keys when written, else of the container."""
        return self.line(key) if key in self.body else self.line()


def pod_specs(obj: KubeObject) -> Iterator[PodSpec]:
    path = POD_SPEC_PATHS.get(obj.kind)
    if path is None:
        return
    spec = obj.get(*path)
    if isinstance(spec, YMap):
        yield PodSpec(obj, path, spec)


def containers(obj: KubeObject) -> Iterator[Container]:
    for pod in pod_specs(obj):
        for field, role in _CONTAINER_FIELDS:
            items = pod.spec.get(field)
            if not isinstance(items, YSeq):
                continue
            for index, body in enumerate(items):
                if not isinstance(body, YMap):
                    continue
                if role == "init" and body.get("restartPolicy") == "Always":
                    # a native sidecar (Kubernetes 1.28+): it keeps running beside the containers
                    yield Container(pod, "sidecar", field, index, body)
                else:
                    yield Container(pod, role, field, index, body)


def as_bool(value: Any) -> bool | None:
    """A boolean as Kubernetes' YAML reader takes it (YAML 1.1 words such as `yes` included)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _YAML11_TRUE:
            return True
        if word in _YAML11_FALSE:
            return False
    return None


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    # ASCII digits, as the API reads them: isdigit() takes `²`, which int() refuses
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value.strip()):
        return int(value)
    return None


def scaled(value: Any, total: int, *, round_up: bool) -> int | None:
    """An int-or-percentage (maxUnavailable, maxSurge) resolved against `total` replicas the way
    the Deployment controller does: maxUnavailable rounds down, maxSurge up."""
    if isinstance(value, str):
        match = _PERCENT.match(value)
        if match:
            exact = int(match.group(1)) * total / 100
            return math.ceil(exact) if round_up else math.floor(exact)
    return as_int(value)


def replicas(obj: KubeObject) -> int | None:
    """Declared replicas (1 when absent, as the API defaults it); None when not a number."""
    value = obj.get("spec", "replicas")
    return 1 if value is None else as_int(value)


def selector_matches(selector: Any, labels: Mapping[str, str]) -> bool:
    """A LabelSelector (matchLabels and matchExpressions) against labels; an empty or missing
    selector matches nothing here (a PDB or Service without one protects or routes nothing)."""
    if not isinstance(selector, Mapping):
        return False
    match_labels = string_map(selector.get("matchLabels"))
    expressions = selector.get("matchExpressions")
    expressions = expressions if isinstance(expressions, list) else []
    if not match_labels and not expressions:
        return False
    if any(labels.get(k) != v for k, v in match_labels.items()):
        return False
    return all(_expression_matches(e, labels) for e in expressions)


def _expression_matches(expression: Any, labels: Mapping[str, str]) -> bool:
    if not isinstance(expression, Mapping):
        return False
    key, operator = str(expression.get("key", "")), expression.get("operator")
    values = [str(v) for v in expression.get("values") or []]
    if operator == "In":
        return labels.get(key) in values
    if operator == "NotIn":
        return labels.get(key) not in values
    if operator == "Exists":
        return key in labels
    if operator == "DoesNotExist":
        return key not in labels
    return False


def template_labels(obj: KubeObject) -> dict[str, str] | None:
    """The labels of the pods an object creates (its own labels for a bare Pod)."""
    if obj.kind not in POD_SPEC_PATHS:
        return None
    if obj.kind == "Pod":
        return obj.labels
    meta_path = (*POD_SPEC_PATHS[obj.kind][:-1], "metadata", "labels")
    return string_map(obj.get(*meta_path))


def same_scope(a: KubeObject, b: KubeObject) -> bool:
    """Could these two objects meet in a cluster? Same namespace (an unset one may be anything),
    and not rendered by two different overlays or charts."""
    if a.rendered_by is not None and b.rendered_by is not None and a.rendered_by != b.rendered_by:
        return False
    return a.namespace is None or b.namespace is None or a.namespace == b.namespace


def is_namespaced(obj: KubeObject) -> bool:
    return obj.kind not in CLUSTER_SCOPED and not obj.kind.startswith("Cluster")


def identity_label(labels: Mapping[str, str]) -> str | None:
    """The label that says what an object belongs to, in one of the conventions careful projects
    use (Kubernetes' recommended `app.kubernetes.io/*` labels, `app`, `k8s-app`), or an owner."""
    for key in _IDENTITY_KEYS:
        if labels.get(key):
            return key
    return owner_label(labels)


def owner_label(labels: Mapping[str, str]) -> str | None:
    """The label that names the owning team, if any (`team`, `owner`, `example.com/team`...)."""
    for key, value in labels.items():
        if value and _TEAM_KEY.match(key.rpartition("/")[2].lower()):
            return key
    return None
