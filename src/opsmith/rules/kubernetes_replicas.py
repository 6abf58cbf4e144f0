"""How many replicas a workload runs at the least (its autoscaler's `minReplicas`, else its own
`replicas`), and how many it should: the approved design's minimum for that service when the
repository has one (`opsmith.yaml`), else two (KU009, KU010)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from opsmith.parse.kubernetes import KubeObject
from opsmith.parse.yaml_tree import YMap, load_documents
from opsmith.rules import kubernetes_workloads as wl
from opsmith.rules.base import RepoContext

DESIGN_FILE = "opsmith.yaml"
DEFAULT_FLOOR = 2


def autoscalers(objects: list[tuple[str, KubeObject]]) -> Iterator[tuple[str, KubeObject]]:
    return ((path, obj) for path, obj in objects if obj.kind == "HorizontalPodAutoscaler")


def targets(hpa: KubeObject, obj: KubeObject) -> bool:
    """Does the autoscaler scale this object?"""
    target = hpa.get("spec", "scaleTargetRef")
    names = (obj.name, (obj.origin or obj).name)
    return (
        isinstance(target, YMap)
        and target.get("kind") == obj.kind
        and target.get("name") in names
        and wl.same_scope(hpa, obj)
    )


def min_replicas(hpa: KubeObject) -> int | None:
    low = hpa.get("spec", "minReplicas")
    return 1 if low is None else wl.as_int(low)  # the API's default is 1


def scale_floor(obj: KubeObject, objects: list[tuple[str, KubeObject]]) -> tuple[int | None, str]:
    """The fewest replicas a workload runs: an autoscaler's minReplicas when one targets it, else
    its replicas field. With where the number comes from, for messages ('' for replicas)."""
    for _, hpa in autoscalers(objects):
        if targets(hpa, obj):
            return min_replicas(hpa), f" (the minReplicas of {hpa.title})"
    return wl.replicas(obj), ""


def design_minimums(repo: RepoContext) -> dict[str, int]:
    """Service name -> the design's `replicas_min`, read from the repository's design file."""
    text = repo.read_text(DESIGN_FILE)
    if not text:
        return {}
    docs = load_documents(text)  # bounded against alias bombs and deep nesting, unlike safe_load
    if not isinstance(docs, list) or not docs:
        return {}  # `opsmith design` and `opsmith approve` report a broken design
    design = docs[0]
    services = design.get("services") if isinstance(design, dict) else None
    found = {}
    for service in services if isinstance(services, list) else []:
        low = _replicas_min(service)
        if low is not None:
            found[str(service["name"])] = low
    return found


def _replicas_min(service: Any) -> int | None:
    if not isinstance(service, dict) or not isinstance(service.get("name"), str):
        return None
    resources = service.get("resources")
    low = resources.get("replicas_min") if isinstance(resources, dict) else None
    return low if isinstance(low, int) and not isinstance(low, bool) and low > 0 else None


def floor_for(name: str, minimums: Mapping[str, int]) -> tuple[int, str]:
    """The fewest replicas `name` should run, and what says so ('' for the default of two)."""
    if name in minimums:
        return minimums[name], f", fewer than the design's minimum of {minimums[name]} ({DESIGN_FILE})"
    return DEFAULT_FLOOR, ""


# Verbs that change objects: a role with them and `watch` belongs to a controller that reconciles.
_WRITES = frozenset({"*", "create", "update", "patch", "delete"})
# Auth delegation (an authenticating proxy beside the app asks the API server) is no reconciling.
_REVIEWS = frozenset({"tokenreviews", "subjectaccessreviews"})


def single_controller(obj: KubeObject, objects: list[tuple[str, KubeObject]]) -> bool:
    """A controller that cannot run a second replica: bound to a ClusterRole that watches and
    writes objects cluster-wide, with no leader election (no `leader-elect`/`election` argument,
    and no role of its ServiceAccount may write Leases, which client-go's election needs). Two
    replicas of it would both reconcile every object and fight over the writes."""
    account = obj.get("spec", "template", "spec", "serviceAccountName")
    if not isinstance(account, str):
        return False
    words = [w for c in wl.containers(obj) for key in ("command", "args") for w in _strings(c.body, key)]
    if any("leader-elect" in w or "election" in w for w in words):
        return False
    rules: list[tuple[frozenset[str], frozenset[str], frozenset[str]]] = []
    cluster_wide = False
    for _, binding in objects:
        if binding.kind not in ("ClusterRoleBinding", "RoleBinding") or not _binds(binding, obj, account):
            continue
        role = _role(binding, [o for _, o in objects])
        if role is None:
            return False  # a role defined elsewhere may grant anything, Leases included
        rules.extend(_rules(role))
        cluster_wide |= binding.kind == "ClusterRoleBinding"
    reconciles = any("watch" in verbs or "*" in verbs for _, _, verbs in rules) and any(
        verbs & _WRITES and not resources <= _REVIEWS for _, resources, verbs in rules
    )
    elects = any(
        groups & {"*", "coordination.k8s.io"} and resources & {"*", "leases"} and verbs & _WRITES
        for groups, resources, verbs in rules
    )
    return cluster_wide and reconciles and not elects


def _binds(binding: KubeObject, obj: KubeObject, account: str) -> bool:
    subjects = binding.get("subjects")
    for subject in subjects if isinstance(subjects, list) else ():
        if (
            isinstance(subject, dict)
            and subject.get("kind") == "ServiceAccount"
            and subject.get("name") == account
        ):
            namespace = subject.get("namespace", binding.namespace)
            if namespace is None or obj.namespace is None or namespace == obj.namespace:
                return True
    return False


def _role(binding: KubeObject, objects: list[KubeObject]) -> KubeObject | None:
    """The role a binding grants, when it is in the manifests and its rules are its own (not
    aggregated from other ClusterRoles)."""
    ref = binding.get("roleRef")
    if not isinstance(ref, dict):
        return None
    for role in objects:
        named = role.kind == ref.get("kind") and role.name == ref.get("name")
        if named and (role.kind == "ClusterRole" or wl.same_scope(role, binding)):
            return None if role.get("aggregationRule") is not None else role
    return None


def _rules(role: KubeObject) -> Iterator[tuple[frozenset[str], frozenset[str], frozenset[str]]]:
    """(API groups, resources, verbs) of each rule of a role."""
    rules = role.get("rules")
    for rule in rules if isinstance(rules, list) else ():
        if isinstance(rule, dict):
            groups, resources, verbs = (
                frozenset(_strings(rule, key)) for key in ("apiGroups", "resources", "verbs")
            )
            yield groups, resources, verbs


def _strings(body: Mapping[str, Any], key: str) -> list[str]:
    value = body.get(key)
    return [str(v) for v in value] if isinstance(value, list) else []
