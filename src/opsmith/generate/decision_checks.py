"""How to tell that the generated files contradict a decision of the design, one function per
decision; each returns what is wrong, in words, and nothing when the files agree.

The checks look for the resources and settings a decision needs in what opsmith generated, not
for the generator's code paths, so a generator that changes shape is still held to the design.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from opsmith.design.model import Design
from opsmith.generate.decision_files import GeneratedFiles, boolean, field, number, quoted
from opsmith.generate.options import KUBERNETES_ORCHESTRATIONS, cloud_of

Check = Callable[[Design, GeneratedFiles], list[str]]

HIGH_AVAILABILITY_TIERS = frozenset({"growth", "enterprise", "compliance"})
# The resource (or module source) that runs each platform.
PLATFORM_RESOURCES: Mapping[str, tuple[str, ...]] = {
    "aws-ec2": ("aws_instance",),
    "gcp-compute-engine": ("google_compute_instance",),
    "azure-vm": ("azurerm_linux_virtual_machine",),
    "aws-ecs-fargate": ("aws_ecs_service",),
    "gcp-cloud-run": ("google_cloud_run_v2_service",),
    "azure-container-apps": ("azurerm_container_app",),
    "aws-eks": ("terraform-aws-modules/eks/aws", "aws_eks_cluster"),
    "gcp-gke": ("google_container_cluster",),
    "azure-aks": ("azurerm_kubernetes_cluster",),
}
_SERVERS = {"aws": "aws_instance", "gcp": "google_compute_instance", "azure": "azurerm_linux_virtual_machine"}
# Managed data stores by the design's provider choice: the resource that creates one.
STORE_RESOURCES: Mapping[str, str] = {
    "aws-rds-postgresql": "aws_db_instance",
    "aws-rds-mysql": "aws_db_instance",
    "cloud-sql-postgresql": "google_sql_database_instance",
    "cloud-sql-mysql": "google_sql_database_instance",
    "azure-postgresql-flexible": "azurerm_postgresql_flexible_server",
    "azure-mysql-flexible": "azurerm_mysql_flexible_server",
    "aws-elasticache-redis": "aws_elasticache_replication_group",
    "memorystore-redis": "google_redis_instance",
    "azure-cache-redis": "azurerm_redis_cache",
}
REGISTRY_RESOURCES: Mapping[str, str] = {
    "ecr": "aws_ecr_repository",
    "artifact-registry": "google_artifact_registry_repository",
    "acr": "azurerm_container_registry",
    "ghcr": "ghcr.io",
}
# What records an audit trail on each cloud: every change (API calls), network flows, configuration.
AUDIT_TRAIL: Mapping[str, tuple[tuple[str, str], ...]] = {
    "aws": (
        ("aws_cloudtrail", "CloudTrail"),
        ("aws_flow_log", "VPC flow logs"),
        ("aws_config_configuration_recorder", "AWS Config recording"),
    ),
    "gcp": (
        ("google_project_iam_audit_config", "Data Access audit logs"),
        ("log_config", "VPC flow logs"),
    ),
    "azure": (
        ("azurerm_monitor_diagnostic_setting", "activity and resource logs"),
        ("flow_log", "network flow logs"),
    ),
}
# A CNI setting or install that makes NetworkPolicy objects do something.
_ENFORCEMENT = re.compile(
    r"enableNetworkPolicy\W+true"  # the EKS VPC CNI add-on
    r"|ADVANCED_DATAPATH"  # GKE Dataplane V2
    r"|network_policy\s*\{[^}]*enabled\s*=\s*true"  # GKE Calico
    r"|network_policy\s*=\s*\"(?:azure|calico|cilium)\""  # AKS
    r"|network_policy_provider|calico|cilium|tigera",  # self-installed
    re.IGNORECASE,
)
_NODE_AUTOSCALERS = ("cluster-autoscaler", "karpenter")
_CLOUD_NODE_AUTOSCALING = {
    "gcp-gke": re.compile(r"autoscaling\s*\{"),
    "azure-aks": re.compile(r"(?:auto_scaling_enabled|enable_auto_scaling)\s*=\s*true"),
}
_CONFIG_REFERENCES = frozenset({"configMapRef", "configMap", "configMapKeyRef"})
_WORKLOADS = frozenset({"Deployment", "Rollout", "StatefulSet", "CronJob", "Job", "DaemonSet"})
_MESH_ENROLMENT = ("istio-injection", "istio.io/rev", "istio.io/dataplane-mode")
_CROSS_REGION = (
    "aws_rds_global_cluster",
    "replicate_source_db",
    "master_instance_name",  # Cloud SQL cross-region read replica
    "replica_configuration",
    "source_server_id",  # Azure flexible server replica
    "create_mode",
    "aws_elasticache_global_replication_group",
)
_LATENCY_ROUTING = (
    "latency_routing_policy",
    "geolocation_routing_policy",
    "routing_policy",  # Cloud DNS geo / weighted policies
    "traffic_routing_method",  # Azure Traffic Manager
)
_HEALTH_CHECKS = ("aws_route53_health_check", "health_checked_targets", "monitor_config", "health_check")


# --------------------------------------------------------------------------- reading the design


def region_names(design: Design) -> list[str]:
    regions = design.networking.regions
    return list(regions.effective) if regions is not None else []


def region_count(design: Design) -> int:
    return len(region_names(design)) or design.inputs.regions


def managed_stores(design: Design) -> list[tuple[str, str, bool]]:
    """(backing kind, provider, keeps a standby) of every store Terraform creates."""
    tier = design.tier.effective
    out: list[tuple[str, str, bool]] = []
    for backing in design.backing_services:
        provider = backing.provider.effective
        if provider not in STORE_RESOURCES:
            continue
        standby = (
            backing.standby.effective if backing.standby is not None else tier in HIGH_AVAILABILITY_TIERS
        )
        out.append((backing.kind, provider, standby))
    return out


def is_kubernetes(design: Design) -> bool:
    return design.orchestration.effective in KUBERNETES_ORCHESTRATIONS


def has_mesh(design: Design) -> bool:
    return design.orchestration.effective == "kubernetes-mesh"


def needs_audit_trail(design: Design) -> bool:
    return design.tier.effective == "compliance" or design.inputs.compliance != "none"


# --------------------------------------------------------------------------- the checks


def topology(design: Design, files: GeneratedFiles) -> list[str]:
    zones = number(files.setting("az_count"))
    wanted = {"multi-az-cluster": 3, "multi-region": 3, "dedicated": 2, "small-cluster": 2}
    least = wanted.get(design.topology.effective)
    if least is not None and zones is not None and zones < least:
        return [f"{design.topology.effective} needs {least} or more zones; production spreads over {zones}"]
    return []


def regions(design: Design, files: GeneratedFiles) -> list[str]:
    if cloud_of(design) not in _SERVERS:
        return []
    out = []
    declared = files.setting("regions")
    stacks = len(quoted(declared)) if declared is not None else 1
    if stacks != region_count(design):
        out.append(
            f"the design serves from {region_count(design)} region(s);"
            f" production has {stacks} regional stack(s)"
        )
    names = region_names(design)
    primary = quoted(files.setting("region") or files.setting("location"))
    if names and primary and primary[0] != names[0]:
        out.append(f"the design's primary region is {names[0]}; production runs in {primary[0]}")
    return out


def mesh(design: Design, files: GeneratedFiles) -> list[str]:
    enrolled = any(
        key in _MESH_ENROLMENT
        for namespace in files.objects("Namespace")
        for key in _mapping(field(namespace, "metadata", "labels"))
    )
    policies = list(files.objects("PeerAuthentication"))
    if not has_mesh(design):
        return ["mesh policy objects are generated but the design has no mesh"] if policies else []
    out = []
    if not files.mentions("istiod"):
        out.append("nothing installs the mesh's control plane (istiod)")
    if not enrolled:
        out.append("no namespace is enrolled in the mesh (sidecar injection or ambient label)")
    return out


def mtls(design: Design, files: GeneratedFiles) -> list[str]:
    modes = [_mtls_mode(p) for p in files.objects("PeerAuthentication")]
    if not has_mesh(design):
        return []
    out = [
        f"a PeerAuthentication sets mTLS to {mode}, not STRICT"
        for mode in modes
        if mode not in ("STRICT", None)
    ]
    if "STRICT" not in modes:
        out.append("no PeerAuthentication requires STRICT mTLS")
    return out


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _mtls_mode(policy: dict[str, Any]) -> str | None:
    mode = field(policy, "spec", "mtls", "mode")
    return str(mode) if mode is not None else None


def dns(design: Design, files: GeneratedFiles) -> list[str]:
    if region_count(design) < 2:
        return []
    out = []
    if not any(token in files.terraform for token in _LATENCY_ROUTING):
        out.append("several regions but no latency- or geo-based DNS routing")
    if not any(token in files.terraform for token in _HEALTH_CHECKS):
        out.append("several regions but no DNS health checks to route around a failed region")
    return out


def replication(design: Design, files: GeneratedFiles) -> list[str]:
    out = []
    for kind, _, standby in managed_stores(design):
        setting = "cache" if kind == "redis" else "db"
        for name, value in _standby_settings(files, setting).items():
            if value is not None and value != standby:
                verb = "keeps" if standby else "keeps no"
                shown = files.production_settings[name]
                out.append(f"the design {verb} a {kind} standby; production sets {name} = {shown}")
    crossing = any(token in files.terraform for token in _CROSS_REGION)
    if region_count(design) > 1 and managed_stores(design) and not crossing:
        out.append(f"{region_count(design)} regions but no cross-region replica or global database")
    return out


def _standby_settings(files: GeneratedFiles, prefix: str) -> dict[str, bool | None]:
    """Production settings that turn a store's standby on or off, read as booleans."""
    out: dict[str, bool | None] = {}
    for suffix in ("multi_az", "high_availability"):
        for name, value in files.settings_ending(suffix).items():
            if name.startswith(prefix):
                out[name] = boolean(value)
    for name, value in files.settings_ending("replicas").items():
        if name.startswith(prefix) and number(value) is not None:
            out[name] = (number(value) or 0) > 0
    for name, value in files.settings_ending("sku").items():
        if name.startswith(prefix) and prefix == "cache":
            out[name] = quoted(value) != ["Basic"]  # Azure Cache for Redis: Basic has no replica
    return out


