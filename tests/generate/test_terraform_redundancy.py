"""Redundancy in the generated Terraform follows the design's standby decisions: a database standby
and a cache replica in production wherever the availability objective needs them (startup
included), none in staging, and a person's override of the decision wins."""

from __future__ import annotations

import re

import pytest

from design.fixtures import design
from opsmith.design.decide import apply_overrides
from opsmith.design.model import Design, Override
from opsmith.design.rules import standby_cost
from opsmith.generate.terraform import render

# the production settings that turn each cloud's standby on, as terraform.tfvars writes them on
_ON = {
    "aws": ("db_multi_az = true", "cache_replicas = 1"),
    "gcp": ("db_high_availability = true", "cache_high_availability = true"),
    "azure": ("db_high_availability = true", 'cache_sku = "Standard"'),
}
_OFF = {
    "aws": ("db_multi_az = false", "cache_replicas = 0"),
    "gcp": ("db_high_availability = false", "cache_high_availability = false"),
    "azure": ("db_high_availability = false", 'cache_sku = "Basic"'),
}


def _tfvars(d: Design, env: str) -> str:
    files = {a.path: a.content for a in render(d)}
    return re.sub(r" +", " ", files[f"terraform/environments/{env}/terraform.tfvars"])


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
@pytest.mark.parametrize("users", [5_000, 200_000])
def test_production_keeps_the_standbys_the_slo_needs(cloud: str, users: int) -> None:
    d = design("node-express", users=users, cloud=cloud)
    assert all(b.standby is not None and b.standby.effective for b in d.backing_services)
    production, staging = _tfvars(d, "production"), _tfvars(d, "staging")
    for setting in _ON[cloud]:
        assert setting in production, setting
    for setting in _OFF[cloud]:
        assert setting in staging, setting


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_an_override_turns_the_standby_off(cloud: str) -> None:
    base = design("node-express", users=5_000, cloud=cloud)
    reason = Override(value=False, reason="we accept a zone outage")
    d = apply_overrides(
        base, {"backing_services[postgresql].standby": reason, "backing_services[redis].standby": reason}
    )
    production = _tfvars(d, "production")
    for setting in _OFF[cloud]:
        assert setting in production, setting


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
@pytest.mark.parametrize("users", [5_000, 200_000, 2_000_000])
def test_the_cost_names_the_size_production_runs(cloud: str, users: int) -> None:
    d = design("node-express", users=users, cloud=cloud)
    production = _tfvars(d, "production")
    for backing in d.backing_services:
        assert backing.standby is not None
        cost = standby_cost(backing.provider.effective, d.tier.effective)
        assert cost is not None
        size, _ = cost
        assert f"({size};" in backing.standby.reason
        # instance classes, tiers and SKUs appear as written; Memorystore and Azure Cache by size
        shown = {"1 GB": "cache_memory_gb = 1", "5 GB": "cache_memory_gb = 5", "C1": "cache_capacity = 1"}
        shown["C2"] = "cache_capacity = 2"
        assert shown.get(size, f'"{size}"') in production, size
