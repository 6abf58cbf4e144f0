"""docs/infrastructure.md: the design explained for a reviewer: a Mermaid diagram (GitHub renders
it) and the SVG, every decision with its reason and rule, cost drivers, risks, and what the next
tier would change."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from opsmith.design.decide import choice_paths
from opsmith.design.model import DATABASE_KINDS, Choice, Design, Service
from opsmith.design.table import ROWS, next_row
from opsmith.generate.specs import RDS_CA_BUNDLE, REDIS_CA_VAR, ca_variables, database_ca, ecosystem

DOCS_FILE = "docs/infrastructure.md"
SVG_FILE = "docs/infrastructure.svg"


def render_docs(design: Design) -> str:
    row = ROWS[design.tier.effective]
    out: list[str] = [
        f"# Infrastructure: {design.app}",
        "",
        "<!-- Written by `opsmith design` from opsmith.yaml: change the design there (an override with"
        " your reason), then run `opsmith design` again to refresh this page. -->",
        "",
        "## Summary",
        "",
        _summary(design),
        "",
    ]
    unresolved = design.unresolved()
    if unresolved:
        out += ["**Needs input before approval:**", "", *[f"- `{item}`" for item in unresolved], ""]
    out += [
        "## Topology",
        "",
        "```mermaid",
        *_mermaid(design),
        "```",
        "",
        "![Topology](infrastructure.svg)",
        "",
    ]
    out += ["## Decisions", "", "| Decision | Choice | Why | Rule |", "|---|---|---|---|"]
    out += [_decision_row(path, choice) for path, choice in choice_paths(design).items()]
    out += ["", "## Services", ""]
    out += ["| Service | Kind | Start | Port | Health | Replicas | CPU / memory | Deploys by | SLO |"]
    out += ["|---|---|---|---|---|---|---|---|---|"]
    out += [_service_row(s) for s in design.services]
    out += [""]
    out += [f"- **{s.name}**: {s.resources.reason} ({s.resources.rule})" for s in design.services]
    out += ["", "## Health, metrics and criticality", ""]
    out += [line for s in design.services for line in _operations(s)]
    if design.backing_services:
        out += [
            "",
            "## Backing services",
            "",
            "| Service | Version | Provider | Used by |",
            "|---|---|---|---|",
        ]
        out += [
            f"| {b.kind} | {b.version or '-'} | {_cell(_value(b.provider))} | {', '.join(b.used_by) or '-'} |"
            for b in design.backing_services
        ]
        tls = _tls_notes(design)
        if tls:
            out += ["", "### TLS to managed data stores", "", *[f"- {line}" for line in tls]]
    out += ["", "## Environments", ""]
    out += [
        f"- **{e.name}**: deploys {e.deploys}; replicas: {e.replicas}{'; protected' if e.protected else ''}."
        for e in design.environments
    ]
    out += ["", "## Cost drivers", "", *[f"- {c}" for c in row.cost_drivers]]
    out += ["", "## Risks", "", *[f"- {r}" for r in [*row.risks, *_design_risks(design)]]]
    upcoming = next_row(design.tier.effective)
    out += ["", "## What changes at the next tier", "", row.next_tier]
    if upcoming is not None:
        out += [
            "",
            f"The next row is **{upcoming.title}**: {upcoming.topology}, {upcoming.orchestration}"
            f" ({upcoming.recommended}).",
        ]
    out += _bootstrap(design)
    out += [
        "",
        "## Approval",
        "",
        "Gate 1: `opsmith approve` records who approved this design, when, and a hash"
        " of opsmith.yaml; generation refuses any design changed since.",
    ]
    return "\n".join(out) + "\n"


def _bootstrap(design: Design) -> list[str]:
    """Where a team finds the way from an empty cloud account, and what is done by hand."""
    from opsmith.generate.options import wants_terraform

    if not wants_terraform(design):
        return []
    return [
        "",
        "## From an empty account",
        "",
        "`opsmith generate` writes docs/bootstrap.md: the order of the first applies, every command"
        " exactly, and the steps of this design that opsmith cannot generate, to be done by hand."
        " `.opsmith/generated.json` lists, for each decision above, the files that build it or the"
        " section of docs/bootstrap.md a person follows instead.",
    ]


def _summary(design: Design) -> str:
    inputs = design.inputs
    compliance = f", {inputs.compliance.upper()} compliance" if inputs.compliance != "none" else ""
    places = design.networking.regions
    # the regions the design serves from (the enterprise row adds some), not only those asked for
    count = len(places.effective) if places is not None else inputs.regions
    regions = f"{count} region{'s' if count > 1 else ''}"
    kinds = ", ".join(f"{s.name} ({s.kind or 'kind unknown'})" for s in design.services) or "no services yet"
    return (
        f"**{ROWS[design.tier.effective].title}** tier for {inputs.users:,} users in {regions}{compliance}:"
        f" {design.topology.effective} topology,"
        f" {design.orchestration.effective} on {design.platform.effective}."
        f" Services: {kinds}."
    )


def _node(prefix: str, name: str) -> str:
    return prefix + re.sub(r"[^A-Za-z0-9_]", "_", name)


def _mermaid(design: Design) -> list[str]:
    lines = ["flowchart LR", '  users(["Users"])']
    lines.append(f'  dns["DNS: {design.networking.dns.effective}"]')
    lines.append(f'  lb["Load balancer: {design.networking.load_balancer.effective}"]')
    lines += ["  users --> dns", "  users --> lb"]
    lines.append(f'  subgraph platform["{design.platform.effective} ({design.orchestration.effective})"]')
    for s in design.services:
        port = f" :{s.port}" if s.port else ""
        lines.append(f'    {_node("svc_", s.name)}["{s.name}<br/>{s.kind or "kind unknown"}{port}"]')
    lines.append("  end")
    for b in design.backing_services:
        lines.append(f'  {_node("db_", b.kind)}[("{b.kind}<br/>{b.provider.effective}")]')
    for s in design.services:
        if s.kind == "web":
            lines.append(f"  lb --> {_node('svc_', s.name)}")
        lines += [f"  {_node('svc_', s.name)} --> {_node('db_', kind)}" for kind in s.uses]
    return lines


def _value(choice: Choice[Any]) -> str:
    if choice.override is not None:
        return (
            f"**{_shown(choice.override.value)}** (override: {choice.override.reason};"
            f" opsmith chose {_shown(choice.value)})"
        )
    return _shown(choice.value)


def _shown(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else f"{value}"  # regions


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    """A Markdown code span that shows `text` as it is, whatever backticks it holds: fenced by a
    run of backticks longer than any inside, padded so an edge backtick is not the fence."""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if fence != "`" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _decision_row(path: str, choice: Choice[Any]) -> str:
    return f"| {path} | {_cell(_value(choice))} | {_cell(choice.reason)} | {_cell(choice.rule)} |"


def _service_row(s: Any) -> str:
    slo = f"{s.slo.availability}%, p95 < {s.slo.latency_p95_ms} ms" if s.slo else "-"
    start = _code(_cell(s.start)) if s.start else "**unknown**"
    return (
        f"| {s.name} | {s.kind or '**unknown**'} | {start} | {s.port or '-'} | {s.health_path or '-'} |"
        f" {s.resources.replicas_min}-{s.resources.replicas_max} | {s.resources.cpu} / {s.resources.memory} |"
        f" {_cell(_value(s.strategy))} | {slo} |"
    )


def _operations(s: Service) -> list[str]:
    """What the probes call, where metrics come from and whether the service is critical: each
    with its reason (absent in designs written before opsmith recorded them)."""
    out: list[str] = []
    if s.liveness is not None:
        ready = _code(s.health_path) if s.health_path else "a TCP check"
        live = _code(s.liveness.path) if s.liveness.path else "a TCP check of the port"
        out.append(f"- **{s.name}** readiness: {ready}; liveness: {live}: {s.liveness.reason}")
    if s.metrics is not None:
        where = f"{s.metrics.path} on port {s.metrics.port or s.port}" if s.metrics.exports else "none"
        out.append(f"- **{s.name}** metrics: {where}: {s.metrics.reason}")
    if s.critical is not None:
        flag = "critical" if s.critical.effective else "not critical"
        why = s.critical.override.reason if s.critical.override else s.critical.reason
        out.append(f"- **{s.name}** is {flag}: {why}")
    return out


_MANAGED_POSTGRES = ("aws-rds-postgresql", "cloud-sql-postgresql", "azure-postgresql-flexible")


def _tls_notes(design: Design) -> list[str]:
    """How each service's client treats the managed stores' certificates: what the generated
    images and manifests do about it, and what is left to the code."""
    providers = {b.kind: b.provider.effective for b in design.backing_services}
    out: list[str] = []
    postgres = [s for s in design.services if "postgresql" in s.uses]
    if postgres and providers.get("postgresql") in _MANAGED_POSTGRES:
        out.append(
            "PostgreSQL: `DATABASE_URL` asks for `sslmode=require`. libpq and the drivers that follow"
            " its meaning (psycopg, asyncpg, pgx, lib/pq, the pg gem, pdo_pgsql) then encrypt without"
            " verifying the server; node-postgres verifies it against Node's own CA store."
        )
        on_rds = [s for s in postgres if database_ca(design, s)]
        built = _names(s for s in on_rds if not s.build.dockerfile)
        kept = _names(s for s in on_rds if s.build.dockerfile)
        if built:
            out.append(
                f"{built}: the generated image downloads Amazon's RDS CA bundle at build and names it in"
                f" NODE_EXTRA_CA_CERTS ({RDS_CA_BUNDLE})."
            )
        if kept:
            out.append(
                f"{kept}: your own Dockerfile must add Amazon's RDS CA bundle ({RDS_CA_BUNDLE}) and set"
                " NODE_EXTRA_CA_CERTS to its path, or node-postgres refuses the database's certificate."
            )
        if providers["postgresql"] == "cloud-sql-postgresql":
            node = _names(s for s in postgres if ecosystem(s) == "node")
            if node:
                out.append(
                    f"{node}: Cloud SQL's certificate is signed by the instance's own CA and does not"
                    " name its private IP, so node-postgres refuses it: connect through the Cloud SQL"
                    " Node.js Connector, or add `uselibpqcompat=true` to the URL where node-postgres"
                    " accepts it (libpq's meaning of sslmode=require)."
                )
    memorystore = _names(s for s in design.services if REDIS_CA_VAR in ca_variables(design, s))
    if memorystore:
        out.append(
            f"{memorystore}: Memorystore's certificate is signed by the instance's own CA, passed (PEM)"
            f" in {REDIS_CA_VAR} from the secret store; the code hands it to its Redis client"
            " (ioredis `tls.ca`, redis-py `ssl_ca_data`)."
        )
    return out


def _names(services: Iterable[Service]) -> str:
    return ", ".join(f"**{s.name}**" for s in services)


def _design_risks(design: Design) -> list[str]:
    risks: list[str] = []
    for s in design.services:
        if s.kind == "web" and s.health_path is None:
            risks.append(
                f"{s.name} declares no health endpoint: probes fall back to a TCP check, which passes"
                " while the app is broken; add a /healthz route"
            )
        if s.build.lockfile is None and s.build.package_manager not in (None, "maven", "nuget"):
            risks.append(f"{s.name} has no lockfile: builds are not reproducible")
        if s.build.runtime is None and s.build.language:
            risks.append(f"{s.name} pins no runtime version: images would float with the base image")
    for b in design.backing_services:
        if b.provider.effective in ("container", "minio"):
            dumped = b.kind in DATABASE_KINDS
            copy = "its daily dump is the one copy off the host; rehearse a restore" if dumped else "none"
            risks.append(f"{b.kind} runs as a container: {copy if dumped else 'no backup'}")
    return risks
