"""Terraform for the design's cloud: shared modules and one root module per environment.

Layout (the contract with the CI workflow that runs fmt, validate, plan and the drift check):

    terraform/modules/<module>/{main,variables,outputs,versions}.tf
    terraform/environments/{staging,production}/{main,variables,outputs,backend,providers,versions}.tf
    terraform/environments/{staging,production}/terraform.tfvars   (sizes and names, never secrets)
    terraform/addons/{staging,production}/                          (cluster add-ons, applied after
                                                                     the cluster: terraform_addons.py)

Modules, chosen from the design's cloud (aws, gcp, azure), tier and platform:

- `network`: a VPC/VNet. AWS: public and private subnets over 2 zones (startup) or 3 (growth and
  up) with NAT egress; one public subnet for the single hobby server. GCP: one regional subnet
  (regional resources span zones by themselves), Cloud NAT, private services access for Cloud SQL
  and Memorystore. Azure: a VNet with subnets per use and private DNS for the data stores.
- the platform: `servers` (hobby: one VM running the compose stack behind HAProxy, from a
  cloud-init script; compliance: control-plane servers, workers and a deploy runner for RKE2,
  private and single-tenant, with module `rke2`: see terraform_rke2.py), `service` (startup: ECS
  Fargate behind an ALB, Cloud Run, Container Apps) or `cluster` (growth and enterprise: EKS
  through the pinned terraform-aws-modules/eks module, GKE, AKS).
- `database` (RDS, Cloud SQL, Azure Database flexible server: private, encrypted, deletion
  protection, high availability at growth and up, password generated at apply and never written
  in a file), `cache` (ElastiCache, Memorystore, Azure Cache for Redis: TLS and AUTH), `registry`
  (ECR, Artifact Registry, ACR; none for ghcr), `secrets` (the connection URLs in the cloud's
  secret store), and at the compliance tier `audit` (terraform_audit_trail.py) and, on AWS,
  `kms` (one customer-managed key).

Every environment has its own state (S3 with `use_lockfile` and `encrypt`, GCS, or azurerm, in
the storage terraform/bootstrap creates; bucket and region come from `-backend-config` at init, see
terraform_backend.py), its own registry (CI pushes a build to staging's and copies the same digest
to production's), pinned providers (`~> X.Y`) and Terraform (`~> 1.10`), and tags on everything:
aws `default_tags`, google `default_labels`, and a `tags` argument on every Azure resource that
takes one.

Validation (tests/generate/test_terraform.py). `terraform validate` needs every provider's plugin
installed, and `terraform init` downloads plugins and registry modules from the internet, which
this machine cannot reach. What can be checked offline, and is:

- `terraform fmt -check -recursive` on the whole tree (fmt needs no provider).
- `terraform validate` with the real AWS provider, for every AWS module and root: the machine has
  hashicorp/aws 5.100.0 unpacked in a filesystem mirror (/opt/tf-plugins, or `OPSMITH_TF_PLUGINS`),
  which `terraform init -backend=false -plugin-dir` installs without a network. This is why the
  aws constraint is `~> 5.100`. The one exception is the EKS `cluster` module (and the growth and
  enterprise AWS roots that call it): `init` must download terraform-aws-modules/eks and the tls
  and time providers it needs.
- No plugin of hashicorp/google, hashicorp/azurerm or hashicorp/random is available offline (no
  mirror, no plugin cache, and PyPI/npm only carry CDK bindings, not the provider binaries), so
  the GCP and Azure modules cannot be validated by Terraform here. For them, and for every file
  of every cloud, a static cross-check runs instead: python-hcl2 parses each file, every `var.X`
  is declared, every `local.X` is defined, every `module.M.O` names a module call and an output
  that module declares, every module input exists in the module's variables.tf and every
  required input is passed, and every root variable without a default has a value in
  terraform.tfvars (or is documented as passed through TF_VAR_).
- `opsmith audit` (every family) reports nothing on the generated tree plus a workflow that plans.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from opsmith.design.model import UNASSIGNED_TEAM, BackingService, Design, Service
from opsmith.generate import (
    app_secret,
    server_backups,
    server_secrets,
    terraform_audit_trail,
    terraform_failover,
    terraform_regions,
    terraform_rke2,
)
from opsmith.generate.artifact import Artifact
from opsmith.generate.compose import backing_images
from opsmith.generate.hcl_format import align, literal
from opsmith.generate.options import GenerateOptions, cloud_of, wants_terraform
from opsmith.generate.server_setup import user_data_values
from opsmith.generate.specs import REDIS_CA_VAR, acr_name, build_context, image_name, probe_command
from opsmith.generate.templating import render_template
from opsmith.generate.terraform_backend import PLACES, region_note
from opsmith.generate.terraform_redundancy import regions, standby

GENERATOR = "terraform"
ROOT = "terraform"
ENVIRONMENTS = ("staging", "production")
TERRAFORM_VERSION = "1.10"  # S3 native state locking (use_lockfile) arrived in 1.10
KUBERNETES_VERSION = "1.32"  # offered by EKS, GKE and AKS
EKS_MODULE_VERSION = "20.36.0"  # terraform-aws-modules/eks/aws, last major for aws provider 5.x

HEADER = (
    "# Generated by opsmith from the approved design (opsmith.yaml); edit freely, opsmith keeps your changes."
)

PlatformKind = Literal["servers", "service", "cluster", "nodes"]


@dataclass(frozen=True)
class ProviderPin:
    name: str
    source: str
    minor: str  # "X.Y": roots pin `~> X.Y`, modules ask for `>= X.Y`


PROVIDERS = {
    "aws": ProviderPin("aws", "hashicorp/aws", "5.100"),
    "google": ProviderPin("google", "hashicorp/google", "6.8"),
    "azurerm": ProviderPin("azurerm", "hashicorp/azurerm", "4.14"),
    "random": ProviderPin("random", "hashicorp/random", "3.6"),
}
CLOUD_PROVIDER = {"aws": "aws", "gcp": "google", "azure": "azurerm"}

_PLATFORM_KIND: dict[str, PlatformKind] = {
    "aws-ec2": "servers",
    "gcp-compute-engine": "servers",
    "azure-vm": "servers",
    "aws-ecs-fargate": "service",
    "gcp-cloud-run": "service",
    "azure-container-apps": "service",
    "aws-eks": "cluster",
    "gcp-gke": "cluster",
    "azure-aks": "cluster",
    "self-managed-kubernetes": "nodes",
}
# Managed data stores Terraform creates: provider choice -> (cloud, engine).
_DATABASES = {
    "aws-rds-postgresql": ("aws", "postgresql"),
    "aws-rds-mysql": ("aws", "mysql"),
    "cloud-sql-postgresql": ("gcp", "postgresql"),
    "cloud-sql-mysql": ("gcp", "mysql"),
    "azure-postgresql-flexible": ("azure", "postgresql"),
    "azure-mysql-flexible": ("azure", "mysql"),
}
_CACHES = {"aws-elasticache-redis": "aws", "memorystore-redis": "gcp", "azure-cache-redis": "azure"}
_REGISTRIES = {"ecr": "aws", "artifact-registry": "gcp", "acr": "azure"}
_SECRET_STORES = {"aws": "AWS Secrets Manager", "gcp": "Secret Manager", "azure": "Key Vault"}
# Engine versions each managed service offers, from the design's major version.
_ENGINE_VERSIONS = {
    ("aws", "postgresql"): "16",
    ("aws", "mysql"): "8.4",
    ("gcp", "postgresql"): "POSTGRES_16",
    ("gcp", "mysql"): "MYSQL_8_4",
    ("azure", "postgresql"): "16",
    ("azure", "mysql"): "8.0.21",  # the newest the flexible server offers
}
_REDIS_VERSIONS = {"aws": "7.1", "gcp": "REDIS_7_2", "azure": "6"}
_TEMPLATE_MODULE_FILES = ("main", "variables", "outputs")
# The design decisions (generate/decisions.py) each module's main.tf builds.
MODULE_DECISIONS: dict[str, tuple[str, ...]] = {
    "network": ("topology",),
    "servers": ("platform", "topology"),
    "service": ("platform", "orchestration", "autoscaling"),
    "cluster": ("platform",),
    "database": ("database", "backups", "replication"),
    "cache": ("cache", "replication"),
    "registry": ("registry",),
    "secrets": ("secrets",),
    "backups": ("backups",),
    **terraform_regions.DECISIONS,
    "rke2": ("platform", "orchestration", "dns"),
    "audit": ("audit-trail",),
}
_ROOT_TEMPLATE_FILES = ("main", "outputs", "backend", "providers")


def module_decisions(cloud: str, module: str) -> tuple[str, ...]:
    """The design decisions a module's main.tf builds on `cloud`."""
    tags = MODULE_DECISIONS.get(module, ())
    if module == "cluster":
        # the VPC CNI's policy agent, GKE Dataplane V2 and AKS with Cilium enforce NetworkPolicies;
        # GKE and AKS scale their node pools, EKS through the add-ons root's cluster autoscaler
        tags += ("network-policy", "autoscaling") if cloud != "aws" else ("network-policy",)
    if module == "service" and cloud == "aws":
        tags += ("dns",)  # the ALB's alias record in the Route 53 zone
    return tags


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Database:
    kind: str  # postgresql | mysql
    version: str
    module: str  # name of the module call
    prefix: str  # prefix of its root variables


