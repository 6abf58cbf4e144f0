"""What every generated Kubernetes object shares: the application's names, labels and namespaces,
how each service runs (its workload shape, replicas, image), and how objects become YAML."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import yaml

from opsmith.design.model import Design, Service
from opsmith.generate.artifact import safe_name
from opsmith.generate.specs import build_context, image_name

Doc = tuple[str, dict[str, Any]]  # (why, as comment lines above the object; the object)
Shape = Literal["deployment", "rollout", "singleton", "cronjob"]
ENVIRONMENTS = ("staging", "production")
NAME = "app.kubernetes.io/name"
PART_OF = "app.kubernetes.io/part-of"
COMPONENT = "app.kubernetes.io/component"
TEAM = "team"
# The tag the base and the overlays carry until the deploy workflow pins the image it built
# (`kustomize edit set image NAME=REGISTRY/NAME:SHA`): a tag that exists nowhere, so applying an
# overlay by hand without it fails to pull instead of running something unknown.
PLACEHOLDER_TAG = "set-by-deploy-workflow"
WIDTH = 100
MIN_REPLICAS = 2  # below this a node drain or an eviction is an outage (KU010)
# Writable folders a read-only root filesystem must still offer, per runtime of opsmith's images
# (their WORKDIR is /app): Rails writes pids and logs under tmp/ and log/, Laravel compiles views
# and caches under storage/ and bootstrap/cache, Next.js caches optimised images in .next/cache.
WRITABLE = {
    "ruby": ("/app/tmp", "/app/log"),
    "php": ("/app/storage", "/app/bootstrap/cache"),
}
NEXT_CACHE = "/app/.next/cache"
# Folders an empty writable volume must contain before the app starts (created by an init container).
PREPARE = {
    "php": (
        "/app/storage/app/public",
        "/app/storage/framework/cache/data",
        "/app/storage/framework/sessions",
        "/app/storage/framework/views",
        "/app/storage/logs",
    ),
}
# The user opsmith's images run as, per runtime: numeric, so `runAsNonRoot` can be verified.
IMAGE_UID = {"node": 1000, "dotnet": 1654}
DEFAULT_UID = 10001


@dataclass(frozen=True)
class Context:
    design: Design

    @property
    def app(self) -> str:
        return safe_name(self.design.app)

    @property
    def secret_name(self) -> str:
        return f"{self.app}-secrets"

    @property
    def config_name(self) -> str:
        return f"{self.app}-config"

    def namespace(self, environment: str) -> str:
        """Production runs in `<app>` (the namespace docs/rollback.md names), staging beside it."""
        return self.app if environment == "production" else f"{self.app}-{environment}"

    def image_owner(self, service: Service) -> Service:
        """Services started from one build context share the image of the first of them."""
        context = build_context(service)
        return next(s for s in self.design.services if build_context(s) == context)

    def image(self, service: Service) -> str:
        return safe_name(image_name(self.design, self.image_owner(service)))

    def images(self) -> list[str]:
        return list(dict.fromkeys(self.image(s) for s in self.design.services))

    def web(self) -> list[Service]:
        return [s for s in self.design.services if s.kind == "web"]


def name(service: Service) -> str:
    return safe_name(service.name)


def is_singleton(service: Service) -> bool:
    """A worker the design says must run exactly once (a scheduler such as celery beat)."""
    return service.kind == "worker" and "SINGLETON" in service.resources.rule


def shape(service: Service) -> Shape:
    if service.kind == "cron":
        return "cronjob"
    if is_singleton(service):
        return "singleton"
    if service.kind == "web" and service.strategy.effective in ("canary", "blue-green"):
        return "rollout"
    return "deployment"


def replicas(service: Service) -> tuple[int, int]:
    """(fewest, most) replicas in production: the design's, never fewer than two."""
    low = max(MIN_REPLICAS, service.resources.replicas_min)
    return low, max(low, service.resources.replicas_max)


def selector(ctx: Context, service: Service) -> dict[str, str]:
    return {NAME: name(service), PART_OF: ctx.app}


def pod_labels(ctx: Context, service: Service) -> dict[str, str]:
    return {**selector(ctx, service), COMPONENT: service.kind or "web"}


def metadata(
    object_name: str,
    labels: Mapping[str, str],
    annotations: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Object metadata. No namespace: the kustomizations set it, per environment."""
    meta: dict[str, Any] = {"name": object_name, "labels": dict(labels)}
    if annotations:
        meta["annotations"] = dict(annotations)
    return meta


def obj(api_version: str, kind: str, meta: dict[str, Any], **body: Any) -> dict[str, Any]:
    return {"apiVersion": api_version, "kind": kind, "metadata": meta, **body}


class _Dumper(yaml.SafeDumper):
    """Block style for multi-line strings (PromQL, inline patches), keys in the order written, and
    no anchors: a value used twice is written twice, as a person would."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def to_yaml(value: Any) -> str:
    return yaml.dump(value, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=WIDTH)


def comment(text: str) -> str:
    """`text` as YAML comment lines: each paragraph (lines separated by a blank line) reflowed to
    the page width, indented lines (commands) kept as written."""
    out: list[str] = []
    for number, block in enumerate(text.strip().split("\n\n")):
        if number:
            out.append("")
        prose: list[str] = []
        for line in [*block.splitlines(), ""]:
            if line and not line[0].isspace():
                prose.append(line.strip())
                continue
            out += textwrap.wrap(" ".join(prose), WIDTH - 2) if prose else []
            prose = []
            if line:
                out.append(line.rstrip())
    return "".join(f"# {line}".rstrip() + "\n" for line in out)


def documents(header: str, docs: Iterable[Doc]) -> str:
    """A multi-document YAML file: the header, then each object below its comment."""
    parts = [comment(why) + to_yaml(body) for why, body in docs]
    return comment(header) + "---\n" + "---\n".join(parts)
