"""Several regions (the enterprise row): one stack per region from one module, the database's
cross-region replicas, and DNS that sends each user to the nearest healthy region.

Each environment root then calls `modules/region` (network, cluster and cache of one region) once
per region of the design, the primary first. On GCP and Azure that is one module block with
`for_each` over the `regions` variable: a region is an argument of every resource. On AWS the
region belongs to the provider configuration, and Terraform cannot hand each instance of a
`for_each` its own provider, so the root has one aliased provider and one block of the same module
per region (`region_0` is `var.regions[0]`, and so on; a precondition keeps the count in step).

The primary region holds the writer database and the shared resources (registry, secrets, DNS);
every other region gets a read replica of each database (`modules/database_replica`: an RDS
cross-region read replica, a Cloud SQL cross-region replica, an Azure flexible server replica),
which the failover runbook promotes when the primary region is lost. Writes from the other regions
reach the primary database over network peering: on AWS a VPC peering per secondary region (routes
in every private route table both ways, the database's security group open to that region's
range), on Azure VNet peerings both ways and a link of the database's private DNS zone.

DNS routes by latency (Route 53 latency records, Cloud DNS geo routing, Azure Traffic Manager
performance routing), each region's entry behind a health check on the default web service's
readiness path. The entry points are the ingress gateways' load balancers, which the add-ons
stage creates after the clusters: their addresses go in `region_endpoints` for a second apply.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from opsmith.generate.terraform_failover import RUNBOOK
from opsmith.generate.terraform_redundancy import regions

if TYPE_CHECKING:
    from opsmith.generate.terraform import RootVar, Stack

# the decisions (generate/decisions.py) the modules and each root's regions.tf build
DECISIONS = {"region": ("regions", "topology"), "database_replica": ("replication",)}
ROOT_DECISIONS = ("regions", "dns", "replication")
# Cloud DNS's public health checks probe from exactly three source regions, one per continent.
_GCP_CHECKERS = ("us-central1", "europe-west1", "asia-southeast1")
# What several regions still need from a person (the roots list it under "Not provisioned here").
_GAPS = (
    "other regions: the application's secret holds the primary region's connection URLs; give"
    " each region's pods their own cache URL and the secret store's copy in their region",
)
# AWS and Azure roots peer every secondary network with the primary's. GCP's regions each have
# their own VPC with the same pod and service ranges, and Cloud SQL's private address is not
# reachable through a second peering (peering is not transitive): one shared VPC would be needed.
_GCP_GAP = (
    "other regions: writes go to the primary region's Cloud SQL, which only the primary"
    " region's VPC reaches; each region has its own VPC, and peering them would not reach"
    " Cloud SQL (peering is not transitive), so put the regions' subnets in one VPC with"
    " distinct pod and service ranges"
)


@dataclass(frozen=True)
class RegionBlock:
    index: int
    name: str  # from the design; the root reads var.regions[index]
    primary: bool


def multi_region(stack: Stack) -> bool:
    return stack.platform == "cluster" and len(regions(stack.design, stack.cloud)) > 1


def region_modules(stack: Stack) -> list[str]:
    """The extra modules a multi-region stack renders from templates."""
    if not multi_region(stack):
        return []
    return ["region", "database_replica"] if stack.databases else ["region"]


def suffix(region: str) -> str:
    """The short part each region adds to resource names (IAM, EKS and Memorystore cap their
    lengths): the region without dashes and inner vowels, as the HCL `replace` in the roots
    computes (us-east-1: usest1, europe-west1: erpewst1)."""
    return re.sub(r"\B[aeiou]\B|-", "", region)


def template_values(stack: Stack) -> dict[str, Any]:
    """Values the environment templates read: where the network, cluster and cache of the primary
    region are (the root's own modules, or the primary instance of `modules/region`)."""
    names = regions(stack.design, stack.cloud)
    if not multi_region(stack):
        return {
            "multi_region": False,
            "net": "module.network.",
            "k8s": "module.cluster.",
            "redis": "module.cache.",
            "net_dependency": "module.network",
        }
    primary = "module.region_0." if stack.cloud == "aws" else "module.region[var.regions[0]]."
    web = next((s for s in stack.design.services if s.kind == "web" and s.port is not None), None)
    gaps = [_GCP_GAP] if stack.cloud == "gcp" and stack.databases else []
    return {
        "multi_region": True,
        "net": primary,
        "k8s": primary,
        "redis": primary + "cache_",
        "net_dependency": "module.region",
        "client_groups": f"[{primary}security_group_id]",  # the primary region's nodes (AWS)
        "region_blocks": [RegionBlock(i, name, i == 0) for i, name in enumerate(names)],
        "health_path": (web.health_path if web and web.health_path else "/"),
        "gcp_checkers": list(_GCP_CHECKERS),
        "runbook": RUNBOOK,
        "unprovisioned": [*stack.unprovisioned, *gaps, *_GAPS],
    }


def secret_sources(stack: Stack) -> tuple[dict[str, str], dict[str, str]]:
    """Module call and output of each secret: in several regions the cache's come from the
    primary region's stack (`cache_url`, `cache_ca_cert`)."""
    sources, outputs = dict(stack.secret_sources), dict(stack.secret_outputs)
    if not multi_region(stack):
        return sources, outputs
    primary = "region_0" if stack.cloud == "aws" else "region[var.regions[0]]"
    for env, module in stack.secret_sources.items():
        if module == "cache":
            sources[env] = primary
            outputs[env] = "cache_" + stack.secret_outputs.get(env, "url")
    return sources, outputs


# What finds the DNS zone besides its name: Cloud DNS's resource name, Azure DNS's resource group.
_ZONE_VARS: dict[str, tuple[str, str, Callable[[str], str]]] = {
    "gcp": (
        "dns_zone",
        "Cloud DNS managed zone (its resource name) that serves zone_name.",
        lambda zone: zone.replace(".", "-"),
    ),
    "azure": (
        "zone_resource_group",
        "Resource group of the Azure DNS zone that serves zone_name.",
        lambda _: "dns",
    ),
}


def _both(value: Any) -> dict[str, Any]:
    """The same value in staging and production."""
    return dict.fromkeys(("staging", "production"), value)


def root_variables(stack: Stack, make: type[RootVar], declared: set[str]) -> list[RootVar]:
    """The roots' variables for several regions (none for one), less those already `declared`
    (the domain and its zone, where another part of the root names them too)."""
    if not multi_region(stack):
        return []
    names = regions(stack.design, stack.cloud)
    width = {"aws": 16, "gcp": 20, "azure": 16}[stack.cloud]
    domain = stack.design.networking.domain or f"{stack.design.app}.example.com"
    zone = ".".join(domain.split(".")[-2:])
    out = [
        make(
            "regions",
            "list(string)",
            "Regions served from, the primary (writer database, shared resources) first.",
            _both(names),
        ),
        make(
            "region_cidrs",
            "map(string)",
            "Address range of each region's network; distinct, so the networks can be peered.",
            {
                env: {name: f"10.{base + i}.0.0/{width}" for i, name in enumerate(names)}
                for env, base in (("staging", 140), ("production", 100))
            },
        ),
        make(
            "region_endpoints",
            "map(string)",
            "Each region's ingress load balancer (host name on AWS and Azure, IP address on GCP), from"
            " the add-ons stage; DNS records and health checks are created for the regions listed.",
            _both({}),
            note="fill after the add-ons stage has created each region's ingress gateway, then apply again",
        ),
        make(
            "domain",
            "string",
            "Host name users reach the application at, routed to the nearest healthy region.",
            {"staging": f"staging.{domain}", "production": domain},
        ),
        make(
            "zone_name",
            "string",
            "DNS zone that holds the domain (must exist).",
            _both(zone),
        ),
    ]
    if stack.cloud in _ZONE_VARS:
        var, description, value = _ZONE_VARS[stack.cloud]
        out.append(make(var, "string", description, _both(value(zone))))
    return [v for v in out if v.name not in declared]