@dataclass(frozen=True)
class RunService:
    """A service as the service platform runs it."""

    name: str
    key: str  # HCL map key (quoted)
    image: str  # repository name
    command: list[str] | None
    port: int | None
    health_path: str | None  # readiness and the load balancer: may ask the backing services
    live_path: str | None  # liveness: a route that answers alone; None checks the port
    # ECS: the container's own health check (liveness, replaces the task); the ALB uses health_path
    live_command: list[str] | None
    secrets: list[str]
    min_count: int
    max_count: int
    cpu: str
    memory: str


@dataclass
class Stack:
    design: Design
    cloud: str
    tier: str
    platform: PlatformKind
    compliance: bool
    databases: list[Database] = field(default_factory=list)
    cache: bool = False
    registry: bool = False
    images: list[str] = field(default_factory=list)
    services: list[RunService] = field(default_factory=list)
    secret_sources: dict[str, str] = field(default_factory=dict)  # env var -> module call
    secret_outputs: dict[str, str] = field(default_factory=dict)  # env var -> its output, if not url
    unprovisioned: list[str] = field(default_factory=list)

    @property
    def high_availability(self) -> bool:
        return self.tier in ("growth", "enterprise", "compliance")

    @property
    def private_subnets(self) -> bool:
        return self.platform != "servers" or bool(self.databases or self.cache)

    @property
    def server_secret(self) -> bool:
        """The compose server reads the app's JSON secret from the store (server_secrets)."""
        return self.platform == "servers" and server_secrets.wanted(self.design)

    @property
    def server_backups(self) -> bool:
        """The compose server dumps its database containers to a bucket (server_backups)."""
        return self.platform == "servers" and bool(server_backups.databases(self.design))

    @property
    def modules(self) -> list[str]:
        names = ["network"]
        names.append("servers" if self.platform in ("servers", "nodes") else self.platform)
        if self.databases:
            names.append("database")
        if self.cache:
            names.append("cache")
        if self.registry:
            names.append("registry")
        if self.secret_sources or self.platform in ("cluster", "nodes") or self.server_secret:
            # on Kubernetes the JSON secret is the ExternalSecret's source even with no URL in it,
            # and the compose server copies it into its .env
            names.append("secrets")
        if self.server_backups:
            names.append("backups")
        if self.compliance and self.cloud == "aws":
            names.append("kms")
        if terraform_rke2.is_rke2(self):
            names.append("rke2")
        if terraform_audit_trail.wanted(self):
            names.append("audit")
        names += terraform_regions.region_modules(self)
        return names


