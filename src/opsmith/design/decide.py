"""decide(facts, needs) -> Design: the table's row for the needs, then every choice below it,
each citing its reason and the rule (a table row or an entry of design/rules.py) behind it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from opsmith.analysis.facts import RepoFacts, ServiceFacts
from opsmith.design import rules
from opsmith.design.model import (
    UNASSIGNED_TEAM,
    BackingService,
    Build,
    Choice,
    Commands,
    Design,
    Environment,
    Inputs,
    Liveness,
    MetricsExport,
    Networking,
    Observability,
    Override,
    Resources,
    RuntimeSpec,
    Service,
    Slo,
)
from opsmith.design.table import PAAS, Boundaries, Cloud, Compliance, Selection, Tier, forced, select
from opsmith.generate.dockerfile import base_images, image_version


class DesignError(ValueError):
    """Needs that no design can meet (e.g. a PaaS for a multi-region design); one line for the user."""


@dataclass(frozen=True)
class Needs:
    users: int
    regions: int = 1
    compliance: Compliance = "none"
    cloud: Cloud | None = None
    name: str | None = None


def decide(
    facts: RepoFacts,
    needs: Needs,
    bounds: Boundaries | None = None,
    overrides: Mapping[str, Override[Any]] | None = None,
) -> Design:
    """The design for `facts` at `needs`. `overrides` (path -> Override, from an earlier design
    file) are carried over; a tier override also moves every choice that follows from the tier.
    A repository value no generator could carry safely (see design/grammar.py) is a DesignError."""
    try:
        return _decide(facts, needs, bounds, overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join([exc.title.lower(), *(str(part) for part in first["loc"])])
        message = str(first["msg"]).removeprefix("Value error, ")
        raise DesignError(f"cannot design this repository: {where} {message}") from None


def _decide(
    facts: RepoFacts,
    needs: Needs,
    bounds: Boundaries | None,
    overrides: Mapping[str, Override[Any]] | None,
) -> Design:
    overrides = dict(overrides or {})
    selection = select(needs.users, needs.regions, needs.compliance, bounds or Boundaries())
    tier_override = overrides.get("tier")
    effective = forced(tier_override.value) if tier_override else selection
    tier = effective.row.tier
    cloud, cloud_reason = _cloud(needs, tier)
    platform, orchestration, platform_reason = _platform(tier, cloud, needs)
    where = "design/rules.py"
    services = _services(facts, tier, cloud, platform)
    design = Design(
        app=_app_name(facts, needs),
        team=UNASSIGNED_TEAM,
        inputs=Inputs(
            users=needs.users, regions=needs.regions, compliance=needs.compliance, cloud=needs.cloud
        ),
        tier=Choice(value=selection.row.tier, reason=selection.reason, rule=selection.rule),
        topology=_row_choice(effective, effective.row.topology),
        orchestration=Choice(
            value=orchestration,
            reason=f"The {effective.row.title} row runs on {effective.row.orchestration}. {platform_reason}",
            rule=effective.rule,
        ),
        platform=Choice(
            value=platform, reason=f"{cloud_reason} {platform_reason}".strip(), rule=effective.rule
        ),
        registry=_cloud_choice(rules.REGISTRY, cloud, f"{where} REGISTRY"),
        secrets=_secrets(tier, cloud),
        networking=_networking(tier, cloud, needs.regions),
        environments=_environments(tier),
        services=services,
        backing_services=_backing(facts, tier, cloud, services),
        observability=_observability(tier, cloud, len([s for s in services if s.kind != "cron"]) > 1),
    )
    return apply_overrides(design, overrides)


def _row_choice(selection: Selection, value: Any) -> Choice[Any]:
    return Choice(value=value, reason=selection.row.reason, rule=selection.rule)


def _cloud(needs: Needs, tier: Tier) -> tuple[Cloud, str]:
    if needs.cloud is None:
        if tier == "hobby":
            return "railway", "No --cloud given: Railway, the first platform the hobby row recommends."
        return "aws", "No --cloud given: AWS, the first platform the table recommends for this row."
    if needs.cloud in PAAS and tier not in ("hobby", "startup"):
        raise DesignError(
            f"--cloud {needs.cloud} does not fit the {tier} tier, which needs "
            f"{'a dedicated private cloud' if tier == 'compliance' else 'Kubernetes across zones'}:"
            " use --cloud aws, gcp or azure (or override the tier in opsmith.yaml)"
        )
    return needs.cloud, f"--cloud {needs.cloud} was asked for."


def _platform(tier: Tier, cloud: Cloud, needs: Needs) -> tuple[Any, Any, str]:
    if cloud in PAAS:
        orchestration = "compose" if tier == "hobby" else "platform"
        extra = (
            "" if tier == "hobby" else " Two or more instances give the redundancy the startup row asks for."
        )
        return cloud, orchestration, rules.PLATFORM_TEXT[cloud] + "." + extra
    if tier == "hobby":
        platform = rules.VM_PLATFORMS[cloud]
        return platform, "compose", rules.PLATFORM_TEXT[platform] + "."
    if tier == "startup":
        platform, orchestration = rules.SERVERLESS[cloud]
        return platform, orchestration, rules.PLATFORM_TEXT[platform] + "."
    if tier == "compliance":
        platform = "self-managed-kubernetes"
        return platform, "kubernetes", rules.PLATFORM_TEXT[platform] + f" on {cloud.upper()}."
    platform = rules.K8S_PLATFORMS[cloud]
    regions = f" One cluster in each of {needs.regions} regions." if needs.regions > 1 else ""
    orchestration = "kubernetes-mesh" if tier == "enterprise" else "kubernetes"
    return platform, orchestration, rules.PLATFORM_TEXT[platform] + "." + regions


def _cloud_choice(table: Mapping[Cloud, tuple[str, str]], cloud: Cloud, name: str) -> Choice[Any]:
    value, reason = table[cloud]
    return Choice(value=value, reason=reason + ".", rule=f"{name}[{cloud}]")


def _secrets(tier: Tier, cloud: Cloud) -> Choice[Any]:
    choice = _cloud_choice(rules.SECRETS, cloud, "design/rules.py SECRETS")
    if tier in ("growth", "enterprise", "compliance"):
        return choice.model_copy(update={"reason": choice.reason + rules.K8S_SECRETS_NOTE})
    return choice


def _looked_up(table: dict[tuple[str, str], tuple[str, str]], name: str, tier: Tier, key: str) -> Choice[Any]:
    value, reason, rule = rules.lookup(table, tier, key)
    return Choice(value=value, reason=reason + ".", rule=f"design/rules.py {name}[{rule}]")


def _networking(tier: Tier, cloud: Cloud, regions: int) -> Networking:
    dns = _cloud_choice(rules.DNS, cloud, "design/rules.py DNS")
    places = _regions(tier, cloud, regions)
    if places is not None and len(places.value) > 1:
        dns = dns.model_copy(update={"reason": dns.reason + rules.MULTI_REGION_DNS})
    return Networking(
        load_balancer=_looked_up(rules.LOAD_BALANCER, "LOAD_BALANCER", tier, cloud),
        dns=dns,
        tls=_looked_up(rules.TLS, "TLS", tier, cloud),
        regions=places,
    )


def _regions(tier: Tier, cloud: Cloud, asked: int) -> Choice[Any] | None:
    """The regions served from, the primary first; None where the platform places services."""
    names = rules.REGIONS.get(cloud)
    if names is None:
        return None
    # the model allows as many regions as each cloud has names here (Inputs.regions)
    count = max(asked, rules.ENTERPRISE_MIN_REGIONS) if tier == "enterprise" else asked
    why = f"{asked} asked for (--regions)" if count == asked else f"at least {count} in the enterprise row"
    reason = (
        f"{count} region{'s' if count > 1 else ''}: {why}. {names[0]} is the primary (the database's"
        " writer and where the shared resources live)"
    )
    if count > 1:
        reason += (
            "; the others spread over continents so latency routing has a region near each user,"
            " each with its own cluster and a replica of the database"
        )
    reason += ". Override with the regions closest to your users, the primary first."
    return Choice[Any](value=list(names[:count]), reason=reason, rule=f"design/rules.py REGIONS[{cloud}]")


def _environments(tier: Tier) -> list[Environment]:
    approvals = "two people approve" if tier == "compliance" else "a person approves"
    return [
        Environment(
            name="staging",
            deploys="every push to the default branch, after CI passes",
            protected=False,
            replicas="minimum",
        ),
        Environment(
            name="production",
            deploys=f"the image staging ran, once staging is healthy and {approvals} (protected environment)",
            protected=True,
            replicas="as-designed",
        ),
    ]


def _observability(tier: Tier, cloud: Cloud, several: bool) -> Observability:
    alerts = rules.ALERTS.get(tier, rules.ALERTS["*"])
    trace_key = cloud if tier != "hobby" else ("multi" if several else "single")
    return Observability(
        metrics=_looked_up(rules.METRICS, "METRICS", tier, cloud),
        logs=_looked_up(rules.LOGS, "LOGS", tier, cloud),
        traces=_looked_up(rules.TRACES, "TRACES", tier, trace_key),
        alert_routing=Choice[Any](
            value=alerts[0],
            reason=alerts[1] + ".",
            rule=f"design/rules.py ALERTS[{tier if tier in rules.ALERTS else '*'}]",
        ),
    )


# --------------------------------------------------------------------------- services

_VERSION = re.compile(r"(\d+(?:\.\d+){0,2})")
_RELEASE = re.compile(r"\d+\.\d+\.\d+")
_SINGLETON = re.compile(r"beat|clock|schedul", re.IGNORECASE)


def _services(facts: RepoFacts, tier: Tier, cloud: Cloud, platform: str) -> list[Service]:
    out: list[Service] = []
    taken = {s.name for s in facts.services}
    for found in facts.services:
        build = _build(found)
        out.append(
            _service(
                found.name,
                found,
                tier=tier,
                cloud=cloud,
                build=build,
                start=found.start.command if found.start else None,
            )
        )
        release = next((p for p in found.processes if p.kind == "release"), None)
        if release is not None:
            out[-1] = out[-1].model_copy(update={"release": release.command})
        for process in found.processes:
            if process.kind not in ("worker", "cron", "web"):
                continue
            name = _dns(f"{found.name}-{process.name}")
            while name in taken:
                name = _dns(name + "-proc")
            taken.add(name)
            service = _service(
                name, found, tier=tier, cloud=cloud, build=build, start=process.command, kind=process.kind
            )
            service = service.model_copy(update={"evidence": {"start": str(process.evidence[0])}})
            out.append(service)
    return out


def _release(version: str | None) -> str | None:
    """An exact release such as 9.15.9 (a range or a tag is not pinned)."""
    return version if version and _RELEASE.fullmatch(version) else None


def _build(found: ServiceFacts) -> Build:
    runtime = None
    if found.runtime is not None:
        name, declared = found.runtime.name, found.runtime.version
        if name in base_images():
            # the exact release the image and CI run: the declared one, or the newest bundled
            # release of the line a range allows (`declared` says which)
            version = image_version(name, declared)
        else:
            match = _VERSION.search(declared)
            version = match.group(1) if match else declared
        runtime = RuntimeSpec(name=name, version=version, declared=declared)
    manager = found.package_manager
    return Build(
        context=found.path,
        dockerfile=found.dockerfile,
        language=found.languages[0].value if found.languages else None,
        runtime=runtime,
        package_manager=manager.name if manager else None,
        package_manager_version=_release(manager.version) if manager else None,
        lockfile=manager.lockfile if manager else None,
        framework=found.frameworks[0].value if found.frameworks else None,
        main=found.main_package.value if found.main_package else None,
    )


def _service(
    name: str,
    found: ServiceFacts,
    *,
    tier: Tier,
    cloud: Cloud,
    build: Build,
    start: str | None,
    kind: str | None = None,
) -> Service:
    own = kind is None
    kind = kind or (found.kind.value if found.kind else None)
    web = kind == "web"
    commands = (
        Commands(**{c.purpose: c.command for c in found.commands if c.purpose != "start"})
        if own
        else Commands()
    )
    return Service(
        name=name,
        kind=kind,  # type: ignore[arg-type]
        build=build,
        commands=commands,
        start=start,
        port=found.port.value if web and found.port else None,
        health_path=found.health.value if web and found.health else None,
        uses=sorted({f.value for f in found.backing_services}),  # type: ignore[misc]
        env=[f.value for f in found.env],
        resources=_resources(found, tier, kind, start),
        strategy=_strategy(tier, cloud, kind),
        slo=_slo(tier) if web else None,
        liveness=_liveness(found) if web else None,
        metrics=_metrics(found, kind) if own or web else _no_metrics(kind),
        critical=_critical(kind),
        evidence=_evidence(found) if own else {},
    )


def _liveness(found: ServiceFacts) -> Liveness:
    live = found.liveness
    if live is not None:
        return Liveness(path=live.value, reason=f"{live.note}.", evidence=[str(e) for e in live.evidence[:3]])
    deep = f"{found.health.value} may query them; " if found.health else ""
    return Liveness(
        reason=f"no route answers without backing services ({deep}a failover would restart every"
        " replica at once): liveness checks that the port accepts connections."
    )


def _metrics(found: ServiceFacts, kind: str | None) -> MetricsExport:
    endpoint = found.metrics
    if endpoint is None:
        return _no_metrics(kind)
    return MetricsExport(
        exports=True,
        path=endpoint.path,
        port=endpoint.port,
        reason=f"{endpoint.note}.",
        evidence=[str(e) for e in endpoint.evidence[:3]],
    )


def _no_metrics(kind: str | None) -> MetricsExport:
    edge = "; release checks read the load balancer's, ingress's or mesh's request metrics instead"
    return MetricsExport(
        exports=False,
        reason="no Prometheus client library with a /metrics route or metrics server was found"
        + (edge if kind == "web" else "")
        + ".",
    )


def _critical(kind: str | None) -> Choice[Any]:
    if kind == "web":
        reason = "it takes users' requests: an outage is seen at once, so it is alerted and release-checked"
        return Choice(value=True, reason=reason + ".", rule="design/decide.py: every web service is critical")
    reason = (
        "it takes no requests; override to true when users wait on its work (payments, e-mail),"
        " so its failures page and its releases are checked"
    )
    return Choice(
        value=False,
        reason=reason + ".",
        rule="design/decide.py: workers and jobs only when the design says so",
    )


def _resources(found: ServiceFacts, tier: Tier, kind: str | None, start: str | None) -> Resources:
    cpu, memory, why = rules.RESOURCES.get(found.ecosystem, rules.DEFAULT_RESOURCES)
    if kind == "worker" and start and _SINGLETON.search(start):
        low, high, count = 1, 1, rules.SINGLETON_REASON
        rule = "design/rules.py SINGLETON_REASON"
    elif kind == "cron":
        low, high, count = 0, 1, "a scheduled job runs one instance per schedule"
        rule = "design/rules.py (cron)"
    else:
        table = rules.WORKER_REPLICAS if kind == "worker" else rules.REPLICAS
        low, high, count = table[tier]
        rule = f"design/rules.py {'WORKER_REPLICAS' if kind == 'worker' else 'REPLICAS'}[{tier}]"
    reason = f"{why}; {count}."
    rule += f", RESOURCES[{found.ecosystem if found.ecosystem in rules.RESOURCES else 'default'}]"
    return Resources(cpu=cpu, memory=memory, replicas_min=low, replicas_max=high, reason=reason, rule=rule)


def _strategy(tier: Tier, cloud: Cloud, kind: str | None) -> Choice[Any]:
    if kind in (None, "web") and cloud in rules.PAAS_STRATEGY:
        value, reason = rules.PAAS_STRATEGY[cloud]
        return Choice(value=value, reason=reason + ".", rule=f"design/rules.py PAAS_STRATEGY[{cloud}]")
    return _looked_up(rules.STRATEGY, "STRATEGY", tier, kind or "web")


def _slo(tier: Tier) -> Slo:
    availability, latency, reason = rules.SLO[tier]
    return Slo(
        availability=availability,
        latency_p95_ms=latency,
        reason=f"{reason}; p95 under {latency} ms.",
        rule=f"design/rules.py SLO[{tier}]",
    )


def _evidence(found: ServiceFacts) -> dict[str, str]:
    out: dict[str, str] = {}
    pairs: list[tuple[str, Any]] = [
        ("kind", found.kind),
        ("start", found.start),
        ("port", found.port),
        ("health_path", found.health),
        ("runtime", found.runtime),
    ]
    for key, fact in pairs:
        if fact is not None and fact.evidence:
            out[key] = str(fact.evidence[0])
    return out


def _backing(facts: RepoFacts, tier: Tier, cloud: Cloud, services: list[Service]) -> list[BackingService]:
    out: list[BackingService] = []
    for fact in facts.backing_services:
        kind = fact.value
        users = [s.name for s in services if kind in s.uses]
        provider = _provider(kind, tier, cloud)
        out.append(
            BackingService(
                kind=kind,  # type: ignore[arg-type]
                version=rules.BACKING_VERSIONS.get(kind),
                provider=provider,
                standby=_standby(provider.value, tier),
                used_by=users,
                evidence=[str(e) for e in fact.evidence[:5]],
            )
        )
    return out


def _standby(provider: str, tier: Tier) -> Choice[bool] | None:
    """Whether production keeps a standby (database) or replica (cache) in a second zone: when the
    tier's availability objective cannot absorb a zone outage, with what it costs either way."""
    sized = rules.standby_cost(provider, tier)
    if sized is None:
        return None
    availability = rules.SLO[tier][0]
    allowed = _downtime(availability)
    size, dollars = sized
    cost = f"about ${dollars} a month more at the production size ({size}; staging has none)"
    what = rules.STANDBY_TEXT[provider]
    needed = availability >= rules.STANDBY_FROM_AVAILABILITY
    if needed:
        reason = (
            f"the {availability}% objective allows about {allowed} of downtime a month, and a single"
            f" instance is down for as long as its zone is and for each maintenance restart: {what}; {cost}"
        )
    else:
        reason = f"the {availability}% objective absorbs a zone outage; {what} would cost {cost}"
    rule = f"design/rules.py STANDBY_FROM_AVAILABILITY ({rules.STANDBY_FROM_AVAILABILITY}%), STANDBY_COST"
    return Choice(value=needed, reason=reason + ".", rule=rule)


