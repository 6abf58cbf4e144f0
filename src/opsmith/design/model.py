"""The design: what opsmith will build, every choice with its reason and the rule behind it.

Validated on load (pydantic v2, unknown keys rejected), so a hand edit that breaks the design is
reported with the key that is wrong rather than discovered by a generator later. A choice can be
overridden in the file: the override keeps its own reason next to what opsmith chose, and
`effective` is what generation uses.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from opsmith.design import grammar
from opsmith.design.table import Cloud, Compliance, Orchestration, Platform, Tier, Topology

T = TypeVar("T")
ServiceKind = Literal["web", "worker", "cron"]
BackingKind = Literal["postgresql", "mysql", "mongodb", "redis", "rabbitmq", "kafka", "s3"]
DATABASE_KINDS: tuple[BackingKind, ...] = ("postgresql", "mysql", "mongodb")
Strategy = Literal["rolling", "blue-green", "canary", "recreate"]
Registry = Literal["ghcr", "ecr", "artifact-registry", "acr", "fly-registry"]
SecretStore = Literal[
    "aws-secrets-manager", "gcp-secret-manager", "azure-key-vault", "fly-secrets", "railway-variables"
]
LoadBalancer = Literal[
    "platform-edge",
    "haproxy",
    "aws-alb",
    "gcp-https-lb",
    "azure-app-gateway",
    "ingress-nginx",
    "istio-gateway",
]
Dns = Literal["external", "route53", "cloud-dns", "azure-dns"]
Tls = Literal["platform-managed", "lets-encrypt", "acm", "google-managed", "azure-managed", "cert-manager"]
Metrics = Literal["prometheus-grafana", "managed-prometheus", "kube-prometheus-stack"]
Logs = Literal["loki", "platform", "cloudwatch-logs", "cloud-logging", "azure-monitor-logs"]
Traces = Literal[
    "none",
    "opentelemetry-tempo",
    "opentelemetry-xray",
    "opentelemetry-cloud-trace",
    "opentelemetry-azure-monitor",
]
AlertRouting = Literal["alertmanager-chat", "alertmanager-pager"]
EnvironmentName = Literal["staging", "production"]

# Values from the repository (or a hand edit) in the grammar their sinks can carry: see grammar.py.
OneLine = Annotated[str, AfterValidator(grammar.one_line)]
RepositoryPath = Annotated[str, AfterValidator(grammar.relative_path)]
LockfilePath = Annotated[str, AfterValidator(grammar.file_path)]
UrlPath = Annotated[str, AfterValidator(grammar.url_path)]
EnvName = Annotated[str, AfterValidator(grammar.env_name)]
CronExpression = Annotated[str, AfterValidator(grammar.cron)]
DomainName = Annotated[str, AfterValidator(grammar.domain)]
GoPackage = Annotated[str, AfterValidator(grammar.go_package)]
Version = Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+$")]
RegionName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$")]  # us-east-1, europe-west1

UNASSIGNED_TEAM = "unassigned"  # the team placeholder: ownership tags name a team someone fills in
_DNS_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Override(_Strict, Generic[T]):
    """A human decision that replaces opsmith's: the value and why."""

    value: T
    reason: str = Field(min_length=1)
    by: str | None = None


class Choice(_Strict, Generic[T]):
    value: T
    reason: str = Field(min_length=1)
    rule: str = Field(min_length=1)
    override: Override[T] | None = None

    @property
    def effective(self) -> T:
        return self.override.value if self.override is not None else self.value


class Inputs(_Strict):
    """What the user said about scale and constraints."""

    users: int = Field(ge=1)
    regions: int = Field(default=1, ge=1, le=20)
    compliance: Compliance = "none"
    cloud: Cloud | None = None  # None: opsmith chose (see platform's reason)


class RuntimeSpec(_Strict):
    name: str
    version: str  # normalised (e.g. "20", "3.12", "1.22.5") for base images
    declared: str  # as the repository wrote it (e.g. ">=20", "^3.12")


class Commands(_Strict):
    install: OneLine | None = None
    build: OneLine | None = None
    test: OneLine | None = None
    lint: OneLine | None = None
    typecheck: OneLine | None = None


class Build(_Strict):
    context: RepositoryPath  # folder relative to the repository root
    dockerfile: RepositoryPath | None = None  # an existing Dockerfile, kept as the user's
    language: str | None = None
    runtime: RuntimeSpec | None = None
    package_manager: str | None = None
    # the exact release CI and the image install (pnpm, yarn: from packageManager or the lockfile)
    package_manager_version: Version | None = None
    # relative to the repository root; outside `context` for a workspace member (the image is then
    # built from the folder that holds the lockfile)
    lockfile: LockfilePath | None = None
    framework: str | None = None
    main: GoPackage | None = None  # Go: the main package the image builds ("." or "./cmd/NAME")


class Resources(_Strict):
    cpu: str  # Kubernetes quantity, e.g. "250m"
    memory: str  # e.g. "256Mi"
    replicas_min: int = Field(ge=0)
    replicas_max: int = Field(ge=1)
    reason: str
    rule: str

    @model_validator(mode="after")
    def _ordered(self) -> Resources:
        if self.replicas_min > self.replicas_max:
            raise ValueError("replicas_min must not exceed replicas_max")
        return self


class Slo(_Strict):
    availability: float = Field(gt=0, lt=100)  # percent over the window
    latency_p95_ms: int = Field(ge=1)
    window_days: int = Field(default=30, ge=1)
    reason: str
    rule: str