def _stack(design: Design) -> Stack:
    cloud = cloud_of(design)
    stack = Stack(
        design=design,
        cloud=cloud,
        tier=design.tier.effective,
        platform=_PLATFORM_KIND.get(design.platform.effective, "cluster"),
        compliance=design.tier.effective == "compliance" or design.inputs.compliance != "none",
    )
    for backing in design.backing_services:
        _place_backing(stack, backing)
    stack.registry = _REGISTRIES.get(design.registry.effective) == cloud
    if not stack.registry and design.registry.effective != "ghcr":
        stack.unprovisioned.append(f"registry: {design.registry.effective} is not on {cloud}")
    owners: dict[str, Service] = {}
    for service in design.services:
        owners.setdefault(build_context(service), service)
    stack.images = sorted({image_name(design, s) for s in owners.values()})
    if stack.platform == "service":
        stack.services = [_run_service(stack, s, owners[build_context(s)]) for s in _runnable(stack)]
    return stack


def _place_backing(stack: Stack, backing: BackingService) -> None:
    provider = backing.provider.effective
    env_var = backing_images()[backing.kind]["url_var"]
    if _DATABASES.get(provider, ("", ""))[0] == stack.cloud:
        kind = _DATABASES[provider][1]
        module = "database" if not stack.databases else f"database_{kind}"
        if env_var in stack.secret_sources:
            env_var = f"{kind.upper()}_URL"
        version = _ENGINE_VERSIONS[(stack.cloud, kind)]
        stack.databases.append(Database(kind, version, module, "db" if module == "database" else kind))
        stack.secret_sources[env_var] = module
    elif _CACHES.get(provider) == stack.cloud and backing.kind == "redis":
        stack.cache = True
        stack.secret_sources[env_var] = "cache"
        if stack.cloud == "gcp":
            # Memorystore signs its certificate with the instance's own CA, which no trust store
            # holds: the services get that CA beside the rediss:// URL.
            stack.secret_sources[REDIS_CA_VAR] = "cache"
            stack.secret_outputs[REDIS_CA_VAR] = "ca_cert"
            stack.unprovisioned.append(
                f"redis: verify Memorystore's TLS against {REDIS_CA_VAR} (PEM): ioredis"
                f" `new Redis(url, {{ tls: {{ ca: process.env.{REDIS_CA_VAR} }} }})`, redis-py"
                f' `redis.from_url(url, ssl_ca_data=os.environ["{REDIS_CA_VAR}"])`'
            )
    elif provider == "container":
        stack.unprovisioned.append(f"{backing.kind}: runs as a container beside the app (compose.yaml)")
    else:
        stack.unprovisioned.append(
            f"{backing.kind}: {provider} is created outside this Terraform; store its connection "
            f"URL in {_SECRET_STORES[stack.cloud]} as {env_var}"
        )


def _runnable(stack: Stack) -> list[Service]:
    out = []
    for service in stack.design.services:
        if service.kind == "cron":
            stack.unprovisioned.append(
                f"{service.name}: a scheduled job; run it from the platform's scheduler "
                f"({_SCHEDULERS[stack.cloud]}) with the same image"
            )
        elif stack.cloud == "gcp" and (service.kind != "web" or service.port is None):
            stack.unprovisioned.append(
                f"{service.name}: Cloud Run services must answer HTTP on $PORT; run this worker "
                "as a Cloud Run worker pool or on GKE"
            )
        else:
            out.append(service)
    return out


_SCHEDULERS = {
    "aws": "EventBridge Scheduler running an ECS task",
    "gcp": "Cloud Scheduler triggering a Cloud Run job",
    "azure": "a Container Apps job with a cron trigger",
}


def _run_service(stack: Stack, service: Service, owner: Service) -> RunService:
    url_vars = {backing_images()[b.kind]["url_var"]: b.kind for b in stack.design.backing_services}
    secrets = [
        env
        for env, module in stack.secret_sources.items()
        if url_vars.get(env) in service.uses or _module_kind(stack, module) in service.uses
    ]
    command = None
    if owner.name != service.name and service.start:
        command = ["sh", "-c", f"exec {service.start}"]
    resources = service.resources
    return RunService(
        name=service.name,
        key=literal(service.name),
        image=image_name(stack.design, owner),
        command=command,
        port=service.port if service.kind == "web" else None,
        health_path=service.health_path,
        live_path=service.liveness.path if service.liveness else None,
        live_command=probe_command(service, liveness=True) if service.kind == "web" else None,
        secrets=sorted(secrets),
        min_count=max(resources.replicas_min, 1),
        max_count=max(resources.replicas_max, resources.replicas_min, 1),
        cpu=resources.cpu,
        memory=resources.memory,
    )


