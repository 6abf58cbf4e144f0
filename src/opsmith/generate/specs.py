"""What each generator needs, read off the approved design (one place that knows the model)."""

from __future__ import annotations

import posixpath
import re

from opsmith.design.model import Design, Service
from opsmith.generate.dockerfile import ContainerSpec, health_probe

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
    """The service's folder, which names its image (services started from one folder share it)."""
    return service.build.context.strip("/") or "."


def docker_context(service: Service) -> str:
    """The folder a generated image is built from: the service's own, except for a member of a
    Node workspace whose lockfile lies in a folder above it. The install reads that lockfile and
    every member's manifest, so that folder is the context (the Dockerfile stays in the member's)."""
    context = build_context(service)
    lock = service.build.lockfile
    if lock is None or service.build.dockerfile or ecosystem(service) != "node":
        return context
    root = posixpath.dirname(lock) or "."
    inside = root == "." or context.startswith(root + "/")
    return root if inside and root != context else context


def workspace_member(service: Service) -> str | None:
    """The service's folder relative to its image's context, when the two differ."""
    root, context = docker_context(service), build_context(service)
    if root == context:
        return None
    return context if root == "." else context[len(root) + 1 :]


# Memorystore signs its certificate with the instance's own CA, which no trust store holds: the
# services that use it get that CA (PEM) in this variable beside the rediss:// URL.
REDIS_CA_VAR = "REDIS_CA_CERT"


def ca_variables(design: Design, service: Service) -> list[str]:
    """The variables holding a CA certificate the service's clients must trust, besides the
    backing services' URLs (secrets wherever they are passed, like the URLs)."""
    providers = {b.kind: b.provider.effective for b in design.backing_services}
    if "redis" in service.uses and providers.get("redis") == "memorystore-redis":
        return [REDIS_CA_VAR]
    return []


# Amazon's bundle of every RDS region's CA (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/
# UsingWithRDS.SSL.html).
RDS_CA_BUNDLE = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"


def database_ca(design: Design, service: Service) -> str | None:
    """The CA bundle a Node service's image must trust to reach its managed PostgreSQL. Only Node:
    node-postgres treats sslmode=require as verify-full against Node's own CA store, which lacks
    the RDS CA, while the libpq-based drivers of Python, Go, Ruby and PHP encrypt without
    verifying at sslmode=require. Azure's servers chain to public roots Node already trusts."""
    if ecosystem(service) != "node" or "postgresql" not in service.uses:
        return None
    providers = {b.kind: b.provider.effective for b in design.backing_services}
    return RDS_CA_BUNDLE if providers.get("postgresql") == "aws-rds-postgresql" else None


def container_spec(
    service: Service, digests: dict[str, str] | None = None, database_ca_url: str | None = None
) -> ContainerSpec | None:
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
        # services, else a TCP connect (compose and readiness probes call health_path).
        health_path=_liveness_path(service),
        health_tcp=service.liveness is not None and service.liveness.path is None,
        binary=service.name,
        main_package=service.build.main or ".",
        digests=dict(digests or {}),
        database_ca_url=database_ca_url,
        workspace_member=workspace_member(service),
    )


def _liveness_path(service: Service) -> str | None:
    """The route liveness calls; the health route for a design written before liveness existed
    (`liveness` None), which is also how compose asks for its readiness probe."""
    if service.liveness is not None:
        return service.liveness.path
    return service.health_path


def _manager(service: Service, eco: str) -> str | None:
    manager = service.build.package_manager
    if eco == "java" and manager not in ("maven", "gradle"):
        return "maven"
    return manager


def probe_command(service: Service, *, liveness: bool) -> list[str] | None:
    """The generated image's probe of the service: its liveness check (a route that answers alone,
    else a TCP connect) or its readiness route. Also for an image from the user's own Dockerfile,
    whose runtime is known even though opsmith did not write it."""
    build = service.build.model_copy(update={"dockerfile": None})
    update: dict[str, object] = {"build": build}
    if not liveness:
        update["liveness"] = None
    spec = container_spec(service.model_copy(update=update))
    return health_probe(spec) if spec is not None else None