class Liveness(_Strict):
    """What liveness probes and the image's health check call: a route that answers without any
    backing service, or none (`path` absent), when they check that the port accepts connections.
    Readiness, startup and the load balancer use `health_path`, which may query dependencies."""

    path: UrlPath | None = None
    reason: str = Field(min_length=1)
    evidence: list[str] = []


class MetricsExport(_Strict):
    """Whether the service serves Prometheus metrics, and where (its own port when `port` is
    absent). Release checks read the app's metrics when it exports them, the edge's otherwise."""

    exports: bool
    path: UrlPath | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    reason: str = Field(min_length=1)
    evidence: list[str] = []


class Service(_Strict):
    name: str
    kind: ServiceKind | None  # None: the repository does not say; see unresolved()
    build: Build
    commands: Commands = Commands()
    start: OneLine | None = None
    release: OneLine | None = None  # runs once before each deploy (migrations)
    port: int | None = Field(default=None, ge=1, le=65535)
    health_path: UrlPath | None = None
    schedule: CronExpression | None = None  # cron services: a cron expression
    uses: list[BackingKind] = []
    env: list[EnvName] = []
    resources: Resources
    strategy: Choice[Strategy]
    slo: Slo | None = None
    # Optional so designs written before these fields still load (None: not analysed).
    liveness: Liveness | None = None
    metrics: MetricsExport | None = None
    critical: Choice[bool] | None = None  # alerted, monitored and release-checked first
    evidence: dict[str, str] = {}

    @field_validator("name")
    @classmethod
    def _dns(cls, value: str) -> str:
        if not _DNS_LABEL.fullmatch(value):
            raise ValueError(
                f"must be a DNS label (a-z, 0-9 and '-', at most 63), got {grammar.shown(value)}"
            )
        return value


class BackingService(_Strict):
    kind: BackingKind
    version: str | None = None
    provider: Choice[str]
    # production keeps a standby in a second zone (database) or a replica (cache) that takes over
    # on failure; None where the provider offers no such choice or the design predates it
    standby: Choice[bool] | None = None
    used_by: list[str] = []
    evidence: list[str] = []


class Environment(_Strict):
    name: EnvironmentName
    deploys: str  # when and how a release reaches it
    protected: bool  # a person approves each deploy
    replicas: Literal["minimum", "as-designed"]


class Networking(_Strict):
    domain: DomainName | None = None
    load_balancer: Choice[LoadBalancer]
    dns: Choice[Dns]
    tls: Choice[Tls]
    # the cloud regions served from, the primary first; None in designs written before the field
    # and on platforms that place services themselves (Fly.io, Railway)
    regions: Choice[list[RegionName]] | None = None


class Observability(_Strict):
    metrics: Choice[Metrics]
    logs: Choice[Logs]
    traces: Choice[Traces]
    alert_routing: Choice[AlertRouting]


class Approval(_Strict):
    by: str = Field(min_length=1)
    at: str = Field(min_length=1)  # ISO 8601, UTC
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")

    @field_validator("at", mode="before")
    @classmethod
    def _timestamp(cls, value: object) -> object:
        """An unquoted timestamp typed by hand loads as a datetime: keep it as text."""
        if isinstance(value, datetime):
            return value.isoformat().replace("+00:00", "Z")
        return value


class Design(_Strict):
    version: Literal[1] = 1
    app: str
    # who answers for the infrastructure: resources carry it as their owner tag (a team, never a
    # person's address); None in designs written before the field, read as UNASSIGNED_TEAM
    team: str | None = Field(default=None, pattern=r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
    inputs: Inputs
    tier: Choice[Tier]
    topology: Choice[Topology]
    orchestration: Choice[Orchestration]
    platform: Choice[Platform]
    registry: Choice[Registry]
    secrets: Choice[SecretStore]
    networking: Networking
    environments: list[Environment]
    services: list[Service]
    backing_services: list[BackingService] = []
    observability: Observability
    approval: Approval | None = None

    @field_validator("app")
    @classmethod
    def _app(cls, value: str) -> str:
        if not _DNS_LABEL.fullmatch(value):
            raise ValueError(
                f"must be a DNS label (lowercase letters, digits, '-'), got {grammar.shown(value)}"
            )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Design:
        names = [s.name for s in self.services]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"service names must be unique: {', '.join(duplicates)}")
        kinds = [b.kind for b in self.backing_services]
        if len(set(kinds)) != len(kinds):
            raise ValueError("each backing service kind may appear once")
        for service in self.services:
            missing = sorted(set(service.uses) - set(kinds))
            if missing:
                raise ValueError(
                    f"service {service.name} uses {', '.join(missing)}, missing from backing_services"
                )
        for backing in self.backing_services:
            unknown = sorted(set(backing.used_by) - set(names))
            if unknown:
                raise ValueError(
                    f"backing service {backing.kind} is used by unknown service {', '.join(unknown)}"
                )
        envs = [e.name for e in self.environments]
        if sorted(envs) != ["production", "staging"]:
            raise ValueError("environments must be exactly staging and production")
        return self

    def service(self, name: str) -> Service | None:
        return next((s for s in self.services if s.name == name), None)

    def unresolved(self) -> list[str]:
        """What the design still needs from a person before it can be approved."""
        out: list[str] = []
        if not self.services:
            out.append("services: none was found; declare them in .opsmith.toml ([design.services.NAME])")
        for s in self.services:
            where = f"services[{s.name}]"
            if s.kind is None:
                out.append(f"{where}.kind: web, worker or cron")
            if s.start is None:
                out.append(f"{where}.start: the command that starts it")
            if s.kind == "web" and s.port is None:
                out.append(f"{where}.port: the port it listens on")
            if s.kind == "cron" and not s.schedule:
                out.append(f"{where}.schedule: a cron expression")
        return out