def _module_kind(stack: Stack, module: str) -> str:
    if module == "cache":
        return "redis"
    return next((d.kind for d in stack.databases if d.module == module), "")


# --------------------------------------------------------------------------- sizes


def _millicores(cpu: str) -> int:
    return int(cpu[:-1]) if cpu.endswith("m") else int(float(cpu) * 1000)


def _mebibytes(memory: str) -> int:
    if memory.endswith("Gi"):
        return int(float(memory[:-2]) * 1024)
    if memory.endswith("Mi"):
        return int(float(memory[:-2]))
    return 512


_FARGATE = ((256, (512, 1024, 2048)), (512, (1024, 2048, 3072, 4096)), (1024, tuple(range(2048, 8193, 1024))))
_FARGATE_LARGE = ((2048, tuple(range(4096, 16385, 1024))), (4096, tuple(range(8192, 30721, 1024))))


def fargate_size(cpu: str, memory: str) -> tuple[int, int]:
    """The smallest valid Fargate (cpu units, memory MiB) pair that holds the service."""
    want_cpu, want_mem = _millicores(cpu) * 1024 // 1000, _mebibytes(memory)
    for units, memories in (*_FARGATE, *_FARGATE_LARGE):
        if units < want_cpu:
            continue
        fitting = [m for m in memories if m >= want_mem]
        if fitting:
            return units, fitting[0]
    return 4096, 30720


_CLOUD_RUN_MEMORY = (512, 1024, 2048, 4096, 8192)
_CONTAINER_APPS = ((0.25, "0.5Gi"), (0.5, "1Gi"), (0.75, "1.5Gi"), (1.0, "2Gi"), (1.5, "3Gi"), (2.0, "4Gi"))


def cloud_run_size(cpu: str, memory: str) -> tuple[str, str]:
    cores = 1 if _millicores(cpu) <= 1000 else 2
    mem = next((m for m in _CLOUD_RUN_MEMORY if m >= _mebibytes(memory)), 8192)
    return str(cores), f"{mem}Mi"


def container_apps_size(cpu: str, memory: str) -> tuple[float, str]:
    """Container Apps accepts fixed cpu/memory pairs (0.5 GiB per 0.25 vCPU)."""
    for cores, mem in _CONTAINER_APPS:
        if cores * 1000 >= _millicores(cpu) and float(mem[:-2]) * 1024 >= _mebibytes(memory):
            return cores, mem
    return 2.0, "4Gi"


# --------------------------------------------------------------------------- root variables


@dataclass(frozen=True)
class RootVar:
    name: str
    type: str
    description: str
    values: dict[str, Any] | None  # per environment, written to terraform.tfvars; None: no value
    default: Any = None
    has_default: bool = False
    note: str = ""  # tfvars comment for a variable passed another way
    sensitive: bool = False


def _per_env(staging: Any, production: Any) -> dict[str, Any]:
    return {"staging": staging, "production": production}


def _common_vars(stack: Stack) -> list[RootVar]:
    design = stack.design
    owner = design.team or UNASSIGNED_TEAM  # a team from the design, never the approver's address
    out = [
        RootVar(
            "app", "string", "Application name, the first part of every resource name.", _same(design.app)
        ),
        RootVar(
            "environment",
            "string",
            "Environment this root module manages: staging or production.",
            {env: env for env in ENVIRONMENTS},
        ),
        RootVar("owner", "string", "Team accountable for these resources (tag).", _same(owner)),
    ]
    out += _CLOUD_VARS[stack.cloud](stack)
    if terraform_rke2.is_rke2(stack):
        out += _domain_vars(stack) + terraform_rke2.root_vars(stack, _same)
    out += terraform_audit_trail.root_vars(stack, _per_env)
    if "secrets" in stack.modules:
        out.append(_app_secrets_var(stack))
    return out


def _app_secrets_var(stack: Stack) -> RootVar:
    """The application's own secrets, merged into the environment's JSON secret beside the URLs."""
    required = [k for k in app_secret.secret_keys(stack.design)[0] if k not in stack.secret_sources]
    if stack.server_secret:
        required = server_secrets.env_keys(stack.design)  # the server's .env: what compose.yaml needs
    wanted = ", ".join(required) if required else "none required by the services today"
    return RootVar(
        "app_secrets",
        "map(string)",
        "The application's own secrets, stored with the connection URLs in the environment's JSON "
        f"secret ({wanted}).",
        None,
        default={},
        has_default=True,
        note=f"passed as TF_VAR_app_secrets (a JSON object) from a CI secret; keys: {wanted}",
        sensitive=True,
    )


def _same(value: Any) -> dict[str, Any]:
    return _per_env(value, value)


