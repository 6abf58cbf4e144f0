"""The Compose project a file belongs to, for the DC rules that judge what a service lacks.

`docker compose` merges `compose.yaml` with `compose.override.yaml` (and `-f` files such as
`docker-compose.prod.yml`) by service name, and `extends` pulls in another service's settings. A
healthcheck, a restart policy or a volume written in any of those files counts, so these rules
look at every compose file of one folder together, and only judge services whose definition says
what to run (an image, a build, or an `extends` that can be followed). Findings are reported where
the service is defined first (the base file).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from posixpath import basename, dirname, join, normpath
from typing import Any

from opsmith.parse.compose import ComposeDoc, Dependency, EnvVar, Service, Value, expand
from opsmith.parse.dockerfile import DockerfileDoc, Stage
from opsmith.rules import dockerfile_facts
from opsmith.rules.base import RepoContext
from opsmith.rules.compose_facts import looks_like_task, restarts_forever

_BASE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
_REMOTE_CONTEXT = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@|github\.com/)", re.IGNORECASE)


@dataclass(frozen=True)
class Layer:
    path: str  # the compose file
    service: Service
    own: bool  # False for a layer pulled in through `extends`


@dataclass
class ServiceView:
    """One service of a project: every definition of it, lowest precedence first."""

    name: str
    layers: list[Layer] = field(default_factory=list)
    resolved: bool = True  # every `extends` could be followed

    @property
    def home(self) -> Layer:
        own = [layer for layer in self.layers if layer.own]
        return next((layer for layer in own if layer.service.complete), own[0] if own else self.layers[0])

    @property
    def complete(self) -> bool:
        return self.resolved and any(layer.service.complete for layer in self.layers)

    def last(self, attribute: str) -> tuple[Layer, Any] | None:
        """The value that wins (later files and the extending service override)."""
        for layer in reversed(self.layers):
            value = getattr(layer.service, attribute)
            if value is not None:
                return layer, value
        return None

    def has(self, attribute: str) -> bool:
        return any(getattr(layer.service, attribute) for layer in self.layers)

    def environment(self) -> list[EnvVar]:
        merged: dict[str, EnvVar] = {}
        for layer in self.layers:
            merged.update({var.name: var for var in layer.service.environment})
        return list(merged.values())

    def dependencies(self) -> Iterator[tuple[Layer, Dependency]]:
        merged: dict[str, tuple[Layer, Dependency]] = {}
        for layer in self.layers:
            merged.update({dep.service: (layer, dep) for dep in layer.service.depends_on})
        yield from merged.values()

    def command_words(self) -> tuple[str, ...]:
        found = self.last("command")
        return found[1] if found else ()


@dataclass
class Project:
    folder: str
    files: list[tuple[str, ComposeDoc]]
    services: dict[str, ServiceView]
    repo: RepoContext

    def one_shot(self, view: ServiceView) -> bool:
        """A task that runs and exits: something waits for it to complete successfully, it says
        `restart: "no"`, or it is not restarted and its command, name or image says it migrates,
        seeds or initialises."""
        for other in self.services.values():
            for _layer, dep in other.dependencies():
                if dep.service == view.name and dep.condition == "service_completed_successfully":
                    return True
        restart = self.value(view, "restart")
        policy = self.value(view, "restart_policy")
        if restarts_forever(restart, policy):
            return False
        if restart is not None and (expand(restart.text) or "").strip().lower() in ("no", "false"):
            return True  # written out: the service is meant to run once
        return any(looks_like_task(layer.service) for layer in view.layers)

    def depended_on(self, view: ServiceView) -> bool:
        """Whether another service lists this one in its `depends_on`."""
        return any(
            dep.service == view.name
            for other in self.services.values()
            for _layer, dep in other.dependencies()
        )

    @staticmethod
    def value(view: ServiceView, attribute: str) -> Value | None:
        found = view.last(attribute)
        return found[1] if found else None

    def health(self, view: ServiceView) -> str:
        """ "yes" (a healthcheck runs), "disabled" (turned off on purpose), "no", or "unknown"
        (built from a Dockerfile opsmith cannot read)."""
        found = view.last("healthcheck")
        image = self.image_health(view)
        if found is None:
            return image
        check = found[1]
        if check.disabled:
            return "disabled"
        if check.has_test or (image == "no" and view.last("build") is None):
            return "yes"  # a block with no `test` tunes the registry image's own HEALTHCHECK
        return image

    def image_health(self, view: ServiceView) -> str:
        built = view.last("build")
        if built is None:
            return "no"  # a registry image: most ship no HEALTHCHECK, and we cannot look inside
        layer, build = built
        if build.inline is not None:
            checks = [
                ln.split() for ln in build.inline.splitlines() if ln.strip().upper().startswith("HEALTHCHECK")
            ]
            return _health_of([c[1] if len(c) > 1 else "" for c in checks])
        stage = self.built_stage(layer.path, build.context, build.dockerfile, build.target)
        if stage is None:
            return "unknown"
        checks = [ins for s in dockerfile_facts.chain(stage) for ins in s.of("HEALTHCHECK")]
        return _health_of([c.args[0] for c in checks])

    def built_stage(
        self, compose_path: str, context: str, dockerfile: str | None, target: str | None
    ) -> Stage | None:
        """The stage a `build:` produces, when its Dockerfile is in the repository and parsed."""
        doc = self.dockerfile(compose_path, context, dockerfile)
        if doc is None:
            return None
        if target:
            return doc.stage_named(expand(target) or target)
        return doc.final

    def dockerfile(self, compose_path: str, context: str, dockerfile: str | None) -> DockerfileDoc | None:
        ctx = expand(context)
        name = expand(dockerfile) if dockerfile else "Dockerfile"
        if not ctx or not name or _REMOTE_CONTEXT.match(ctx) or name.startswith("/") or ctx.startswith("/"):
            return None
        path = normpath(join(dirname(compose_path), ctx, name))
        if path.startswith("../"):
            return None
        for known, doc in self.repo.documents("dockerfile"):
            if known == path:
                return doc if isinstance(doc, DockerfileDoc) else None
        return None

    def runtime_image(self, view: ServiceView) -> str | None:
        """The image the container runs: the `image:` pulled, or the base of the image built here."""
        built = view.last("build")
        if built is not None:
            layer, build = built
            stage = self.built_stage(layer.path, build.context, build.dockerfile, build.target)
            if stage is None:
                return None
            base = dockerfile_facts.chain(stage)[0]
            return base.resolved_image
        image = self.value(view, "image")
        return image.text if image else None


def _health_of(checks: list[str]) -> str:
    if not checks:
        return "no"
    return "disabled" if checks[-1].upper() == "NONE" else "yes"


def _order(path: str) -> tuple[int, str]:
    name = basename(path)
    if name in _BASE_NAMES:
        return 0, name
    return (1 if ".override." in name else 2), name


def projects(repo: RepoContext) -> list[Project]:
    docs = {path: doc for path, doc in repo.documents("compose") if isinstance(doc, ComposeDoc)}
    folders: dict[str, list[str]] = {}
    for path in docs:
        folders.setdefault(dirname(path), []).append(path)
    out: list[Project] = []
    for folder, paths in sorted(folders.items()):
        ordered = sorted(paths, key=_order)
        views: dict[str, ServiceView] = {}
        for path in ordered:
            for service in docs[path].services:
                view = views.setdefault(service.name, ServiceView(service.name))
                view.resolved &= _add_layers(view, docs, path, service, own=True, depth=0)
        out.append(Project(folder, [(p, docs[p]) for p in ordered], views, repo))
    return out


def _add_layers(
    view: ServiceView, docs: dict[str, ComposeDoc], path: str, service: Service, *, own: bool, depth: int
) -> bool:
    resolved = True
    if service.extends is not None:
        ext = service.extends
        target_path = normpath(join(dirname(path), ext.file)) if ext.file else path
        target_doc = docs.get(target_path)
        target = target_doc.service(ext.service) if target_doc else None
        if target is None or depth > 8 or (target_path == path and target.name == service.name):
            resolved = False
        else:
            resolved = _add_layers(view, docs, target_path, target, own=False, depth=depth + 1)
    view.layers.append(Layer(path, service, own))
    return resolved
