"""What a scrape configuration says it collects: Prometheus jobs (prometheus.yml) and
prometheus-operator ServiceMonitor/PodMonitor objects, as plain data for the `scraped` check."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from opsmith.parse.kubernetes import KubeObject, string_map
from opsmith.parse.yaml_tree import YMap, YSeq

_OPERATOR_GROUP = "monitoring.coreos.com"
# The relabelling source labels that carry a workload's identity under Kubernetes discovery.
_IDENTITY_META = re.compile(
    r"^__meta_kubernetes_(?:(?:service|pod|endpoints?|endpointslice)_(?:name|label_\w+|container_name)"
    r"|pod_controller_name)$"
)
_SCRAPE_ANNOTATION = re.compile(r"^__meta_kubernetes_(?:service|pod)_annotation_\w*scrape$")


@dataclass(frozen=True)
class Target:
    host: str
    port: int | None
    line: int


@dataclass
class ScrapeJob:
    path: str
    line: int
    name: str
    targets: list[Target] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # static_configs labels
    keeps: list[str] = field(default_factory=list)  # `keep` regexes on identity labels
    discovery: set[str] = field(default_factory=set)  # kubernetes_sd_configs, dns_sd_configs...
    by_annotation: bool = False  # keeps only what carries a `prometheus.io/scrape`-style annotation


@dataclass
class Monitor:
    """A ServiceMonitor or PodMonitor: which Services or pods it selects."""

    kind: str
    path: str
    line: int
    name: str
    match_labels: dict[str, str]
    expressions: list[tuple[str, str, tuple[str, ...]]]  # key, operator, values

    def selects(self, labels: dict[str, str]) -> bool:
        if not self.match_labels and not self.expressions:
            return False  # an empty selector selects everything: no evidence for one service
        if any(labels.get(k) != v for k, v in self.match_labels.items()):
            return False
        for key, operator, values in self.expressions:
            present = key in labels
            if (
                (operator == "In" and labels.get(key) not in values)
                or (operator == "NotIn" and present and labels[key] in values)
                or (operator == "Exists" and not present)
                or (operator == "DoesNotExist" and present)
            ):
                return False
        return True


def scrape_jobs(path: str, config: YMap) -> list[ScrapeJob]:
    jobs: list[ScrapeJob] = []
    raw = config.get("scrape_configs")
    if not isinstance(raw, YSeq):
        return jobs
    for index, item in enumerate(raw):
        if not isinstance(item, YMap) or not isinstance(item.get("job_name"), str):
            continue
        job = ScrapeJob(path, raw.item_line(index), item["job_name"])
        for key, value in item.items():
            if isinstance(key, str) and key.endswith("_sd_configs") and value:
                job.discovery.add(key.removesuffix("_sd_configs"))
        _static(item.get("static_configs"), job)
        _relabelling(item.get("relabel_configs"), job)
        jobs.append(job)
    return jobs


def _static(raw: Any, job: ScrapeJob) -> None:
    for group in raw if isinstance(raw, YSeq) else ():
        if not isinstance(group, YMap):
            continue
        job.labels.update(string_map(group.get("labels")))
        targets = group.get("targets")
        if not isinstance(targets, YSeq):
            continue
        for index, target in enumerate(targets):
            if isinstance(target, str):
                host, port = split_host_port(target)
                job.targets.append(Target(host, port, targets.item_line(index)))


def split_host_port(text: str) -> tuple[str, int | None]:
    host, _, port = text.strip().rpartition(":")
    if not host or not port.isdigit():
        return text.strip(), None
    return host.strip("[]"), int(port)


def _relabelling(raw: Any, job: ScrapeJob) -> None:
    for rule in raw if isinstance(raw, YSeq) else ():
        if not isinstance(rule, YMap) or str(rule.get("action", "replace")).lower() != "keep":
            continue
        labels = rule.get("source_labels")
        names = [str(n) for n in labels] if isinstance(labels, YSeq) else []
        regex = rule.get("regex")
        if not isinstance(regex, str):
            continue
        if any(_SCRAPE_ANNOTATION.match(n) for n in names):
            job.by_annotation = True
        elif len(names) == 1 and _IDENTITY_META.match(names[0]):
            job.keeps.append(regex)


def monitor_of(path: str, obj: KubeObject) -> Monitor | None:
    if obj.group != _OPERATOR_GROUP or obj.kind not in ("ServiceMonitor", "PodMonitor"):
        return None
    selector = obj.get("spec", "selector")
    expressions: list[tuple[str, str, tuple[str, ...]]] = []
    raw = selector.get("matchExpressions") if isinstance(selector, YMap) else None
    for item in raw if isinstance(raw, YSeq) else ():
        if isinstance(item, YMap) and isinstance(item.get("key"), str):
            values = item.get("values")
            expressions.append(
                (
                    item["key"],
                    str(item.get("operator", "")),
                    tuple(str(v) for v in values) if isinstance(values, YSeq) else (),
                )
            )
    labels = string_map(selector.get("matchLabels")) if isinstance(selector, YMap) else {}
    name = obj.name if obj.kind == "ServiceMonitor" else f"{obj.namespace or 'default'}/{obj.name}"
    return Monitor(obj.kind, path, obj.line or 1, name, labels, expressions)