def _service_sizes(stack: Stack, sizer: Callable[[str, str], tuple[Any, Any]], types: str) -> RootVar:
    values: dict[str, Any] = {}
    for env in ENVIRONMENTS:
        sizes = {}
        for s in stack.services:
            cpu, memory = sizer(s.cpu, s.memory)
            low, high = (1, min(2, s.max_count)) if env == "staging" else (s.min_count, s.max_count)
            sizes[s.name] = {"cpu": cpu, "memory": memory, "min": low, "max": high}
        values[env] = sizes
    return RootVar(
        "service_sizes",
        f"map(object({{ {types}, min = number, max = number }}))",
        "Per service: CPU and memory of one instance, and the instance count range autoscaling keeps.",
        values,
    )


def _aws_vars(stack: Stack) -> list[RootVar]:
    ha, tier = stack.high_availability, stack.tier
    out = [
        _region_var(stack, "AWS region of every resource."),
        RootVar("vpc_cidr", "string", "IPv4 range of the VPC.", _per_env("10.20.0.0/16", "10.10.0.0/16")),
        RootVar(
            "az_count",
            "number",
            "Availability zones the subnets span.",
            _same(1 if not stack.private_subnets else (3 if ha else 2)),
        ),
        RootVar(
            "nat_per_zone",
            "bool",
            "One NAT gateway per zone (survives a zone outage) instead of one shared.",
            _per_env(False, ha),
        ),
    ]
    if stack.platform == "servers":
        out += [
            RootVar(
                "instance_type",
                "string",
                "EC2 instance type of the server.",
                _per_env("t3.small", "t3.medium"),
            ),
            RootVar("disk_gb", "number", "Root volume size of the server in GiB.", _same(30)),
        ]
    elif stack.platform == "service":
        out += _service_vars(stack, fargate_size, "cpu = number, memory = number")
        if any(s.port is not None for s in stack.services):
            out += _domain_vars(stack)
    elif stack.platform == "cluster":
        node = "m6i.xlarge" if tier == "enterprise" else "m6i.large"
        out += _cluster_vars(stack, _per_env(["t3.large"], [node]), "list(string)", "node_instance_types")
    else:
        out += [
            RootVar(
                "control_plane_instance_type",
                "string",
                "Instance type of the three control-plane servers.",
                _same("m6i.large"),
            ),
            RootVar("worker_instance_type", "string", "Instance type of the workers.", _same("m6i.xlarge")),
            RootVar("worker_count", "number", "Number of worker servers.", _per_env(2, 3)),
            RootVar("disk_gb", "number", "Root volume size of each server in GiB.", _same(50)),
        ]
    big = "db.r6g.xlarge" if tier == "enterprise" else "db.r6g.large"
    for db in stack.databases:
        prod = big if ha else "db.t4g.medium"
        out += [
            RootVar(
                f"{db.prefix}_instance_class",
                "string",
                f"RDS instance class of {db.kind}.",
                _per_env("db.t4g.small", prod),
            ),
            RootVar(
                f"{db.prefix}_storage_gb",
                "number",
                f"Initial storage of {db.kind} in GiB.",
                _per_env(20, 100 if ha else 50),
            ),
            RootVar(
                f"{db.prefix}_multi_az",
                "bool",
                f"Standby of {db.kind} in a second zone.",
                _per_env(False, standby(stack.design, db.kind, ha)),
            ),
        ]
    if stack.cache:
        out += [
            RootVar(
                "cache_node_type",
                "string",
                "ElastiCache node type.",
                _per_env("cache.t4g.micro", "cache.r7g.large" if ha else "cache.t4g.small"),
            ),
            RootVar(
                "cache_replicas",
                "number",
                "Redis replicas in other zones (failover).",
                _per_env(0, 1 if standby(stack.design, "redis", ha) else 0),
            ),
        ]
    return out + _retention_vars(stack)


def _region_var(stack: Stack, description: str) -> RootVar:
    """No value in terraform.tfvars: the region comes from the variable CI signs in with."""
    primary = regions(stack.design, stack.cloud)[0]
    note = f"{region_note(stack.cloud)}; the design's primary region is {primary}"
    return RootVar(PLACES[stack.cloud].region_var, "string", description, None, note=note)


def _service_vars(stack: Stack, sizer: Callable[[str, str], tuple[Any, Any]], types: str) -> list[RootVar]:
    return [
        RootVar(
            "image_tag",
            "string",
            "Image tag the services start with; later deploys come from CI and Terraform leaves them alone.",
            None,
            note="passed as TF_VAR_image_tag: a commit SHA whose image is in this environment's registry "
            "(docs/bootstrap.md, first apply)",
        ),
        _service_sizes(stack, sizer, types),
    ]


def _domain_vars(stack: Stack) -> list[RootVar]:
    domain = stack.design.networking.domain or f"{stack.design.app}.example.com"
    zone = ".".join(domain.split(".")[-2:])
    return [
        RootVar(
            "domain", "string", "Host name of the default web service.", _per_env(f"staging.{domain}", domain)
        ),
        RootVar("zone_name", "string", "DNS zone that holds the domain (must exist).", _same(zone)),
    ]


def _cluster_vars(stack: Stack, nodes: dict[str, Any], node_type: str, node_var: str) -> list[RootVar]:
    enterprise = stack.tier == "enterprise"
    return [
        RootVar("kubernetes_version", "string", "Kubernetes minor version.", _same(KUBERNETES_VERSION)),
        RootVar(node_var, node_type, "Machine type of the cluster's nodes.", nodes),
        RootVar("node_min", "number", "Minimum number of nodes.", _per_env(2, 3)),
        RootVar("node_max", "number", "Maximum number of nodes.", _per_env(4, 20 if enterprise else 10)),
        RootVar(
            "api_allowed_cidrs",
            "list(string)",
            "Address ranges allowed to reach the Kubernetes API (narrow to your CI runners and offices).",
            _same(["0.0.0.0/0"]),
        ),
    ]


