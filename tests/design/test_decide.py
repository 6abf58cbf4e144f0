"""decide(): what each tier and cloud chooses, reasons and rules on every choice, overrides."""

from __future__ import annotations

import re

import pytest

from design.fixtures import NAMES, design, facts
from opsmith.design.decide import DesignError, Needs, apply_overrides, choice_paths, decide, overrides_of
from opsmith.design.model import Design, Inputs, Override


@pytest.mark.parametrize(
    ("users", "tier", "orchestration", "platform"),
    [
        (999, "hobby", "compose", "aws-ec2"),
        (99_999, "startup", "ecs", "aws-ecs-fargate"),
        (100_000, "growth", "kubernetes", "aws-eks"),
        (1_000_000, "enterprise", "kubernetes-mesh", "aws-eks"),
    ],
)
def test_tiers_at_the_boundaries(users: int, tier: str, orchestration: str, platform: str) -> None:
    d = design(users=users, cloud="aws")
    assert (d.tier.value, d.orchestration.value, d.platform.value) == (tier, orchestration, platform)
    assert d.tier.rule.startswith(f"table:{tier}")


def test_compliance_overrides_scale_in_the_design() -> None:
    d = design(users=10, compliance="hipaa", cloud="gcp")
    assert (d.tier.value, d.topology.value, d.platform.value) == (
        "compliance",
        "dedicated",
        "self-managed-kubernetes",
    )
    assert d.networking.tls.value == "cert-manager"
    assert all(b.provider.reason.endswith("private network.") for b in d.backing_services)
    production = next(e for e in d.environments if e.name == "production")
    assert production.protected and "two people" in production.deploys


def test_every_choice_has_a_reason_and_a_rule() -> None:
    for name in NAMES:
        if not facts(name).services:
            continue
        for tier_users in (10, 5_000, 200_000, 2_000_000):
            d = design(name, users=tier_users)
            for path, choice in choice_paths(d).items():
                assert choice.reason.strip() and choice.rule.strip(), (name, path)
            for s in d.services:
                assert s.resources.reason and s.resources.rule
                assert (s.slo is not None) == (s.kind == "web")


def test_default_cloud_follows_the_table() -> None:
    assert design(users=10).platform.value == "railway"
    assert "No --cloud given" in design(users=10).platform.reason
    assert design(users=5_000).platform.value == "aws-ecs-fargate"


@pytest.mark.parametrize(("cloud", "platform", "registry"), [("gcp", "gcp-cloud-run", "artifact-registry"),
                                                              ("azure", "azure-container-apps", "acr"),
                                                              ("fly", "fly", "fly-registry")])  # fmt: skip
def test_startup_platforms_per_cloud(cloud: str, platform: str, registry: str) -> None:
    d = design(users=5_000, cloud=cloud)
    assert (d.platform.value, d.registry.value) == (platform, registry)


@pytest.mark.parametrize("cloud", ["fly", "railway"])
def test_a_paas_cannot_carry_the_growth_tier(cloud: str) -> None:
    with pytest.raises(DesignError, match=f"--cloud {cloud} does not fit the growth tier"):
        design(users=100_000, cloud=cloud)


def test_strategies_follow_tier_and_kind() -> None:
    growth = design(users=200_000, cloud="aws")
    strategies = {s.name: s.strategy.value for s in growth.services}
    assert strategies == {"api": "canary", "web": "canary", "billing": "canary", "notifier": "rolling"}
    hobby = design(users=10, cloud="aws")
    assert {s.strategy.value for s in hobby.services if s.kind == "web"} == {"blue-green"}


def test_services_carry_what_generation_needs() -> None:
    d = design("python-django", users=5_000)
    web = d.service("newsroom")
    assert web is not None
    assert (web.kind, web.port, web.health_path, web.release) == (
        "web",
        8000,
        "/ready",
        "python manage.py migrate --noinput",
    )
    assert web.build.runtime and (web.build.runtime.name, web.build.runtime.version) == ("python", "3.11.10")
    assert (web.build.package_manager, web.build.lockfile) == ("poetry", "poetry.lock")
    assert web.commands.install == "poetry install --only main --no-root"
    assert web.evidence["port"] == "Procfile:1"
    beat = d.service("newsroom-beat")
    assert beat is not None and beat.kind == "worker"
    assert (beat.resources.replicas_min, beat.resources.replicas_max) == (1, 1)  # a scheduler runs once
    assert {b.kind: b.used_by for b in d.backing_services}["postgresql"] == [
        "newsroom", "newsroom-worker", "newsroom-beat",
    ]  # fmt: skip


def test_runtime_version_is_the_release_the_image_runs() -> None:
    # composer.json asks for ^8.2: the design names the exact release of that line the image pins
    runtime = design("php-laravel").services[0].build.runtime
    assert runtime is not None and runtime.declared == "^8.2"
    assert re.fullmatch(r"8\.2\.\d+", runtime.version), runtime.version


def test_unresolved_items_come_from_the_unknowns(tmp_path: object) -> None:
    d = design("unknown")
    assert d.services == [] and d.unresolved() and "services" in d.unresolved()[0]


