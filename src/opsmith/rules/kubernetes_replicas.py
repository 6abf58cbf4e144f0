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