def _downtime(availability: float) -> str:
    minutes = (100 - availability) / 100 * 30 * 24 * 60
    return f"{minutes / 60:.1f} hours" if minutes >= 90 else f"{minutes:.0f} minutes"


def _provider(kind: str, tier: Tier, cloud: Cloud) -> Choice[str]:
    if tier == "hobby" and cloud not in PAAS:
        value = rules.OBJECT_STORAGE[cloud] if kind == "s3" else "container"
        rule = (
            f"design/rules.py OBJECT_STORAGE[{cloud}]" if kind == "s3" else "design/rules.py hobby: container"
        )
        reason = rules.PROVIDER_TEXT.get(value, f"{value}: the cloud's object storage")
        return Choice(value=value, reason=reason + ".", rule=rule)
    value = rules.MANAGED[cloud][kind]
    reason = rules.PROVIDER_TEXT.get(value, f"{value}: managed, backed up and patched by the provider")
    if tier in ("growth", "enterprise", "compliance") and value not in ("container", "minio"):
        reason += "; multi-AZ with a standby"
    if tier == "compliance":
        # Terraform creates a customer-managed key on AWS only (terraform/modules/kms).
        key = "a customer-managed KMS key" if cloud == "aws" else "the provider's own keys"
        reason += f"; encrypted at rest with {key}, reachable only from the private network"
    if tier == "enterprise":
        reason += "; replicated to every region"
    return Choice(value=value, reason=reason + ".", rule=f"design/rules.py MANAGED[{cloud}][{kind}]")