def audit_trail(design: Design, files: GeneratedFiles) -> list[str]:
    if not needs_audit_trail(design):
        return []
    return [
        f"the design promises an audit trail but nothing records {what}"
        for token, what in AUDIT_TRAIL.get(cloud_of(design), ())
        if token not in files.terraform
    ]


def network_policy(design: Design, files: GeneratedFiles) -> list[str]:
    if not any(True for _ in files.objects("NetworkPolicy")):
        return []
    if any(_ENFORCEMENT.search(text) for text in files.texts.values()):
        return []
    return ["NetworkPolicies are generated but nothing makes the cluster's network plugin enforce them"]


def autoscaling(design: Design, files: GeneratedFiles) -> list[str]:
    out = []
    if is_kubernetes(design):
        scaled = {
            str(field(h, "spec", "scaleTargetRef", "name")) for h in files.objects("HorizontalPodAutoscaler")
        }
        for service in design.services:
            grows = service.resources.replicas_max > service.resources.replicas_min
            if grows and service.kind != "cron" and service.name not in scaled:
                out.append(
                    f"{service.name} scales up to {service.resources.replicas_max}"
                    " but has no HorizontalPodAutoscaler"
                )
        out += _node_autoscaling(design, files)
    return out


def _node_autoscaling(design: Design, files: GeneratedFiles) -> list[str]:
    low, high = number(files.setting("node_min")), number(files.setting("node_max"))
    if low is None or high is None or high <= low:
        return []
    platform = design.platform.effective
    builtin = _CLOUD_NODE_AUTOSCALING.get(platform)
    if builtin is not None and builtin.search(files.terraform):
        return []
    if files.mentions(*_NODE_AUTOSCALERS):
        return []
    return [f"nodes may grow from {low} to {high} but no cluster autoscaler or Karpenter is installed"]


