"""What `opsmith analyze` learns about a repository: frozen facts, each with its evidence.

Every fact says where it came from (file and line) and how sure it is (`origin`):
`declared` the repository states it (a lockfile, a route, a listen call); `derived` opsmith worked
it out from declared facts (a start command built from the module that creates the app object);
`convention` the ecosystem's standard command or default for what was declared (`go test ./...`
for a Go module, port 8080 for Spring Boot). Nothing is guessed: what cannot be determined is an
`Unknown` naming the configuration key that supplies it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

T = TypeVar("T")
Origin = Literal["declared", "derived", "convention"]
CommandPurpose = Literal["install", "build", "test", "lint", "typecheck", "start"]
ServiceKind = Literal["web", "worker", "cron"]

ECOSYSTEMS = ("node", "python", "go", "java", "ruby", "rust", "php", "dotnet")
BACKING_KINDS = ("postgresql", "mysql", "mongodb", "redis", "rabbitmq", "kafka", "s3")


@dataclass(frozen=True, order=True)
class Evidence:
    """Where a fact was read: a path relative to the analysed root, a 1-based line (None when the
    whole file is the evidence, e.g. a lockfile), and what was seen there (secrets never shown)."""

    path: str
    line: int | None
    text: str = ""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line is not None else self.path


@dataclass(frozen=True)
class Fact(Generic[T]):
    value: T
    evidence: tuple[Evidence, ...]
    origin: Origin = "declared"
    note: str = ""


@dataclass(frozen=True)
class PackageManager:
    name: str  # npm, pnpm, yarn, bun, pip, poetry, uv, pipenv, pdm, go, maven, gradle, bundler, ...
    lockfile: str | None  # relpath of the lockfile, None when the project has none
    evidence: tuple[Evidence, ...]
    version: str | None = None  # e.g. from package.json "packageManager"


@dataclass(frozen=True)
class Runtime:
    name: str  # node, python, go, java, ruby, rust, php, dotnet
    version: str
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class Command:
    purpose: CommandPurpose
    command: str
    evidence: tuple[Evidence, ...]
    origin: Origin = "declared"
    note: str = ""


@dataclass(frozen=True)
class Process:
    """A process type the repository declares (Procfile): web, worker, release, clock..."""

    name: str
    kind: ServiceKind | Literal["release"]
    command: str
    evidence: tuple[Evidence, ...]
    origin: Origin = "declared"


@dataclass(frozen=True)
class Unknown:
    """Something opsmith could not determine, and how the user supplies it."""

    subject: str  # e.g. "port of api"
    detail: str  # why it could not be determined
    supply: str  # the flag or configuration key that supplies it
    field: str = ""  # kind, start, port, health, runtime, database, services


@dataclass(frozen=True)
class MetricsEndpoint:
    """Where a service serves Prometheus metrics: a path, on its own port unless `port` says."""

    path: str
    port: int | None
    evidence: tuple[Evidence, ...]
    note: str = ""


def port_supply(service: str) -> str:
    """How to supply a port: the number is the user's; 8080 is shown as an example only."""
    return f"[design.services.{service}] port = <the port it listens on> in .opsmith.toml (for example, 8080)"


@dataclass(frozen=True)
class ServiceFacts:
    """One deployable unit: a folder with a manifest that builds and starts on its own."""

    name: str
    path: str  # folder relative to the root, "." for the root itself
    ecosystem: str
    kind: Fact[ServiceKind] | None
    languages: tuple[Fact[str], ...] = ()
    package_managers: tuple[PackageManager, ...] = ()
    runtime: Runtime | None = None
    frameworks: tuple[Fact[str], ...] = ()
    start: Command | None = None
    port: Fact[int] | None = None
    health: Fact[str] | None = None
    liveness: Fact[str] | None = None  # a route that answers without backing services
    metrics: MetricsEndpoint | None = None
    commands: tuple[Command, ...] = ()
    backing_services: tuple[Fact[str], ...] = ()
    env: tuple[Fact[str], ...] = ()
    processes: tuple[Process, ...] = ()
    dockerfile: str | None = None
    unknowns: tuple[Unknown, ...] = ()
    main_package: Fact[str] | None = None  # Go: the package the image builds ("." or "./cmd/NAME")

    def command(self, purpose: CommandPurpose) -> Command | None:
        return next((c for c in self.commands if c.purpose == purpose), None)

    @property
    def package_manager(self) -> PackageManager | None:
        return self.package_managers[0] if self.package_managers else None


@dataclass(frozen=True)
class Library:
    """A package of a workspace that is not deployed on its own (shared code, UI kit...)."""

    name: str
    path: str
    ecosystem: str
    reason: str


@dataclass(frozen=True)
class Artifact:
    """A DevOps file the repository already has (kind as `opsmith audit` names families)."""

    kind: str
    path: str
    evidence: Evidence


@dataclass(frozen=True)
class RepoFacts:
    name: str
    services: tuple[ServiceFacts, ...] = ()
    libraries: tuple[Library, ...] = ()
    monorepo: Fact[str] | None = None
    backing_services: tuple[Fact[str], ...] = ()
    artifacts: tuple[Artifact, ...] = ()
    unknowns: tuple[Unknown, ...] = field(default=())

    def service(self, name: str) -> ServiceFacts | None:
        return next((s for s in self.services if s.name == name), None)

    def all_unknowns(self) -> tuple[Unknown, ...]:
        return self.unknowns + tuple(u for s in self.services for u in s.unknowns)
