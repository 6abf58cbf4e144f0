"""The design decisions opsmith builds, a closed list: how each is read from the design, and how
the generated files are held to it.

Generators tag each artifact with the decisions it implements (`Artifact.implements`), or, for a
step opsmith cannot generate, a document with the section a person follows (`Artifact.manual`).
`opsmith generate` records the resulting map in `.opsmith/generated.json` (never in opsmith.yaml,
whose approval hash must not move when a generator changes). `problems` then says, decision by
decision, what is decided but implemented by no file, and what a generated file contradicts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from opsmith.design.docs import DOCS_FILE
from opsmith.design.model import DATABASE_KINDS, Design
from opsmith.generate import decision_checks as checks
from opsmith.generate.artifact import Artifact
from opsmith.generate.decision_files import GeneratedFiles
from opsmith.generate.options import cloud_of, wants_terraform

Reader = Callable[[Design], str | None]


@dataclass(frozen=True)
class Decision:
    id: str
    title: str
    decided: Reader  # what the design chose, in words; None: nothing to build for it
    contradictions: checks.Check


def _topology(design: Design) -> str:
    return design.topology.effective


def _regions(design: Design) -> str | None:
    if not wants_terraform(design):
        return None  # Fly.io and Railway place the app themselves
    names = checks.region_names(design)
    count = checks.region_count(design)
    return ", ".join(names) if names else f"{count} region{'s' if count > 1 else ''}"


def _mesh(design: Design) -> str | None:
    return "Istio, every application namespace enrolled" if checks.has_mesh(design) else None


def _mtls(design: Design) -> str | None:
    return "STRICT between every workload of the mesh" if checks.has_mesh(design) else None


def _dns(design: Design) -> str | None:
    provider = design.networking.dns.effective
    if provider == "external":
        return None  # the user's own DNS provider: a CNAME they add
    count = checks.region_count(design)
    if count > 1:
        return f"{provider}: latency-based routing with health checks over {count} regions"
    return f"{provider}: records for each environment's entry point"


def _replication(design: Design) -> str | None:
    parts = [
        f"{kind}: standby in another zone" for kind, _, standby in checks.managed_stores(design) if standby
    ]
    if checks.region_count(design) > 1 and checks.managed_stores(design):
        parts.append(f"data replicated to {checks.region_count(design)} regions")
    return "; ".join(parts) or None


def _audit_trail(design: Design) -> str | None:
    if not checks.needs_audit_trail(design):
        return None
    return ", ".join(what for _, what in checks.AUDIT_TRAIL.get(cloud_of(design), ())) or "audit trail"


def _network_policy(design: Design) -> str | None:
    return (
        "NetworkPolicies enforced by the cluster's network plugin" if checks.is_kubernetes(design) else None
    )


def _autoscaling(design: Design) -> str | None:
    grows = [
        f"{s.name} {s.resources.replicas_min}-{s.resources.replicas_max}"
        for s in design.services
        if s.resources.replicas_max > s.resources.replicas_min and s.kind != "cron"
    ]
    if not grows:
        return None
    nodes = "; nodes follow the pods" if checks.is_kubernetes(design) else ""
    return "replicas " + ", ".join(grows) + nodes


def _secrets(design: Design) -> str:
    return design.secrets.effective


def _backups(design: Design) -> str | None:
    databases = [b for b in design.backing_services if b.kind in DATABASE_KINDS]
    if not databases:
        return None
    return ", ".join(
        f"{b.kind}: "
        + (
            "daily dumps to object storage (a container)"
            if b.provider.effective == "container"
            else "automated backups"
        )
        for b in databases
    )


def _platform(design: Design) -> str:
    return design.platform.effective


def _orchestration(design: Design) -> str:
    return design.orchestration.effective


def _stores(kinds: tuple[str, ...]) -> Reader:
    def read(design: Design) -> str | None:
        found = [f"{b.kind} on {b.provider.effective}" for b in design.backing_services if b.kind in kinds]
        return ", ".join(found) or None

    return read


def _registry(design: Design) -> str:
    return design.registry.effective


DECISIONS: tuple[Decision, ...] = (
    Decision("topology", "Topology", _topology, checks.topology),
    Decision("regions", "Regions", _regions, checks.regions),
    Decision("mesh", "Service mesh", _mesh, checks.mesh),
    Decision("mtls", "Mutual TLS", _mtls, checks.mtls),
    Decision("dns", "DNS routing policy", _dns, checks.dns),
    Decision("replication", "Replication and standbys", _replication, checks.replication),
    Decision("audit-trail", "Audit trail", _audit_trail, checks.audit_trail),
    Decision("network-policy", "Network-policy enforcement", _network_policy, checks.network_policy),
    Decision("autoscaling", "Autoscaling", _autoscaling, checks.autoscaling),
    Decision("secrets", "Secrets store", _secrets, checks.secrets),
    Decision("backups", "Backups", _backups, checks.backups),
    Decision("platform", "Platform", _platform, checks.platform),
    Decision("orchestration", "Orchestration", _orchestration, checks.orchestration),
    Decision("database", "Database", _stores(DATABASE_KINDS), checks.stores(DATABASE_KINDS)),
    Decision("cache", "Cache", _stores(("redis",)), checks.stores(("redis",))),
    Decision("registry", "Image registry", _registry, checks.registry),
)
IDS = frozenset(d.id for d in DECISIONS)


def decision_map(design: Design, artifacts: Iterable[Artifact]) -> dict[str, Any]:
    """What `.opsmith/generated.json` records under "decisions": for each decision, what the
    design chose, the files that implement it, and the manual steps (document and section). A tag
    that names no decision is recorded too, so `problems` can name the typo."""
    listed = list(artifacts)
    tags = {t for a in listed for t in (*a.implements, *(decision for decision, _ in a.manual))}
    readers = {d.id: d.decided for d in DECISIONS}
    out: dict[str, Any] = {}
    for tag in [d.id for d in DECISIONS] + sorted(tags - IDS):
        out[tag] = {
            "decided": readers[tag](design) if tag in readers else None,
            "files": sorted({a.path for a in listed if tag in a.implements}),
            "manual": [
                {"doc": a.path, "section": section}
                for a in listed
                for tagged, section in a.manual
                if tagged == tag
            ],
        }
    return out


def problems(design: Design, files: Mapping[str, str], recorded: Mapping[str, Any]) -> list[str]:
    """`decision: what is wrong` for every decision the design made that no file (nor manual
    step) implements, every recorded file or section that is not there, and every contradiction
    between the design and the generated files."""
    generated = GeneratedFiles(files)
    out = [
        f"{tag}: tagged on {_tagged(entry)}, but no decision has this id"
        for tag, entry in recorded.items()
        if tag not in IDS
    ]
    for decision in DECISIONS:
        paths, manual = _entry(recorded.get(decision.id))
        found = [f"{p} is recorded but was not generated" for p in paths if p not in files]
        found += [gap for gap in (_missing_section(files, m) for m in manual) if gap]
        found += _unsaid(files, manual)
        chosen = decision.decided(design)
        if chosen is not None and not paths and not manual:
            found.append(
                f"decided ({chosen}) but no generated file implements it and no manual step covers it"
            )
        found += decision.contradictions(design, generated)
        out += [f"{decision.id}: {problem}" for problem in found]
    return out


def _entry(entry: Any) -> tuple[list[str], list[Mapping[str, Any]]]:
    """A recorded entry's files and manual steps; a hand-damaged entry reads as empty."""
    if not isinstance(entry, Mapping):
        return [], []
    files, manual = entry.get("files"), entry.get("manual")
    paths = [str(p) for p in files] if isinstance(files, list) else []
    steps = [m for m in manual if isinstance(m, Mapping)] if isinstance(manual, list) else []
    return paths, steps


def _tagged(entry: Any) -> str:
    paths, manual = _entry(entry)
    return ", ".join(paths + [str(m.get("doc")) for m in manual]) or "?"


def _unsaid(files: Mapping[str, str], manual: list[Mapping[str, Any]]) -> list[str]:
    """A step done by hand must be plain in the design itself: its document names the page.
    (Only checked when `files` holds the design's document, which `opsmith design` writes.)"""
    design_doc = files.get(DOCS_FILE)
    if design_doc is None:
        return []
    docs = sorted({str(m.get("doc")) for m in manual})
    return [f"{DOCS_FILE} does not say that {doc} covers it by hand" for doc in docs if doc not in design_doc]


def _missing_section(files: Mapping[str, str], step: Mapping[str, Any]) -> str:
    doc, section = str(step.get("doc")), str(step.get("section"))
    if doc not in files:
        return f"the manual step's document {doc} was not generated"
    heading = re.compile(rf"^#+\s+{re.escape(section)}\s*$", re.MULTILINE)
    if not heading.search(files[doc]):
        return f"{doc} has no section {section!r} for the manual step"
    return ""
