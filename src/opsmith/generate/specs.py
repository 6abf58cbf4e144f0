"""What each generator needs, read off the approved design (one place that knows the model)."""

from __future__ import annotations

import re

from opsmith.design.model import Design, Service
from opsmith.generate.dockerfile import ContainerSpec

# Package managers and languages that tell the ecosystem when the runtime is not declared.
_ECOSYSTEM_OF = {
    "npm": "node",
    "pnpm": "node",
    "yarn": "node",
    "bun": "node",
    "pip": "python",
    "poetry": "python",
    "uv": "python",
    "pipenv": "python",
    "pdm": "python",
    "go": "go",
    "maven": "java",
    "gradle": "java",
    "bundler": "ruby",
    "cargo": "rust",
    "composer": "php",
    "dotnet": "dotnet",
    "nuget": "dotnet",
    "javascript": "node",
    "typescript": "node",
    "python": "python",
    "java": "java",
    "kotlin": "java",
    "ruby": "ruby",
    "rust": "rust",
    "php": "php",
    "csharp": "dotnet",
    "c#": "dotnet",
}


def ecosystem(service: Service) -> str | None:
    build = service.build
    if build.runtime is not None and build.runtime.name in _ECOSYSTEM_OF.values():
        return build.runtime.name
    for hint in (build.package_manager, build.language):
        if hint and hint.lower() in _ECOSYSTEM_OF:
            return _ECOSYSTEM_OF[hint.lower()]
    return None


def image_name(design: Design, service: Service) -> str:
    """The repository name of a service's image: `<app>` alone for a single service."""
    if len(design.services) == 1 or service.name.startswith(design.app):
        return service.name if len(design.services) > 1 else design.app
    return f"{design.app}-{service.name}"


def acr_name(app: str, environment: str) -> str:
    """The environment's Azure Container Registry, as Terraform creates it and CI signs in to:
    letters and digits only, at most 50, the environment kept whole so the two never collide."""
    return re.sub(r"[^a-z0-9]", "", app)[: 50 - len(environment)] + environment


def build_context(service: Service) -> str:
    return service.build.context.strip("/") or "."


def container_spec(service: Service, digests: dict[str, str] | None = None) -> ContainerSpec | None:
    """None when the service keeps the user's own Dockerfile or its ecosystem is unknown."""
    eco = ecosystem(service)
    if service.build.dockerfile or eco is None:
        return None
    lock = service.build.lockfile.rsplit("/", 1)[-1] if service.build.lockfile else None
    runtime = service.build.runtime
    return ContainerSpec(
        name=service.name,
        path=build_context(service),
        ecosystem=eco,
        kind=service.kind or "web",
        package_manager=_manager(service, eco),
        package_manager_version=service.build.package_manager_version,
        lockfile=lock,
        runtime_version=runtime.declared if runtime else None,
        build_command=service.commands.build,
        start_command=service.start,
        port=service.port,
        # The image's HEALTHCHECK is a liveness check: the route that answers without backing
        # services when there is one (compose and readiness probes call health_path).
        health_path=_liveness_path(service),
        binary=service.name,
        main_package=service.build.main or ".",
        digests=dict(digests or {}),
    )


def _liveness_path(service: Service) -> str | None:
    if service.liveness is not None and service.liveness.path is not None:
        return service.liveness.path
    return service.health_path


def _manager(service: Service, eco: str) -> str | None:
    manager = service.build.package_manager
    if eco == "java" and manager not in ("maven", "gradle"):
        return "maven"
    return manager
