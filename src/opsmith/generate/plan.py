"""Which artifacts an approved design gets, in one list, with notes on what was left out."""

from __future__ import annotations

from dataclasses import dataclass, field

from opsmith.design.model import Design
from opsmith.generate import (
    bootstrap_doc,
    compose,
    dockerfile,
    kubernetes,
    monitoring,
    rollback,
    terraform,
    terraform_addons,
    workflows,
)
from opsmith.generate.artifact import Artifact
from opsmith.generate.options import GenerateOptions
from opsmith.generate.specs import build_context, container_spec, database_ca, ecosystem


@dataclass
class Plan:
    artifacts: list[Artifact] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def plan(design: Design, options: GenerateOptions) -> Plan:
    out = Plan()
    _containers(design, options, out)
    out.artifacts += compose.render(design)
    out.artifacts += workflows.render(design, options)
    out.artifacts += kubernetes.render(design, options)
    out.artifacts += terraform.render(design, options)
    out.artifacts += terraform_addons.render(design)
    out.artifacts += rollback.render(design)
    out.artifacts += monitoring.render(design)
    out.notes += monitoring.notes(design)
    out.artifacts += bootstrap_doc.render(design, out.artifacts)  # written from the files above
    return out


def _containers(design: Design, options: GenerateOptions, out: Plan) -> None:
    """One Dockerfile per build context: services started from the same folder share an image."""
    seen: set[str] = set()
    for service in design.services:
        context = build_context(service)
        if context in seen:
            continue
        seen.add(context)
        if service.build.dockerfile:
            out.notes.append(
                f"{service.name}: kept your {service.build.dockerfile} (opsmith audit checks it)"
            )
            continue
        spec = container_spec(service, options.digests, database_ca(design, service))
        if spec is None:
            out.notes.append(
                f"{service.name}: no Dockerfile generated, its ecosystem is unknown "
                f"(set [design.services.{service.name}] runtime in .opsmith.toml)"
            )
            continue
        if spec.lockfile is None and ecosystem(service) in ("node", "python", "ruby", "php", "rust"):
            out.notes.append(
                f"{service.name}: no lockfile found; the generated Dockerfile installs from one, "
                "so commit a lockfile before building"
            )
        out.artifacts += dockerfile.render(spec)