def _retention_vars(stack: Stack) -> list[RootVar]:
    long = 35 if stack.compliance else 14
    out = []
    if stack.databases or stack.cache:
        out.append(
            RootVar("backup_retention_days", "number", "Days of automated backups.", _per_env(7, long))
        )
    if stack.platform == "service":
        out.append(
            RootVar(
                "log_retention_days",
                "number",
                "Days container logs are kept.",
                _per_env(14, 365 if stack.compliance else 30),
            )
        )
    return out


def _gcp_vars(stack: Stack) -> list[RootVar]:
    ha, tier = stack.high_availability, stack.tier
    out = [
        RootVar(
            "project_id",
            "string",
            "Google Cloud project of this environment (one project per environment).",
            {env: f"{stack.design.app}-{env}" for env in ENVIRONMENTS},
        ),
        _region_var(stack, "Google Cloud region of every resource."),
        RootVar(
            "subnet_cidr",
            "string",
            "Primary IPv4 range of the subnet.",
            _per_env("10.20.0.0/20", "10.10.0.0/20"),
        ),
    ]
    if stack.platform == "servers":
        out += [
            RootVar(
                "machine_type", "string", "Machine type of the server.", _per_env("e2-small", "e2-medium")
            ),
            RootVar("disk_gb", "number", "Boot disk size of the server in GB.", _same(30)),
        ]
    elif stack.platform == "service":
        out += _service_vars(stack, cloud_run_size, "cpu = string, memory = string")
    elif stack.platform == "cluster":
        node = "e2-standard-8" if tier == "enterprise" else "e2-standard-4"
        out += _cluster_vars(stack, _per_env("e2-standard-2", node), "string", "node_machine_type")
    else:
        out += [
            RootVar(
                "control_plane_machine_type",
                "string",
                "Machine type of the control plane.",
                _same("n2-standard-2"),
            ),
            RootVar("worker_machine_type", "string", "Machine type of the workers.", _same("n2-standard-4")),
            RootVar("worker_count", "number", "Number of worker servers.", _per_env(2, 3)),
            RootVar("disk_gb", "number", "Boot disk size of each server in GB.", _same(50)),
        ]
    for db in stack.databases:
        prod = "db-custom-4-15360" if ha else "db-custom-2-7680"
        out += [
            RootVar(
                f"{db.prefix}_tier",
                "string",
                f"Cloud SQL machine tier of {db.kind}.",
                _per_env("db-custom-1-3840", prod),
            ),
            RootVar(
                f"{db.prefix}_disk_gb",
                "number",
                f"Initial disk of {db.kind} in GB.",
                _per_env(20, 100 if ha else 50),
            ),
            RootVar(
                f"{db.prefix}_high_availability",
                "bool",
                f"Regional (standby in a second zone) {db.kind}.",
                _per_env(False, standby(stack.design, db.kind, ha)),
            ),
        ]
    if stack.cache:
        out += [
            RootVar("cache_memory_gb", "number", "Memorystore capacity in GB.", _per_env(1, 5 if ha else 1)),
            RootVar(
                "cache_high_availability",
                "bool",
                "Standard tier: a replica in another zone.",
                _per_env(False, standby(stack.design, "redis", ha)),
            ),
        ]
    return out + _retention_vars(stack)


def _azure_vars(stack: Stack) -> list[RootVar]:
    ha, tier = stack.high_availability, stack.tier
    out = [
        _region_var(stack, "Azure region of every resource."),
        RootVar(
            "vnet_cidr",
            "string",
            "IPv4 range of the virtual network.",
            _per_env("10.20.0.0/16", "10.10.0.0/16"),
        ),
    ]
    if stack.platform in ("servers", "nodes"):
        out.append(
            RootVar(
                "admin_ssh_public_key",
                "string",
                "OpenSSH public key of the servers' admin user.",
                None,
                note="pass it as TF_VAR_admin_ssh_public_key (a public key, but kept out of the repository)",
            )
        )
        out.append(
            RootVar(
                "admin_cidrs",
                "list(string)",
                "Ranges allowed to reach the servers over SSH (a VPN, an office); empty closes it.",
                _same([]),
            )
        )
    if stack.platform == "servers":
        out += [
            RootVar("vm_size", "string", "Size of the server.", _per_env("Standard_B2s", "Standard_D2s_v5")),
            RootVar("disk_gb", "number", "OS disk size of the server in GB.", _same(30)),
        ]
    elif stack.platform == "service":
        out += _service_vars(stack, container_apps_size, "cpu = number, memory = string")
    elif stack.platform == "cluster":
        node = "Standard_D8s_v5" if tier == "enterprise" else "Standard_D4s_v5"
        out += _cluster_vars(stack, _per_env("Standard_D2s_v5", node), "string", "node_vm_size")
    else:
        out += [
            RootVar(
                "control_plane_vm_size",
                "string",
                "Size of the control-plane servers.",
                _same("Standard_D2s_v5"),
            ),
            RootVar("worker_vm_size", "string", "Size of the workers.", _same("Standard_D4s_v5")),
            RootVar("worker_count", "number", "Number of worker servers.", _per_env(2, 3)),
            RootVar("disk_gb", "number", "OS disk size of each server in GB.", _same(50)),
        ]
    for db in stack.databases:
        prod = "GP_Standard_D4ds_v5" if ha else "GP_Standard_D2ds_v5"
        out += [
            RootVar(
                f"{db.prefix}_sku",
                "string",
                f"Flexible server SKU of {db.kind}.",
                _per_env("B_Standard_B1ms", prod),
            ),
            RootVar(
                f"{db.prefix}_storage_gb",
                "number",
                f"Storage of {db.kind} in GB.",
                _per_env(32, 128 if ha else 64),
            ),
            RootVar(
                f"{db.prefix}_high_availability",
                "bool",
                f"Zone-redundant standby of {db.kind}.",
                _per_env(False, standby(stack.design, db.kind, ha)),
            ),
        ]
    if stack.cache:
        out += [
            RootVar(
                "cache_sku",
                "string",
                "Azure Cache for Redis tier (Standard keeps a replica).",
                _per_env("Basic", "Standard" if standby(stack.design, "redis", True) else "Basic"),
            ),
            RootVar(
                "cache_capacity",
                "number",
                "Cache size within the tier (0 = 250 MB, 1 = 1 GB, ...).",
                _per_env(0, 2 if ha else 1),
            ),
        ]
    return out + _retention_vars(stack)