def secrets(design: Design, files: GeneratedFiles) -> list[str]:
    out = []
    workloads = [o for o in files.kubernetes if o.get("kind") in _WORKLOADS]
    configs = {str(field(c, "metadata", "name")): c for c in files.objects("ConfigMap")}
    for name, config in sorted(configs.items()):
        labels = _mapping(field(config, "metadata", "labels"))
        if "grafana_dashboard" in labels or name.endswith("-dashboards"):
            continue  # read by Grafana's sidecar, not by the application
        if workloads and not any(_references(w, name) for w in workloads):
            out.append(f"ConfigMap {name} is mounted by no workload")
    keys = {key for external in files.objects("ExternalSecret") for key in _remote_keys(external)}
    for key in sorted(keys):
        pattern = re.sub(
            r"\b(?:staging|production)\b", "${var.environment}", key.replace(design.app, "${var.app}")
        )
        if key not in files.terraform and pattern not in files.terraform:
            out.append(f"ExternalSecret reads {key}, which the Terraform secrets do not create")
    return out


def _references(node: Any, name: str) -> bool:
    """Whether a workload takes the ConfigMap `name` (envFrom, env valueFrom or a volume)."""
    if isinstance(node, dict):
        return any(
            (key in _CONFIG_REFERENCES and isinstance(value, dict) and value.get("name") == name)
            or _references(value, name)
            for key, value in node.items()
        )
    if isinstance(node, list):
        return any(_references(item, name) for item in node)
    return False


