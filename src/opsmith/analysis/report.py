"""RepoFacts as text for a person, or JSON for a program (`opsmith analyze --format json`)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from opsmith.analysis.facts import Command, Evidence, Fact, RepoFacts, ServiceFacts, Unknown
from opsmith.report.safe_text import shown, valid_text
from opsmith.secrets.masking import mask_secrets

JSON_VERSION = 1


def to_json(facts: RepoFacts) -> str:
    data = {"version": JSON_VERSION, **_plain(dataclasses.asdict(facts))}
    return json.dumps(data, indent=2, sort_keys=False) + "\n"


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    # Names and lines come from the repository: valid Unicode, no secret whole.
    return valid_text(mask_secrets(value)) if isinstance(value, str) else value


def to_text(facts: RepoFacts) -> str:
    out: list[str] = [f"repository: {facts.name}"]
    if facts.monorepo:
        out.append(f"monorepo: {facts.monorepo.value}  [{_ev(facts.monorepo.evidence)}]")
    for service in facts.services:
        out.append("")
        out.extend(_service(service))
    if facts.libraries:
        out.append("")
        out.append("libraries (not deployed on their own):")
        out.extend(f"  {lib.name} ({lib.path}, {lib.ecosystem}): {lib.reason}" for lib in facts.libraries)
    if facts.backing_services:
        out.append("")
        out.append("backing services:")
        out.extend(f"  {f.value}  [{_ev(f.evidence)}]" for f in facts.backing_services)
    out.append("")
    if facts.artifacts:
        out.append("existing DevOps artifacts:")
        out.extend(f"  {a.kind}: {a.evidence}" for a in facts.artifacts)
    else:
        out.append("existing DevOps artifacts: none")
    unknowns = facts.all_unknowns()
    out.append("")
    if unknowns:
        out.append("could not be determined:")
        out.extend(_unknown(u) for u in unknowns)
    else:
        out.append("could not be determined: nothing")
    # Paths, commands and evidence lines come from the repository: nothing in them may drive the
    # terminal or show a secret.
    return "".join(shown(line) + "\n" for line in out)


def _service(s: ServiceFacts) -> list[str]:
    kind = s.kind.value if s.kind else "unknown kind"
    lines = [f"service {s.name} ({kind}) in {s.path}"]
    lines.extend(_fact_line("language", f) for f in s.languages)
    for pm in s.package_managers:
        lock = f", lockfile {pm.lockfile}" if pm.lockfile else ", no lockfile"
        version = f" {pm.version}" if pm.version else ""
        lines.append(f"  package manager: {pm.name}{version}{lock}  [{_ev(pm.evidence)}]")
    if s.runtime:
        lines.append(f"  runtime: {s.runtime.name} {s.runtime.version}  [{_ev(s.runtime.evidence)}]")
    lines.extend(_fact_line("framework", f) for f in s.frameworks)
    if s.start:
        lines.append(_command_line(s.start))
    if s.main_package:
        lines.append(_fact_line("main package", s.main_package))
    if s.port:
        lines.append(_fact_line("port", s.port))
    if s.health:
        lines.append(_fact_line("health", s.health))
    if s.liveness:
        lines.append(_fact_line("liveness", s.liveness))
    if s.metrics:
        port = f" on port {s.metrics.port}" if s.metrics.port else ""
        lines.append(f"  metrics: {s.metrics.path}{port} ({s.metrics.note})  [{_ev(s.metrics.evidence)}]")
    lines.extend(_command_line(c) for c in s.commands)
    lines.extend(f"  process {p.name} ({p.kind}): {p.command}  [{_ev(p.evidence)}]" for p in s.processes)
    lines.extend(_fact_line("uses", f) for f in s.backing_services)
    if s.env:
        lines.append("  env: " + ", ".join(f.value for f in s.env))
    if s.dockerfile:
        lines.append(f"  dockerfile: {s.dockerfile}")
    return lines


def _fact_line(label: str, fact: Fact[Any]) -> str:
    how = "" if fact.origin == "declared" else f" ({fact.origin}{': ' + fact.note if fact.note else ''})"
    return f"  {label}: {fact.value}{how}  [{_ev(fact.evidence)}]"


def _command_line(command: Command) -> str:
    how = "" if command.origin == "declared" else f" ({command.origin})"
    return f"  {command.purpose}: {command.command}{how}  [{_ev(command.evidence)}]"


def _unknown(u: Unknown) -> str:
    return f"  - {u.subject}: {u.detail}. Supply it: {u.supply}"


def _ev(evidence: tuple[Evidence, ...]) -> str:
    shown = [str(e) for e in evidence[:3]]
    if len(evidence) > 3:
        shown.append(f"+{len(evidence) - 3} more")
    return ", ".join(shown)
