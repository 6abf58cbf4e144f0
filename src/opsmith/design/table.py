"""The scale decision table (from the seed) as data: which row a design follows, and why.

Each row says when it applies, what it chooses and why, what it costs, what can go wrong, and
what changes at the next row, so a design can cite the row and docs/infrastructure.md can explain
it. The seed gives no user count between hobby and startup; opsmith draws that line at 1,000
users (see STARTUP_FROM_REASON) and lets `.opsmith.toml` move every boundary:

```toml
[design]
startup-from = 1000        # users at which a design leaves the single server
growth-from = 100000       # ... moves to a multi-AZ Kubernetes cluster
enterprise-from = 1000000  # ... goes multi-region with a service mesh
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Tier = Literal["hobby", "startup", "growth", "enterprise", "compliance"]
Topology = Literal["single-server", "small-cluster", "multi-az-cluster", "multi-region", "dedicated"]
Orchestration = Literal[
    "compose", "platform", "ecs", "cloud-run", "container-apps", "kubernetes", "kubernetes-mesh"
]
Cloud = Literal["aws", "gcp", "azure", "fly", "railway"]
Compliance = Literal["none", "hipaa", "pci", "soc2", "gdpr"]
Platform = Literal[
    "railway",
    "fly",
    "aws-ec2",
    "gcp-compute-engine",
    "azure-vm",
    "aws-ecs-fargate",
    "gcp-cloud-run",
    "azure-container-apps",
    "aws-eks",
    "gcp-gke",
    "azure-aks",
    "self-managed-kubernetes",
]

CLOUDS: tuple[Cloud, ...] = ("aws", "gcp", "azure", "fly", "railway")
COMPLIANCE: tuple[Compliance, ...] = ("none", "hipaa", "pci", "soc2", "gdpr")
TIERS: tuple[Tier, ...] = ("hobby", "startup", "growth", "enterprise", "compliance")
PAAS: tuple[Cloud, ...] = ("fly", "railway")

STARTUP_FROM = 1_000
GROWTH_FROM = 100_000
ENTERPRISE_FROM = 1_000_000

STARTUP_FROM_REASON = (
    "The hobby/startup line is about redundancy, not capacity: one small server can serve far more"
    " than a thousand users, but it is a single point of failure, so a host fault or a restart is an"
    " outage for everyone. Below about 1,000 users that outage reaches few people and the fixed cost"
    " of a redundant setup (a load balancer, two or more instances, a managed database: roughly"
    " US$100 a month at minimum on AWS) outweighs it; from 1,000 users on, users notice downtime and"
    " that cost is small next to it."
)


@dataclass(frozen=True)
class Row:
    tier: Tier
    title: str
    topology: Topology
    orchestration: str  # the seed's words, shown in docs
    recommended: str  # the seed's platforms, shown in docs
    reason: str
    cost_drivers: tuple[str, ...]
    risks: tuple[str, ...]
    next_tier: str  # what changes when the design moves up a row


ROWS: Mapping[Tier, Row] = {
    "hobby": Row(
        "hobby",
        "Hobby / MVP",
        "single-server",
        "Docker Compose",
        "Railway, Fly.io",
        "Few users: one server running the whole stack with Docker Compose is the cheapest setup that"
        " is still reproducible, and its downtime during a host fault reaches few people.",
        (
            "one server or one platform app (a few US$ a month)",
            "backups of the database volume (object storage)",
            "egress traffic",
        ),
        (
            "single point of failure: a host fault or a bad deploy is a full outage",
            "databases in containers on the same host: a daily dump in object storage is the only other copy",
            "vertical scaling only: a traffic spike degrades everyone",
        ),
        "Startup: two or more instances behind a load balancer on a managed container service"
        " (ECS, Cloud Run), a managed database, and rolling deploys with automatic rollback.",
    ),
    "startup": Row(
        "startup",
        "Startup (< 100k users)",
        "small-cluster",
        "ECS, Cloud Run",
        "AWS ECS, GCP Cloud Run",
        "Enough users that downtime matters: a managed container service runs two or more instances"
        " behind a load balancer and replaces failed ones, without a Kubernetes control plane to run.",
        (
            "container instances (vCPU and memory hours)",
            "managed database instance size and storage",
            "load balancer hours and NAT gateway data processing",
            "log ingestion and retention",
        ),
        (
            "one region: a regional cloud outage is a full outage",
            "the platform's deploy and scaling model limits custom traffic shaping (canary analysis)",
            "managed database failover takes a minute or two: plan for retries",
        ),
        "Growth: Kubernetes (EKS, GKE) across three availability zones, canary deploys with automated"
        " analysis, horizontal autoscaling and a self-hosted Prometheus stack.",
    ),
    "growth": Row(
        "growth",
        "Growth (100k-1M users)",
        "multi-az-cluster",
        "Kubernetes",
        "EKS, GKE",
        "Traffic and team size justify Kubernetes: three availability zones, autoscaling, canary"
        " releases with metric analysis, and one deployment model for many services.",
        (
            "cluster control plane and node groups (spread over three zones)",
            "multi-AZ managed databases and caches (standby replicas double their cost)",
            "cross-zone data transfer",
            "observability stack storage (metrics, logs, traces)",
        ),
        (
            "Kubernetes is a platform to operate: upgrades every few months, add-on versions",
            "misconfigured requests/limits or probes cause cascading restarts",
            "one region: a regional outage is still a full outage",
        ),
        "Enterprise: several regions with latency-based DNS routing, a service mesh (Istio) for mTLS"
        " and traffic policy, and data replicated across regions.",
    ),
    "enterprise": Row(
        "enterprise",
        "Enterprise (1M+ users)",
        "multi-region",
        "Kubernetes + service mesh",
        "EKS/GKE + Istio",
        "Users across regions and no tolerance for a regional outage: a cluster per region, traffic"
        " routed by latency and health, mTLS and traffic policy from a service mesh.",
        (
            "a full cluster and data tier in every region",
            "cross-region replication and data transfer",
            "service mesh sidecars (CPU and memory on every pod)",
            "global load balancing and DNS health checks",
        ),
        (
            "data consistency across regions: writes must be designed for replication lag",
            "mesh and multi-cluster complexity: an operations team, not a side task",
            "cost grows with every region",
        ),
        "This is the top scale row; beyond it, capacity planning per region and cell-based"
        " architecture (isolating blast radius per customer group) come next.",
    ),
    "compliance": Row(
        "compliance",
        "Compliance-heavy",
        "dedicated",
        "Kubernetes",
        "Self-managed K8s",
        "Regulated data (HIPAA, PCI DSS, SOC 2, GDPR) whatever the scale: single-tenant, private"
        " networking, encryption with your own keys, and an audit trail for every change. Kubernetes"
        " on your own single-tenant servers keeps every control in your hands: where data lives, who"
        " reaches the API (a private endpoint only), how the nodes are hardened and what is logged.",
        (
            "dedicated hosts (single-tenant instances cost more than shared ones)",
            "private networking (NAT, private endpoints, VPN or interconnect)",
            "key management and audit log retention (a year or more)",
            "people: the control plane is yours to patch and audit",
        ),
        (
            "self-managed Kubernetes is a large operational load; managed EKS/GKE/AKS are in scope for"
            " HIPAA and PCI DSS with the right agreements, so weigh overriding the platform",
            "compliance is a process: evidence collection, access reviews and incident response plans"
            " are not generated by a tool",
        ),
        "More regions or users keep this row (compliance overrides scale); what grows is the number of"
        " clusters and the audit scope.",
    ),
}


@dataclass(frozen=True)
class Boundaries:
    startup_from: int = STARTUP_FROM
    growth_from: int = GROWTH_FROM
    enterprise_from: int = ENTERPRISE_FROM

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Boundaries:
        """`[design] startup-from / growth-from / enterprise-from` from .opsmith.toml."""
        values = {}
        for key in ("startup-from", "growth-from", "enterprise-from"):
            if key in settings:
                value = settings[key]
                if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                    raise ValueError(f"[design] {key} must be a positive number of users")
                values[key.replace("-", "_")] = value
        bounds = cls(**values)
        if not bounds.startup_from < bounds.growth_from < bounds.enterprise_from:
            raise ValueError("[design] boundaries must grow: startup-from < growth-from < enterprise-from")
        return bounds

    @property
    def is_default(self) -> bool:
        return self == Boundaries()


@dataclass(frozen=True)
class Selection:
    row: Row
    rule: str  # which row or rule chose it, cited in the design
    reason: str


def select(users: int, regions: int, compliance: Compliance, bounds: Boundaries) -> Selection:
    """The row for these needs. Compliance overrides scale; several regions need the only row
    whose topology spans regions; otherwise the user count decides."""
    if compliance != "none":
        return Selection(
            ROWS["compliance"],
            f"table:compliance (compliance={compliance} overrides scale)",
            f"{compliance.upper()} requirements put the design on the compliance row whatever the user"
            f" count. {ROWS['compliance'].reason}",
        )
    if regions > 1:
        return Selection(
            ROWS["enterprise"],
            f"rule:multi-region (regions={regions})",
            f"{regions} regions were asked for and only the enterprise row spans regions."
            f" {ROWS['enterprise'].reason}",
        )
    if users >= bounds.enterprise_from:
        rule, row = f"table:enterprise (users >= {bounds.enterprise_from:,})", ROWS["enterprise"]
    elif users >= bounds.growth_from:
        rule, row = (
            f"table:growth ({bounds.growth_from:,} <= users < {bounds.enterprise_from:,})",
            ROWS["growth"],
        )
    elif users >= bounds.startup_from:
        rule, row = (
            f"table:startup ({bounds.startup_from:,} <= users < {bounds.growth_from:,})",
            ROWS["startup"],
        )
    else:
        rule, row = f"table:hobby (users < {bounds.startup_from:,})", ROWS["hobby"]
    reason = f"{users:,} expected users. {row.reason}"
    if row.tier in ("hobby", "startup") and bounds.startup_from == STARTUP_FROM:
        reason += f" {STARTUP_FROM_REASON}"
    return Selection(row, rule, reason)


def forced(tier: Tier) -> Selection:
    """The row a design override asks for."""
    row = ROWS[tier]
    return Selection(row, f"override:tier={tier}", row.reason)


def next_row(tier: Tier) -> Row | None:
    order: tuple[Tier, ...] = ("hobby", "startup", "growth", "enterprise")
    if tier not in order or tier == "enterprise":
        return None
    return ROWS[order[order.index(tier) + 1]]
