"""The services gate 3 checks, and the names and labels they may go by in monitoring.

With a design, its services: every web service is critical, and so is a worker or cron the design
marks critical. Without one, the services the repository deploys: compose services (those built
here, or run from an image that is not a database, a cache, a proxy or a monitoring tool),
Kubernetes workloads, and Cloud Run or ECS services deployed by workflows. There a service is web
when it publishes or exposes a port (compose), when a Kubernetes Service selects its pods, or when
it runs on Cloud Run; a service of unknown kind is treated as critical, since nothing says it
serves no one. Either way the deployment files add the names, labels and annotations the service
carries, which is what monitoring selects it by.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from opsmith.analysis.services import image_kind
from opsmith.design.model import Design
from opsmith.monitoring.naming import owners, words
from opsmith.monitoring.sources import Sources
from opsmith.parse.kubernetes import string_map
from opsmith.parse.yaml_tree import YMap, YSeq

# Images of tools that run beside an application rather than being one of its services.
_TOOL_WORDS = frozenset(
    {
        "prometheus",
        "alertmanager",
        "grafana",
        "loki",
        "promtail",
        "alloy",
        "tempo",
        "jaeger",
        "mimir",
        "thanos",
        "pushgateway",
        "exporter",
        "cadvisor",
        "otel",
        "opentelemetry",
        "collector",
        "nginx",
        "traefik",
        "haproxy",
        "caddy",
        "envoy",
        "mailhog",
        "mailpit",
        "adminer",
        "pgadmin",
        "pgadmin4",
        "memcached",
        "elasticsearch",
        "kibana",
        "zookeeper",
        "etcd",
        "vault",
        "consul",
        "localstack",
        "minio",
        "watchtower",
    }
)
_WORKLOADS = {
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "Rollout": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}
_CLOUD_RUN = re.compile(r"gcloud\s+(?:beta\s+)?run\s+deploy\s+([a-z][a-z0-9-]*)\b")
_ECS = re.compile(r"aws\s+ecs\s+update-service\b[^\n]*?--service\s+([A-Za-z][\w-]*)\b")
_SCRAPE_ANNOTATION = re.compile(r"(?:^|/)scrape$")


@dataclass
class Watched:
    """A service to check, with everything monitoring may know it by."""

    name: str
    kind: str | None
    critical: bool
    aliases: set[str] = field(default_factory=set)
    pod_labels: list[dict[str, str]] = field(default_factory=list)
    service_labels: list[dict[str, str]] = field(default_factory=list)  # Kubernetes Services selecting it
    service_names: set[str] = field(default_factory=set)
    annotated: bool = False  # carries a `prometheus.io/scrape: "true"`-style annotation

    def absorb(self, other: Watched) -> None:
        self.aliases |= other.aliases
        self.pod_labels.extend(other.pod_labels)
        self.service_labels.extend(other.service_labels)
        self.service_names |= other.service_names
        self.annotated = self.annotated or other.annotated


def watched_services(design: Design | None, sources: Sources) -> list[Watched]:
    found = _from_repository(sources)
    if design is None:
        return found
    out: list[Watched] = []
    for service in design.services:
        marked = service.critical is not None and service.critical.effective
        out.append(Watched(service.name, service.kind, service.kind == "web" or marked, {service.name}))
    aliases = {w.name: sorted(w.aliases) for w in out}
    by_name = {w.name: w for w in out}
    for extra in found:
        for owner in owners(extra.name, aliases):
            by_name[owner].absorb(extra)
    return out


def _from_repository(sources: Sources) -> list[Watched]:
    found: dict[str, Watched] = {}
    for item in [*_compose(sources), *_kubernetes(sources), *_workflows(sources)]:
        if item.name in found:
            found[item.name].absorb(item)
            if found[item.name].kind is None or item.kind == "web":
                found[item.name].kind = item.kind
                found[item.name].critical = item.critical
        else:
            found[item.name] = item
    return sorted(found.values(), key=lambda w: w.name)


def is_tool_image(image: str) -> bool:
    if image_kind(image) is not None:
        return True
    repository = image.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0]
    return bool(_TOOL_WORDS.intersection(words(repository)))


def _compose(sources: Sources) -> Iterable[Watched]:
    for _, doc in sources.compose:
        services = doc.get("services")
        if not isinstance(services, YMap):
            continue
        for name, body in services.items():
            if not isinstance(body, YMap) or not isinstance(name, str):
                continue
            image = body.get("image")
            if "build" not in body and (not isinstance(image, str) or is_tool_image(image)):
                continue
            web = bool(body.get("ports") or body.get("expose"))
            labels = string_map(body.get("labels"))
            yield Watched(
                name,
                "web" if web else "worker",
                web,
                {name},
                annotated=any(_SCRAPE_ANNOTATION.search(k) and v == "true" for k, v in labels.items()),
            )


def _kubernetes(sources: Sources) -> Iterable[Watched]:
    selectors = [
        (obj, string_map(obj.get("spec", "selector")))
        for _, obj in sources.objects
        if obj.kind == "Service" and obj.api_version == "v1"
    ]
    for _, obj in sources.objects:
        template_path = _WORKLOADS.get(obj.kind)
        template = obj.get(*template_path) if template_path else None
        if not isinstance(template, YMap) or not obj.name or not _runs_own_code(template):
            continue
        meta = template.get("metadata")
        meta = meta if isinstance(meta, YMap) else YMap(template.line, template.column)
        pod_labels = string_map(meta.get("labels"))
        chosen = [
            svc for svc, sel in selectors if sel and all(pod_labels.get(k) == v for k, v in sel.items())
        ]
        if obj.kind == "CronJob":
            kind: str | None = "cron"
        else:
            kind = "web" if chosen else "worker"
        annotations = {
            **string_map(meta.get("annotations")),
            **{k: v for svc in chosen for k, v in svc.annotations.items()},
        }
        yield Watched(
            obj.name,
            kind,
            kind == "web",
            {obj.name, *(v for k, v in pod_labels.items() if k in ("app", "app.kubernetes.io/name"))},
            [pod_labels],
            [svc.labels for svc in chosen],
            {svc.name for svc in chosen},
            any(_SCRAPE_ANNOTATION.search(k) and v == "true" for k, v in annotations.items()),
        )


def _runs_own_code(template: YMap) -> bool:
    """Whether a pod template runs something other than databases, caches and tools."""
    spec = template.get("spec")
    containers = spec.get("containers") if isinstance(spec, YMap) else None
    images = (
        [c.get("image") for c in containers if isinstance(c, YMap)] if isinstance(containers, YSeq) else []
    )
    return any(isinstance(i, str) and not is_tool_image(i) for i in images) or not images


def _workflows(sources: Sources) -> Iterable[Watched]:
    for _, text in sources.workflows:
        for pattern, kind in ((_CLOUD_RUN, "web"), (_ECS, None)):
            for match in pattern.finditer(text):
                yield Watched(match.group(1), kind, True, {match.group(1)})