_CLOUD_VARS: dict[str, Callable[[Stack], list[RootVar]]] = {
    "aws": _aws_vars,
    "gcp": _gcp_vars,
    "azure": _azure_vars,
}


def _variables_tf(variables: list[RootVar]) -> str:
    blocks = []
    for var in variables:
        lines = [
            f'variable "{var.name}" {{',
            f"  type = {var.type}",
            f"  description = {literal(var.description)}",
        ]
        if var.sensitive:
            lines.append("  sensitive = true")
        if var.has_default:
            lines.append(f"  default = {literal(var.default, 2)}")
        lines.append("}")
        blocks.append("\n".join(lines))
    return HEADER + "\n" + "\n\n".join(blocks) + "\n"


def _tfvars(stack: Stack, variables: list[RootVar], env: str) -> str:
    store = _SECRET_STORES[stack.cloud]
    lines = [
        f"# {env.capitalize()} values. No secrets here: passwords are generated at apply and kept in",
        f"# {store}; anything sensitive is passed as TF_VAR_<name> from CI's secrets.",
    ]
    for var in variables:
        if var.values is None:
            lines.append(f"# {var.name}: {var.note}")
            continue
        if var.note:
            lines += ["", f"# {var.note}"]
        lines.append(f"{var.name} = {literal(var.values[env])}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- rendering


def _versions(providers: list[str], root: bool) -> str:
    pins = [
        {
            "name": p,
            "source": PROVIDERS[p].source,
            "constraint": f"~> {PROVIDERS[p].minor}" if root else f">= {PROVIDERS[p].minor}",
        }
        for p in providers
    ]
    return render_template(
        "terraform/versions.tf.j2",
        header=HEADER,
        providers=pins,
        terraform_version=f"~> {TERRAFORM_VERSION}" if root else f">= {TERRAFORM_VERSION}",
    )


def module_providers(stack: Stack, module: str) -> list[str]:
    """Providers a module's resources use."""
    main = CLOUD_PROVIDER[stack.cloud]
    if module in ("database", "rke2") and stack.cloud != "aws":
        return [main, "random"]
    return [main]


def _values(stack: Stack, env: str) -> dict[str, Any]:
    design = stack.design
    web = [s for s in stack.services if s.port is not None]
    client = {
        "servers": "[module.server.security_group_id]",
        "service": "[module.service.security_group_id]",
        "cluster": "[module.cluster.security_group_id]",
        "nodes": "[module.workers.security_group_id]",
    }[stack.platform]
    secrets = sorted(stack.secret_sources)
    sources, outputs = terraform_regions.secret_sources(stack)
    return {
        "header": HEADER,
        "app": design.app,
        "env": env,
        "cloud": stack.cloud,
        "tier": stack.tier,
        "platform": stack.platform,
        "kms": stack.compliance and stack.cloud == "aws",
        "compliance": stack.compliance,
        "private_subnets": stack.private_subnets,
        "high_availability": stack.high_availability,
        "registry": stack.registry,
        "images": stack.images,
        "databases": stack.databases,
        "cache": {"version": _REDIS_VERSIONS[stack.cloud]} if stack.cache else None,
        "secrets": secrets,
        "secret_module": "secrets" in stack.modules,
        "server_secret": stack.server_secret,
        "server_backups": stack.server_backups,
        "retention_days": server_backups.RETENTION_DAYS,
        "backup_account": server_backups.account_name(design.app, env),
        "app_gateway": design.networking.load_balancer.effective == "azure-app-gateway",
        "secret_name": app_secret.remote_name(design, env),
        "per_variable_secrets": stack.platform == "service",
        "secret_sources": sources,
        "secret_outputs": outputs,
        "secret_width": max((len(s) for s in secrets), default=0),
        "services": stack.services,
        "web_services": web,
        "default_service": web[0].name if web else "",
        "client_groups": client,
        "unprovisioned": stack.unprovisioned,
        "eks_module_version": EKS_MODULE_VERSION,
        "kubernetes_version": KUBERNETES_VERSION,
        **terraform_rke2.template_values(stack),
        "apis": _gcp_apis(stack),
        "acr_name": acr_name(design.app, env),
        "vault_name": _vault_name(design.app, env),
        **terraform_regions.template_values(stack),  # last: several regions move the primary's modules
    }


def _gcp_apis(stack: Stack) -> list[str]:
    """Google APIs an environment's resources need."""
    apis = {
        "compute.googleapis.com",
        "iam.googleapis.com",
        "logging.googleapis.com",
        "monitoring.googleapis.com",
    }
    wanted = {
        "servicenetworking.googleapis.com": bool(stack.databases or stack.cache),
        "sqladmin.googleapis.com": bool(stack.databases),
        "redis.googleapis.com": stack.cache,
        "artifactregistry.googleapis.com": stack.registry,
        "secretmanager.googleapis.com": bool(stack.secret_sources) or terraform_rke2.is_rke2(stack),
        "run.googleapis.com": stack.platform == "service",
        "container.googleapis.com": stack.platform == "cluster",
        "dns.googleapis.com": terraform_rke2.is_rke2(stack),
        "cloudasset.googleapis.com": terraform_audit_trail.wanted(stack),
        "pubsub.googleapis.com": terraform_audit_trail.wanted(stack),
    }
    return sorted(apis | {api for api, used in wanted.items() if used})


def _vault_name(app: str, env: str) -> str:
    """Key Vault names: 3-24 letters, digits and single dashes, starting with a letter."""
    short = {"staging": "stg", "production": "prod"}[env]
    head = re.sub(r"-+", "-", app)[: 24 - len(short) - 4].strip("-")
    return f"{head}-{short}-kv"


def _hcl(template: str, values: dict[str, Any]) -> str:
    text = align(render_template(template, **values))
    return text.rstrip("\n") + "\n"


def render(design: Design, options: GenerateOptions | None = None) -> list[Artifact]:
    """Every Terraform file for the design; nothing when the design's platform is not on a cloud
    Terraform manages here (Fly.io, Railway)."""
    if not wants_terraform(design):
        return []
    stack = _stack(design)
    cloud = stack.cloud
    out: list[Artifact] = []
    values = _values(stack, "production")
    for module in stack.modules:
        folder = f"{ROOT}/modules/{module}"
        for name in _TEMPLATE_MODULE_FILES:
            text = _hcl(f"terraform/{cloud}/modules/{module}/{name}.tf.j2", values)
            tags = module_decisions(cloud, module) if name == "main" else ()
            out.append(Artifact(f"{folder}/{name}.tf", text, generator=GENERATOR, implements=tags))
        out.append(
            Artifact(
                f"{folder}/versions.tf",
                _versions(module_providers(stack, module), False),
                generator=GENERATOR,
            )
        )
    out += _user_data(stack)
    if stack.server_backups:
        out += server_backups.runbook(design, cloud, GENERATOR)
    root_providers = sorted({p for m in stack.modules for p in module_providers(stack, m)})
    variables = _common_vars(stack)
    variables += terraform_regions.root_variables(stack, RootVar, {v.name for v in variables})
    for env in ENVIRONMENTS:
        folder = f"{ROOT}/environments/{env}"
        values = _values(stack, env)
        for name in _ROOT_TEMPLATE_FILES:
            text = _hcl(f"terraform/{cloud}/environment/{name}.tf.j2", values)
            tags = ("regions",) if name == "providers" else ()  # the provider's region
            out.append(Artifact(f"{folder}/{name}.tf", text, generator=GENERATOR, implements=tags))
        if terraform_regions.multi_region(stack):
            text = _hcl(f"terraform/{cloud}/environment/regions.tf.j2", values)
            tags = terraform_regions.ROOT_DECISIONS
            out.append(Artifact(f"{folder}/regions.tf", text, generator=GENERATOR, implements=tags))
        out.append(Artifact(f"{folder}/versions.tf", _versions(root_providers, True), generator=GENERATOR))
        out.append(Artifact(f"{folder}/variables.tf", align(_variables_tf(variables)), generator=GENERATOR))
        out.append(
            Artifact(f"{folder}/terraform.tfvars", align(_tfvars(stack, variables, env)), generator=GENERATOR)
        )
    if terraform_regions.multi_region(stack) and stack.databases:
        engines = [(d.module, d.kind) for d in stack.databases]
        out.append(terraform_failover.render(design, cloud, engines, _vault_name(design.app, "production")))
    from opsmith.generate import terraform_bootstrap  # it builds on this module's Stack

    out += terraform_bootstrap.render(stack, _versions([CLOUD_PROVIDER[cloud]], True), HEADER)
    return out


def _user_data(stack: Stack) -> list[Artifact]:
    """First-boot scripts of the servers module."""
    if terraform_rke2.is_rke2(stack):
        return terraform_rke2.user_data(stack, ROOT, GENERATOR, KUBERNETES_VERSION)
    if stack.platform != "servers":
        return []
    role = "compose-host"
    values = user_data_values(stack.design, stack.cloud, stack.registry)
    values["secrets_setup"] = server_secrets.user_data(stack.design)
    values["backup_setup"] = server_backups.user_data(stack.design, stack.cloud)
    tags = ("secrets",) * bool(values["secrets_setup"]) + ("backups",) * bool(values["backup_setup"])
    text = render_template(f"terraform/user-data/{role}.sh.j2", **values)
    return [
        Artifact(
            f"{ROOT}/modules/servers/user-data/{role}.sh",
            text,
            executable=True,
            generator=GENERATOR,
            implements=tags,
        )
    ]
