"""Several regions: one stack per region of the design from modules/region, latency DNS with
health checks, a cross-region replica of each database, and the failover runbook."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import hcl2
import pytest

from design.fixtures import design
from opsmith.design.model import Design, Override
from opsmith.generate.artifact import Artifact
from opsmith.generate.terraform import render
from opsmith.generate.terraform_failover import RUNBOOK
from opsmith.generate.terraform_regions import suffix

CLOUDS = ("aws", "gcp", "azure")
ROOT = "terraform/environments/production"


def _files(d: Design) -> dict[str, str]:
    return {a.path: a.content for a in render(d)}


def _plain(value: Any) -> Any:
    """python-hcl2's reading without its quotes around literals and labels and its block markers."""
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items() if k != "__is_block__"}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str) and len(value) > 1 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def _load(text: str) -> dict[str, Any]:
    return _plain(hcl2.loads(text))  # type: ignore[no-any-return]


def _modules(text: str) -> dict[str, dict[str, Any]]:
    return {name: body for block in _load(text).get("module", []) for name, body in block.items()}


def _resources(text: str, kind: str) -> list[dict[str, Any]]:
    found = [b[kind] for b in _load(text).get("resource", []) if kind in b]
    return [body for group in found for body in group.values()]


def _tfvars(files: dict[str, str]) -> dict[str, Any]:
    return _load(files[f"{ROOT}/terraform.tfvars"])


def _stacks(files: dict[str, str], cloud: str) -> int:
    """Regional stacks production builds: module blocks of modules/region, times the regions
    a for_each block covers."""
    regions = _tfvars(files)["regions"]
    count = 0
    for body in _modules(files[f"{ROOT}/regions.tf"]).values():
        if body["source"] != "../../modules/region":
            continue
        if "for_each" in body:
            assert body["for_each"] == "${toset(var.regions)}", cloud
            count += len(regions)
        else:
            count += 1
    return count


@pytest.mark.parametrize("cloud", CLOUDS)
@pytest.mark.parametrize("asked", [{"users": 2_000_000}, {"users": 5_000, "regions": 3}])
def test_one_regional_stack_per_region_of_the_design(cloud: str, asked: dict[str, int]) -> None:
    d = design("node-express", cloud=cloud, **asked)
    assert d.networking.regions is not None
    names = d.networking.regions.effective
    assert len(names) == max(2, asked.get("regions", 1))
    files = _files(d)
    assert _tfvars(files)["regions"] == names
    assert _stacks(files, cloud) == len(names)
    # the provider's region (from CI or terraform.tfvars) must be the primary, or plan stops
    (guard,) = _resources(files[f"{ROOT}/regions.tf"], "terraform_data")
    condition = guard["lifecycle"][0]["precondition"][0]["condition"]
    assert f"var.regions[0] == var.{'location' if cloud == 'azure' else 'region'}" in condition
    # the root's own single-region network, cluster and cache are gone: they live in the stacks
    main = _modules(files[f"{ROOT}/main.tf"])
    assert not {"network", "cluster", "cache"} & set(main)


def test_aws_gives_each_secondary_region_its_own_provider() -> None:
    files = _files(design("node-express", cloud="aws", users=5_000, regions=3))
    text = files[f"{ROOT}/regions.tf"]
    providers = [p["aws"] for p in _load(text)["provider"]]
    assert [p["region"] for p in providers] == ["${var.regions[1]}", "${var.regions[2]}"]
    modules = _modules(text)
    assert "providers" not in modules["region_0"]  # the primary uses the root's own provider
    assert modules["region_2"]["providers"] == {"aws": "${aws.region_2}"}


def test_an_override_of_the_regions_moves_every_stack() -> None:
    d = design("node-express", cloud="gcp", users=2_000_000)
    assert d.networking.regions is not None
    places = d.networking.regions.model_copy(
        update={"override": Override(value=["europe-west1", "us-central1", "asia-east1"], reason="users")}
    )
    d = d.model_copy(update={"networking": d.networking.model_copy(update={"regions": places})})
    files = _files(d)
    assert _tfvars(files)["regions"] == ["europe-west1", "us-central1", "asia-east1"]
    tfvars = files[f"{ROOT}/terraform.tfvars"]
    region = re.search(r'(?m)^region\s*=\s*"(.+)"$|^# region: .*\b([a-z]+-[a-z]+\d)$', tfvars)
    assert region is not None and "europe-west1" in region.groups()
    assert set(_tfvars(files)["region_cidrs"]) == {"europe-west1", "us-central1", "asia-east1"}
    assert _stacks(files, "gcp") == 3