def test_overrides_are_kept_and_a_tier_override_moves_what_follows() -> None:
    first = design(users=5_000, cloud="aws")
    edited = apply_overrides(
        first,
        {
            "tier": Override(value="growth", reason="we expect a launch spike"),
            "networking.dns": Override(value="cloud-dns", reason="our zones live in GCP"),
            "services[api].strategy": Override(value="blue-green", reason="instant switch back"),
        },
    )
    again = decide(facts("monorepo"), Needs(users=5_000, cloud="aws"), overrides=overrides_of(edited))
    assert again.tier.value == "startup" and again.tier.effective == "growth"
    assert again.tier.override and again.tier.override.reason == "we expect a launch spike"
    assert again.platform.value == "aws-eks"  # follows the overridden tier
    assert again.networking.dns.effective == "cloud-dns" and again.networking.dns.value == "route53"
    assert again.service("api") and again.service("api").strategy.effective == "blue-green"  # type: ignore[union-attr]


def test_an_override_must_be_a_valid_value() -> None:
    with pytest.raises(ValueError, match="tier"):
        apply_overrides(design(), {"tier": Override(value="galactic", reason="why not")})


def test_web_services_record_probes_metrics_and_criticality_with_reasons() -> None:
    plan = design("python-django", users=200_000, cloud="aws")
    web = next(s for s in plan.services if s.kind == "web")
    worker = next(s for s in plan.services if s.kind == "worker")
    assert web.liveness is not None and web.liveness.reason
    assert web.metrics is not None and not web.metrics.exports and "load balancer" in web.metrics.reason
    assert web.critical is not None and web.critical.value is True
    assert worker.critical is not None and worker.critical.value is False and worker.liveness is None
    assert choice_paths(plan)[f"services[{worker.name}].critical"] is worker.critical


def test_a_design_written_before_these_fields_still_loads() -> None:
    data = design("python-django", users=200_000, cloud="aws").model_dump(mode="json")
    for service in data["services"]:
        for key in ("liveness", "metrics", "critical"):
            service.pop(key)
    older = Design.model_validate(data)
    assert all(s.liveness is None and s.metrics is None and s.critical is None for s in older.services)


def test_a_worker_made_critical_keeps_the_reason_given() -> None:
    plan = design("python-django", users=200_000, cloud="aws")
    worker = next(s for s in plan.services if s.kind == "worker")
    path = f"services[{worker.name}].critical"
    changed = apply_overrides(plan, {path: Override[bool](value=True, reason="it sends the invoices")})
    assert choice_paths(changed)[path].effective is True
    assert overrides_of(changed)[path].reason == "it sends the invoices"


def test_railway_says_it_runs_its_own_build_of_the_commit_not_the_scanned_image() -> None:
    d = design(users=100, cloud="railway")
    assert d.platform.value == "railway"
    for reason in (d.platform.reason, d.registry.reason):
        assert "Railway builds" in reason and "deploys the image" not in reason


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_regions_are_named_in_the_design_the_primary_first(cloud: str) -> None:
    one = design(users=200_000, cloud=cloud).networking.regions
    assert one is not None and len(one.value) == 1
    # the enterprise row spans regions even when none were asked for
    enterprise = design(users=2_000_000, cloud=cloud).networking.regions
    assert enterprise is not None and len(enterprise.value) == 2
    assert enterprise.value[0] == one.value[0]
    assert "primary" in enterprise.reason and enterprise.rule.endswith(f"REGIONS[{cloud}]")
    asked = design(users=5_000, regions=4, cloud=cloud).networking.regions
    assert asked is not None and len(set(asked.value)) == 4
    assert design(users=10, cloud="fly").networking.regions is None  # Fly places machines itself


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_every_region_count_the_inputs_allow_gets_distinct_names(cloud: str) -> None:
    most = Inputs.model_fields["regions"].metadata[-1].le
    regions = design(users=5_000, regions=most, cloud=cloud).networking.regions
    assert regions is not None and len(set(regions.value)) == most


# every tier with managed stores (startup and up) has an objective of 99.5% or more
@pytest.mark.parametrize(
    ("users", "cloud"),
    [(5_000, "aws"), (5_000, "gcp"), (5_000, "azure"), (200_000, "aws"), (2_000_000, "gcp")],
)
def test_standby_follows_the_availability_objective_with_its_cost(users: int, cloud: str) -> None:
    d = design("node-express", users=users, cloud=cloud)
    web = next(s for s in d.services if s.slo is not None)
    assert web.slo is not None
    for backing in d.backing_services:
        assert backing.standby is not None, backing.kind
        assert backing.standby.value is True
        assert f"{web.slo.availability}%" in backing.standby.reason
        assert re.search(r"about \$\d+ a month more", backing.standby.reason)
    paths = choice_paths(d)
    assert "backing_services[postgresql].standby" in paths and "backing_services[redis].standby" in paths


def test_no_standby_choice_where_the_provider_has_none() -> None:
    hobby = design("node-express", users=10, cloud="aws")  # containers on the one server
    assert all(b.standby is None for b in hobby.backing_services)
    flask = design("python-flask", users=5_000, cloud="aws")  # MongoDB Atlas, CloudAMQP
    assert all(b.standby is None for b in flask.backing_services)


def test_a_standby_override_is_kept() -> None:
    base = design("node-express", users=5_000, cloud="aws")
    changed = apply_overrides(
        base, {"backing_services[redis].standby": Override(value=False, reason="the cache is disposable")}
    )
    redis = next(b for b in changed.backing_services if b.kind == "redis")
    assert redis.standby is not None and redis.standby.effective is False
    assert overrides_of(changed) == {"backing_services[redis].standby": redis.standby.override}