def _app_name(facts: RepoFacts, needs: Needs) -> str:
    if needs.name:
        return _dns(needs.name)
    if len(facts.services) == 1 and facts.services[0].path == ".":
        return facts.services[0].name
    return facts.name


def _dns(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:63].strip("-") or "app"


# --------------------------------------------------------------------------- overrides


def choice_paths(design: Design) -> dict[str, Choice[Any]]:
    """Every choice of a design by its path (`tier`, `networking.tls`, `services[api].strategy`,
    `backing_services[postgresql].provider`)."""
    out: dict[str, Choice[Any]] = {}
    for name in ("tier", "topology", "orchestration", "platform", "registry", "secrets"):
        out[name] = getattr(design, name)
    for group in ("networking", "observability"):
        section = getattr(design, group)
        for field in type(section).model_fields:
            value = getattr(section, field)
            if isinstance(value, Choice):
                out[f"{group}.{field}"] = value
    for service in design.services:
        out[f"services[{service.name}].strategy"] = service.strategy
        if service.critical is not None:
            out[f"services[{service.name}].critical"] = service.critical
    for backing in design.backing_services:
        out[f"backing_services[{backing.kind}].provider"] = backing.provider
        if backing.standby is not None:
            out[f"backing_services[{backing.kind}].standby"] = backing.standby
    return out


def overrides_of(design: Design) -> dict[str, Override[Any]]:
    return {path: c.override for path, c in choice_paths(design).items() if c.override is not None}


def apply_overrides(design: Design, overrides: Mapping[str, Override[Any]]) -> Design:
    """The design with each override set on the choice at its path (unknown paths are dropped:
    the thing they overrode is no longer in the design)."""
    if not overrides:
        return design
    data = design.model_dump(mode="json")
    for path, override in overrides.items():
        target = _locate(data, path)
        if target is not None:
            target["override"] = override.model_dump(mode="json", exclude_none=True)
    return Design.model_validate(data)


def _locate(data: dict[str, Any], path: str) -> dict[str, Any] | None:
    node: Any = data
    for part in path.split("."):
        match = re.fullmatch(r"(\w+)\[([\w-]+)\]", part)
        if match:
            items = node.get(match.group(1), []) if isinstance(node, dict) else []
            key = "kind" if match.group(1) == "backing_services" else "name"
            node = next((i for i in items if isinstance(i, dict) and i.get(key) == match.group(2)), None)
        else:
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return None
    return node if isinstance(node, dict) else None