def test_one_region_keeps_the_single_stack_layout() -> None:
    files = _files(design("node-express", cloud="aws", users=200_000))
    assert f"{ROOT}/regions.tf" not in files
    assert "terraform/modules/region/main.tf" not in files
    assert {"network", "cluster", "cache"} <= set(_modules(files[f"{ROOT}/main.tf"]))


def test_aws_dns_is_latency_routed_behind_health_checks() -> None:
    text = _files(design("node-express", cloud="aws", users=2_000_000))[f"{ROOT}/regions.tf"]
    (record,) = _resources(text, "aws_route53_record")
    assert record["health_check_id"] == "${aws_route53_health_check.region[each.key].id}"
    assert record["latency_routing_policy"] == [{"region": "${each.key}"}]
    (check,) = _resources(text, "aws_route53_health_check")
    assert check["for_each"] == record["for_each"] == "${var.region_endpoints}"
    assert check["type"] == "HTTPS"
    assert check["resource_path"] == "/health"  # node-express's readiness route


def test_gcp_dns_is_geo_routed_behind_health_checks() -> None:
    text = _files(design("node-express", cloud="gcp", users=2_000_000))[f"{ROOT}/regions.tf"]
    (record,) = _resources(text, "google_dns_record_set")
    (policy,) = record["routing_policy"]
    assert policy["health_check"] == "${google_compute_health_check.region.id}"
    geo = policy["dynamic"][0]["geo"]
    assert geo["for_each"] == "${var.region_endpoints}"
    assert geo["content"][0]["health_checked_targets"] == [{"external_endpoints": ["${geo.value}"]}]
    (check,) = _resources(text, "google_compute_health_check")
    assert len(check["source_regions"]) == 3  # Cloud DNS's public health checks need exactly three


def test_azure_dns_is_performance_routed_behind_probes() -> None:
    text = _files(design("node-express", cloud="azure", users=2_000_000))[f"{ROOT}/regions.tf"]
    (profile,) = _resources(text, "azurerm_traffic_manager_profile")
    assert profile["traffic_routing_method"] == "Performance"
    assert profile["monitor_config"][0]["path"] == "/health"
    (endpoint,) = _resources(text, "azurerm_traffic_manager_external_endpoint")
    assert endpoint["endpoint_location"] == "${each.key}"
    (cname,) = _resources(text, "azurerm_dns_cname_record")
    assert cname["record"] == "${azurerm_traffic_manager_profile.app.fqdn}"


_REPLICA_OF = {
    "aws": ("aws_db_instance", "replicate_source_db", "${var.source_arn}"),
    "gcp": ("google_sql_database_instance", "master_instance_name", "${var.primary_name}"),
    "azure": ("azurerm_postgresql_flexible_server", "source_server_id", "${var.source_server_id}"),
}
_PRIMARY_OUTPUT = {"aws": "arn", "gcp": "instance_name", "azure": "id"}


@pytest.mark.parametrize("cloud", CLOUDS)
def test_every_secondary_region_has_a_replica_of_the_primary_database(cloud: str) -> None:
    d = design("node-express", cloud=cloud, users=5_000, regions=3)
    files = _files(d)
    kind, argument, value = _REPLICA_OF[cloud]
    (replica,) = _resources(files["terraform/modules/database_replica/main.tf"], kind)
    assert replica[argument] == value
    calls = {
        name: body
        for name, body in _modules(files[f"{ROOT}/regions.tf"]).items()
        if body["source"] == "../../modules/database_replica"
    }
    source = next(
        k for k in ("source_arn", "primary_name", "source_server_id") if k in next(iter(calls.values()))
    )
    assert all(body[source] == f"${{module.database.{_PRIMARY_OUTPUT[cloud]}}}" for body in calls.values())
    if cloud == "aws":  # one per secondary region, each with that region's provider
        assert sorted(calls) == ["database_replica_1", "database_replica_2"]
    else:
        (body,) = calls.values()
        assert body["for_each"] == "${toset(slice(var.regions, 1, length(var.regions)))}"
    output = f'output "{_PRIMARY_OUTPUT[cloud]}"'
    assert output in files["terraform/modules/database/outputs.tf"]