def _remote_keys(external: dict[str, Any]) -> list[str]:
    data, data_from = field(external, "spec", "data"), field(external, "spec", "dataFrom")
    keys = [field(d, "remoteRef", "key") for d in data] if isinstance(data, list) else []
    keys += [field(d, "extract", "key") for d in data_from] if isinstance(data_from, list) else []
    return [str(k) for k in keys if k]


def backups(design: Design, files: GeneratedFiles) -> list[str]:
    if not any(kind != "redis" for kind, _, _ in managed_stores(design)):
        return []
    days = number(files.setting("backup_retention_days"))
    if days == 0:
        return ["production keeps no automated database backups (backup_retention_days = 0)"]
    return []


def platform(design: Design, files: GeneratedFiles) -> list[str]:
    chosen = design.platform.effective
    wanted = PLATFORM_RESOURCES.get(chosen)
    if chosen == "self-managed-kubernetes":
        wanted = (_SERVERS.get(cloud_of(design), "aws_instance"),)
    if wanted is None or any(token in files.terraform for token in wanted):
        return []
    return [f"the design runs on {chosen} but no Terraform file creates {wanted[0]}"]


def orchestration(design: Design, files: GeneratedFiles) -> list[str]:
    chosen = design.orchestration.effective
    if chosen == "compose" and "compose.yaml" not in files.texts:
        return ["the design runs Docker Compose but no compose.yaml is generated"]
    if chosen in KUBERNETES_ORCHESTRATIONS:
        kinds = {o.get("kind") for o in files.kubernetes}
        if not kinds & _WORKLOADS:
            return ["the design runs on Kubernetes but no workload manifest is generated"]
    return []


def stores(kinds: tuple[str, ...]) -> Check:
    """The check for the backing services of `kinds`: each managed one created, each container
    one in compose.yaml."""

    def check(design: Design, files: GeneratedFiles) -> list[str]:
        out = []
        for backing in design.backing_services:
            provider = backing.provider.effective
            if backing.kind not in kinds:
                continue
            resource = STORE_RESOURCES.get(provider)
            if resource is not None and resource not in files.terraform:
                out.append(f"{backing.kind} on {provider}, but no Terraform file creates {resource}")
            if provider == "container" and backing.kind not in files.texts.get("compose.yaml", ""):
                out.append(f"{backing.kind} runs as a container, but compose.yaml has no such service")
        return out

    return check


def registry(design: Design, files: GeneratedFiles) -> list[str]:
    chosen = design.registry.effective
    token = REGISTRY_RESOURCES.get(chosen)
    if token is None or files.mentions(token):
        return []
    return [f"the design pushes images to {chosen} but nothing creates or logs in to it ({token})"]