def _named(text: str, kind: str) -> dict[str, dict[str, Any]]:
    return {n: body for b in _load(text).get("resource", []) if kind in b for n, body in b[kind].items()}


def test_aws_peers_every_secondary_vpc_with_the_primary_and_opens_the_database() -> None:
    files = _files(design("node-express", cloud="aws", users=5_000, regions=3))
    text = files[f"{ROOT}/regions.tf"]
    peerings = _named(text, "aws_vpc_peering_connection")
    accepters = _named(text, "aws_vpc_peering_connection_accepter")
    routes = _named(text, "aws_route")
    rules = _named(text, "aws_vpc_security_group_ingress_rule")
    assert sorted(peerings) == sorted(accepters) == ["region_1", "region_2"]
    assert sorted(rules) == ["database_from_region_1", "database_from_region_2"]
    for n in (1, 2):
        peering = peerings[f"region_{n}"]
        assert peering["vpc_id"] == "${module.region_0.vpc_id}"
        assert peering["peer_vpc_id"] == f"${{module.region_{n}.vpc_id}}"
        assert peering["peer_region"] == f"${{var.regions[{n}]}}"
        accepter = accepters[f"region_{n}"]
        assert accepter["provider"] == f"${{aws.region_{n}}}" and accepter["auto_accept"] is True
        # every private route table of each side sends the other's range through the peering
        there, back = routes[f"primary_to_region_{n}"], routes[f"region_{n}_to_primary"]
        assert there["count"] == back["count"] == "${var.az_count}"
        assert there["route_table_id"] == "${module.region_0.private_route_table_ids[count.index]}"
        assert there["destination_cidr_block"] == f"${{module.region_{n}.cidr}}"
        assert back["route_table_id"] == f"${{module.region_{n}.private_route_table_ids[count.index]}}"
        assert back["destination_cidr_block"] == "${module.region_0.cidr}"
        assert back["provider"] == f"${{aws.region_{n}}}" and "provider" not in there
        peered = f"${{aws_vpc_peering_connection_accepter.region_{n}.id}}"
        assert there["vpc_peering_connection_id"] == back["vpc_peering_connection_id"] == peered
        rule = rules[f"database_from_region_{n}"]
        assert rule["security_group_id"] == "${module.database.security_group_id}"
        assert rule["cidr_ipv4"] == f"${{module.region_{n}.cidr}}"
        assert rule["from_port"] == rule["to_port"] == "${module.database.port}"
    # the outputs the root reads exist, down to the network's route tables
    assert 'output "private_route_table_ids"' in files["terraform/modules/region/outputs.tf"]
    assert "aws_route_table.private[*].id" in files["terraform/modules/network/outputs.tf"]
    assert "aws_security_group.database.id" in files["terraform/modules/database/outputs.tf"]
    assert "writes go to the primary" not in files[f"{ROOT}/main.tf"]


def test_azure_peers_every_secondary_vnet_both_ways_and_resolves_the_database() -> None:
    files = _files(design("node-express", cloud="azure", users=5_000, regions=3))
    text = files[f"{ROOT}/regions.tf"]
    peerings = _named(text, "azurerm_virtual_network_peering")
    secondaries = "${toset(slice(var.regions, 1, length(var.regions)))}"
    there, back = peerings["primary_to_region"], peerings["region_to_primary"]
    assert there["for_each"] == back["for_each"] == secondaries
    assert there["virtual_network_name"] == "${module.region[var.regions[0]].vnet_name}"
    assert there["remote_virtual_network_id"] == "${module.region[each.key].vnet_id}"
    assert back["virtual_network_name"] == "${module.region[each.key].vnet_name}"
    assert back["remote_virtual_network_id"] == "${module.region[var.regions[0]].vnet_id}"
    # the primary server's private name must resolve in the other regions' networks too
    link = _named(text, "azurerm_private_dns_zone_virtual_network_link")["database_region"]
    assert link["for_each"] == secondaries
    assert link["private_dns_zone_name"] == "${module.database.dns_zone_name}"
    assert link["virtual_network_id"] == "${module.region[each.key].vnet_id}"
    assert "azurerm_private_dns_zone.database.name" in files["terraform/modules/database/outputs.tf"]
    assert 'output "vnet_name"' in files["terraform/modules/region/outputs.tf"]
    assert "writes go to the primary" not in files[f"{ROOT}/main.tf"]


def test_gcp_says_why_its_regions_are_not_peered() -> None:
    files = _files(design("node-express", cloud="gcp", users=5_000, regions=3))
    assert "google_compute_network_peering" not in files[f"{ROOT}/regions.tf"]
    gaps = files[f"{ROOT}/main.tf"].split("# Not provisioned here:")[1]
    assert "writes go to the primary region's Cloud SQL" in gaps and "one VPC" in gaps


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_failover_runbook_promotes_the_replica_with_exact_commands(cloud: str) -> None:
    d = design("node-express", cloud=cloud, users=2_000_000)
    assert d.networking.regions is not None
    primary, survivor = d.networking.regions.effective[:2]
    runbook = _files(d)[RUNBOOK]
    promote = {
        "aws": f"aws rds promote-read-replica --region {survivor}",
        "gcp": "gcloud sql instances promote-replica $REPLICA",
        "azure": "az postgres flexible-server replica promote",
    }[cloud]
    assert promote in runbook
    assert f"terraform -chdir={ROOT} output -json database_replicas" in runbook
    assert f"**{primary}** is the primary" in runbook
    # the outputs the commands read exist in the root
    regions_tf = _files(d)[f"{ROOT}/regions.tf"]
    assert 'output "database_replicas"' in regions_tf and 'output "region_clusters"' in regions_tf
    assert "kubectl argo rollouts restart orders-api -n orders-api" in runbook  # a canary service
    # the secret the commands rewrite is the one the secrets module creates
    (secrets,) = [b for n, b in _modules(_files(d)[f"{ROOT}/main.tf"]).items() if n == "secrets"]
    name = secrets.get("name") or secrets["secret_name"]
    secret = name.replace("${var.app}", "orders-api").replace("${var.environment}", "production")
    secret = secret.replace("${local.name}", "orders-api-production")
    assert re.search(rf"(--secret-id |--secret=|--name ){re.escape(secret)}\b", runbook), secret


def test_region_suffixes_are_distinct_for_every_known_region() -> None:
    from opsmith.design.rules import REGIONS

    for cloud, names in REGIONS.items():
        suffixes = [suffix(n) for n in names]
        assert len(set(suffixes)) == len(names), cloud
        if cloud == "aws":  # EKS names its IAM role prefix after the cluster: 38 characters at most
            assert max(map(len, suffixes)) <= 9
        assert all(re.fullmatch(r"[a-z0-9]{2,15}", s) for s in suffixes), cloud


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH")
def test_terraform_computes_the_same_suffixes(tmp_path: Path) -> None:
    from opsmith.design.rules import REGIONS

    names = [n for group in REGIONS.values() for n in group]
    text = _files(design("node-express", cloud="gcp", users=2_000_000))[f"{ROOT}/regions.tf"]
    expression = re.search(r"region => (replace\(region, .*\))", text)
    assert expression is not None
    query = f"jsonencode([for region in {json.dumps(names)} : {expression.group(1)}])"
    run = subprocess.run(
        ["terraform", "console"], input=query, cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert json.loads(json.loads(run.stdout)) == [suffix(n) for n in names]


def test_artifacts_say_which_decisions_they_build() -> None:
    arts: dict[str, Artifact] = {
        a.path: a for a in render(design("node-express", cloud="aws", users=2_000_000))
    }
    assert {"regions", "dns", "replication"} <= set(arts[f"{ROOT}/regions.tf"].implements)
    assert "replication" in arts["terraform/modules/database_replica/main.tf"].implements
    assert "regions" in arts["terraform/modules/region/main.tf"].implements
