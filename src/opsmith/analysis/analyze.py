"""Repository -> RepoFacts: find the project folders, run the ecosystem detectors on each, read
what any repository may hold around them, and decide which folders are deployable services."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

from opsmith.analysis import dotnet, golang, java, node, php, python, ruby, rust
from opsmith.analysis.artifacts import compose_services, find_artifacts
from opsmith.analysis.common import (
    CODE,
    DEFAULT,
    ENV_EXAMPLES,
    Detection,
    app_env,
    scan_dockerfile,
    scan_env_example,
    scan_makefile,
    scan_procfile,
    scan_sources,
)
from opsmith.analysis.facts import (
    Command,
    Evidence,
    Fact,
    Library,
    Process,
    RepoFacts,
    ServiceFacts,
    ServiceKind,
    Unknown,
    port_supply,
)
from opsmith.analysis.metrics import metrics_endpoint
from opsmith.analysis.probes import liveness_route
from opsmith.analysis.services import from_env_name
from opsmith.analysis.supplied import apply_supplied
from opsmith.analysis.tree import Tree, join, parent

# Priority when one folder holds several ecosystems (a Rails app with a package.json for its
# assets): the one with an HTTP framework wins, then this order (Node last: its package.json is
# most often a helper for another stack's front-end assets).
DETECTORS: tuple[tuple[str, ModuleType], ...] = (
    ("go", golang),
    ("rust", rust),
    ("java", java),
    ("dotnet", dotnet),
    ("ruby", ruby),
    ("php", php),
    ("python", python),
    ("node", node),
)
_MANIFEST_OWNER = {name: eco for eco, module in DETECTORS for name in getattr(module, "MANIFESTS", ())}
_DOCKERFILE = re.compile(r"^(?:Dockerfile|Containerfile)$")
_ORIGIN_RANK = {"declared": 0, "derived": 1, "convention": 2}
_HEALTH_PREFERENCE = (
    "/healthz",
    "/health",
    "/livez",
    "/up",
    "/readyz",
    "/ready",
    "/actuator/health",
    "/api/healthz",
    "/api/health",
    "/api/up",
    "/api/ready",
)
_QUEUES = ("rabbitmq", "kafka")
_START_PORT = re.compile(
    r"(?:--port[= ]|\s-p\s|--bind[= ]\S*:|\s-b\s\S*:|--urls[= ]https?://\S*:)(?:\$\{PORT:-)?(\d{2,5})\b"
)
RUNTIME_FILES = {
    "node": ".nvmrc or engines.node in package.json",
    "python": ".python-version or requires-python in pyproject.toml",
    "go": "the go directive in go.mod",
    "java": "java.version in pom.xml or a Gradle toolchain",
    "ruby": ".ruby-version",
    "rust": "rust-toolchain.toml",
    "php": "require.php in composer.json",
    "dotnet": "TargetFramework in the project file or global.json",
}


def analyze(
    root: Path,
    settings: Mapping[str, Any] | None = None,
    config_path: Path | None = None,
    skip: frozenset[str] = frozenset(),
) -> RepoFacts:
    """Facts about the repository at `root`. `settings` is the `[design]` table of .opsmith.toml
    (values the user supplies for what the repository does not say). Files in `skip` are not read:
    opsmith's own output, which must not be taken for what the repository says about itself."""
    tree = Tree(root)
    if skip:
        tree = Tree(root, [f for f in tree.files if f not in skip])
    folders = _manifest_folders(tree)
    detections: dict[str, list[Detection]] = {}
    for folder, ecosystems in sorted(folders.items()):
        found = [d for eco, module in DETECTORS if eco in ecosystems and (d := module.detect(tree, folder))]
        if found:
            detections[folder] = found
    members, workspace_roots, monorepo = _workspaces(detections)
    candidates = sorted(set(detections) | _dockerfile_only(tree, set(detections)))
    owned = _ownership(tree, candidates)
    built: list[tuple[str, ServiceFacts, bool, str | None]] = []
    taken: set[str] = set()
    repo_name = _dns(root.resolve().name) or "app"
    for folder in candidates:
        found = detections.get(folder, [])
        service, deployable, library_reason = _service(
            tree, folder, found, owned[folder], repo_name=repo_name, taken=taken
        )
        if folder in workspace_roots and not deployable:
            continue
        built.append((folder, service, deployable, library_reason))
    services, libraries = _split(built, members)
    services = _dotnet_tests(services, libraries)
    if len(services) > 1 and monorepo is None:
        monorepo = Fact(
            "several services",
            tuple(Evidence(s.dockerfile or s.path, None) for s in services),
            "derived",
        )
    artifacts = find_artifacts(tree)
    unknowns: list[Unknown] = []
    if not services:
        unknowns.append(
            Unknown(
                "services",
                "no package manifest (package.json, pyproject.toml, requirements.txt, go.mod, pom.xml,"
                " build.gradle, Gemfile, Cargo.toml, composer.json, *.csproj) or Dockerfile was found",
                'declare each service in .opsmith.toml: [design.services.NAME] kind = "web", start = "...",'
                " port = <number> (and runtime, health)",
                "services",
            )
        )
    facts = RepoFacts(
        name=repo_name,
        services=tuple(services),
        libraries=tuple(libraries),
        monorepo=monorepo,
        backing_services=_repo_backing(services, compose_services(tree, artifacts)),
        artifacts=tuple(artifacts),
        unknowns=tuple(unknowns),
    )
    return apply_supplied(facts, settings or {}, config_path, root)


def _manifest_folders(tree: Tree) -> dict[str, set[str]]:
    folders: dict[str, set[str]] = {}
    for relpath in tree.files:
        name = relpath.rsplit("/", 1)[-1]
        eco = _MANIFEST_OWNER.get(name)
        if eco is None and name.endswith(dotnet.PROJECT_SUFFIXES):
            eco = "dotnet"
        if eco:
            folders.setdefault(parent(relpath), set()).add(eco)
    return folders


def _workspaces(detections: dict[str, list[Detection]]) -> tuple[set[str], set[str], Fact[str] | None]:
    members: set[str] = set()
    roots: set[str] = set()
    evidence: list[Evidence] = []
    kinds: list[str] = []
    for folder, found in detections.items():
        for detection in found:
            if not detection.workspaces:
                continue
            matched = {
                other
                for other in detections
                if other != folder and any(_member(folder, glob, other) for glob in detection.workspaces)
            }
            if matched:
                members |= matched
                roots.add(folder)
                manager = detection.package_manager
                kinds.append(f"{manager.name if manager else detection.ecosystem} workspaces")
                if detection.workspace_evidence:
                    evidence.append(detection.workspace_evidence)
    fact = Fact(", ".join(dict.fromkeys(kinds)), tuple(evidence)) if roots else None
    return members, roots, fact


def _member(root: str, glob: str, folder: str) -> bool:
    pattern = join(root, glob.strip().rstrip("/").removeprefix("./"))
    return fnmatch.fnmatch(folder, pattern) or (pattern.endswith("/**") and folder.startswith(pattern[:-2]))


def _dockerfile_only(tree: Tree, manifest_folders: set[str]) -> set[str]:
    """Folders with a Dockerfile but no manifest, away from every manifest folder (a service built
    from a Dockerfile alone, e.g. an nginx front or a vendored binary)."""
    found: set[str] = set()
    for relpath in tree.files:
        if not _DOCKERFILE.match(relpath.rsplit("/", 1)[-1]):
            continue
        folder = parent(relpath)
        related = any(_inside(folder, m) or _inside(m, folder) for m in manifest_folders)
        if folder not in manifest_folders and not related:
            found.add(folder)
    return found


def _inside(child: str, folder: str) -> bool:
    return folder in (".", "") or child == folder or child.startswith(folder + "/")


def _ownership(tree: Tree, candidates: list[str]) -> dict[str, list[str]]:
    """Each file belongs to the deepest candidate folder that holds it."""
    owned: dict[str, list[str]] = {c: [] for c in candidates}
    by_depth = sorted(candidates, key=lambda c: -len(c) if c != "." else 0)
    for relpath in tree.files:
        for folder in by_depth:
            if _inside(relpath, folder):
                owned[folder].append(relpath)
                break
    return owned


def _service(
    tree: Tree, folder: str, detections: list[Detection], files: list[str], *, repo_name: str, taken: set[str]
) -> tuple[ServiceFacts, bool, str | None]:
    primary = _primary(detections, folder)
    for detection in detections:
        if detection.ecosystem == "python":
            python.entrypoints(detection, tree, files)
        elif detection.ecosystem == "go":
            names = (repo_name, detection.name or "", folder.rsplit("/", 1)[-1])
            golang.entrypoints(detection, tree, files, names)
        elif detection.ecosystem == "node":
            manifest = tree.read(join(folder, "package.json"))
            if manifest:
                detection.processes.extend(node.worker_processes(detection, manifest))
    scan = scan_sources(tree, files)
    env = dict(scan.env)
    for name in ENV_EXAMPLES:
        text = tree.read(join(folder, name))
        if text:
            scan_env_example(text, primary, env)
    dockerfile = next(
        (f for f in files if parent(f) == folder and _DOCKERFILE.match(f.rsplit("/", 1)[-1])), None
    )
    docker_text = tree.read(dockerfile) if dockerfile else None
    docker_start = scan_dockerfile(docker_text, primary) if docker_text else None
    procfile = tree.read(join(folder, "Procfile"))
    processes = scan_procfile(procfile) if procfile else []
    makefile = tree.read(join(folder, "Makefile"))
    make = Detection(primary.ecosystem, folder, primary.manifest)
    if makefile:
        scan_makefile(makefile, make)
    for seen in scan.ports:
        primary.add_port(CODE, seen.value, seen.evidence[0])
    web_process = next((p for p in processes if p.kind == "web"), None)
    start = _start(primary, web_process, docker_start)
    if start is not None:
        flag = _START_PORT.search(" " + start.command)
        if flag:
            primary.add_port(
                CODE if start.origin == "declared" else DEFAULT, int(flag.group(1)), start.evidence[0]
            )
    detected = [p for d in detections for p in d.processes]
    server = any(d.server for d in detections) or web_process is not None
    worker = next((d.worker for d in detections if d.worker), None)
    backing = _backing(detections, scan.backing, app_env(env))
    consumer = next((k for k in _QUEUES if k in backing), None)
    if worker is None and not server and consumer and (start or detected):
        worker = Fact(consumer, tuple(backing[consumer][:1]), "derived", f"consumes from {consumer}")
    if worker is not None and not server:
        start = start or next(
            (Command("start", p.command, p.evidence, p.origin) for p in detected if p.kind == "worker"), None
        )
        detected = [p for p in detected if p.kind != "worker"]  # the service is that worker
    all_processes = _processes(processes, detected, web_process)
    port, port_unknown = _port(primary)
    start = _align_port(start, port)
    if server or (port is not None and (worker is None or not detections)):
        kind: Fact[ServiceKind] | None = Fact("web", _kind_evidence(primary, web_process, port), "derived")
    elif worker is not None:
        kind = Fact("worker", worker.evidence, "derived", f"{worker.value} and no HTTP framework")
    else:
        kind = None
    web = kind is not None and kind.value == "web"
    health = _health([*primary.health, *scan.health]) if web else None
    name = _name(primary.name, folder, repo_name, taken)
    env_facts = app_env(env)
    service = ServiceFacts(
        name=name,
        path=folder,
        ecosystem=primary.ecosystem,
        kind=kind,
        languages=_unique_facts(f for d in detections for f in d.languages),
        package_managers=tuple(d.package_manager for d in detections if d.package_manager),
        runtime=primary.runtime,
        frameworks=_unique_facts(f for d in detections for f in d.frameworks),
        start=start,
        port=port,
        health=health,
        liveness=liveness_route(tree, files, health) if web else None,
        metrics=metrics_endpoint(tree, files),
        commands=_commands([primary, make, *[d for d in detections if d is not primary]]),
        backing_services=tuple(Fact(k, tuple(v)) for k, v in sorted(backing.items())),
        env=tuple(Fact(k, tuple(v)) for k, v in sorted(env_facts.items()) if k != "PORT"),
        processes=all_processes,
        dockerfile=dockerfile,
        unknowns=(),
        main_package=primary.main_package,
    )
    service = _with_unknowns(service, primary, port_unknown, env_facts, backing)
    deployable = bool(server or worker or start or dockerfile or processes)
    library = next((d.library_reason for d in detections if d.library_reason), None)
    return service, deployable and library is None, library


def _primary(detections: list[Detection], folder: str) -> Detection:
    if not detections:
        return Detection("container", folder, Evidence(join(folder, "Dockerfile"), None))
    return next((d for d in detections if d.server), None) or next(
        (d for d in detections if d.start or d.worker), detections[0]
    )


def _start(primary: Detection, web: Process | None, docker: Command | None) -> Command | None:
    if web is not None:
        return Command("start", web.command, web.evidence)
    if primary.start and primary.start.origin == "declared":
        return primary.start
    return docker or primary.start


def _align_port(start: Command | None, port: Fact[int] | None) -> Command | None:
    """A start command opsmith derived listens where the code says the service listens."""
    if start is None or port is None or start.origin == "declared" or port.value == 8000:
        return start
    command = re.sub(r"(--port[= ]|--bind[= ]\S*:|--port=)8000\b", rf"\g<1>{port.value}", start.command)
    return replace(start, command=command)


def _processes(procfile: list[Process], detected: list[Process], web: Process | None) -> tuple[Process, ...]:
    names = {p.name for p in procfile}
    merged = [p for p in procfile if p is not web]
    merged.extend(p for p in detected if p.name not in names and not (web and p.kind == "web"))
    return tuple(merged)


def _port(primary: Detection) -> tuple[Fact[int] | None, Unknown | None]:
    if not primary.ports:
        return None, None
    best = min(rank for rank, _ in primary.ports)
    chosen = [fact for rank, fact in primary.ports if rank == best]
    values = sorted({f.value for f in chosen})
    if len(values) > 1:
        listing = ", ".join(f"{f.value} ({f.evidence[0]})" for f in chosen)
        return None, Unknown("port", f"the sources disagree: {listing}", "")
    evidence = tuple(dict.fromkeys(e for f in chosen for e in f.evidence))
    others = sorted(
        {f.value for rank, f in primary.ports if rank != best and f.value not in values and rank < DEFAULT}
    )
    note = chosen[0].note
    if others:
        note = (note + "; " if note else "") + f"also seen: {', '.join(map(str, others))}"
    return Fact(values[0], evidence, chosen[0].origin, note), None


def _kind_evidence(primary: Detection, web: Process | None, port: Fact[int] | None) -> tuple[Evidence, ...]:
    if web is not None:
        return web.evidence
    if primary.frameworks:
        return primary.frameworks[0].evidence
    return port.evidence if port else (primary.manifest,)


def _health(found: list[Fact[str]]) -> Fact[str] | None:
    for path in _HEALTH_PREFERENCE:
        matching = [f for f in found if f.value == path]
        if matching:
            evidence = tuple(dict.fromkeys(e for f in matching for e in f.evidence))
            declared = [f for f in matching if f.origin == "declared"]
            head = declared[0] if declared else matching[0]
            return Fact(path, evidence, head.origin, head.note)
    return None


def _backing(
    detections: list[Detection], scanned: Mapping[str, list[Evidence]], env: Mapping[str, list[Evidence]]
) -> dict[str, list[Evidence]]:
    merged: dict[str, list[Evidence]] = {}
    sources: list[Mapping[str, list[Evidence]]] = [d.backing for d in detections]
    sources.append(scanned)
    sources.append({kind: ev for name, ev in env.items() if (kind := from_env_name(name))})
    for source in sources:
        for kind, evidence in source.items():
            bucket = merged.setdefault(kind, [])
            bucket.extend(e for e in evidence if e not in bucket)
    return merged


def _commands(ordered: list[Detection]) -> tuple[Command, ...]:
    best: dict[str, Command] = {}
    for detection in ordered:
        for command in detection.commands:
            held = best.get(command.purpose)
            if held is None or _ORIGIN_RANK[command.origin] < _ORIGIN_RANK[held.origin]:
                best[command.purpose] = command
    order = ("install", "build", "test", "lint", "typecheck")
    return tuple(best[p] for p in order if p in best)


def _unique_facts(facts: Iterable[Fact[str]]) -> tuple[Fact[str], ...]:
    seen: dict[str, Fact[str]] = {}
    for fact in facts:
        seen.setdefault(fact.value, fact)
    return tuple(seen.values())


def _with_unknowns(
    service: ServiceFacts,
    primary: Detection,
    port_unknown: Unknown | None,
    env: Mapping[str, list[Evidence]],
    backing: Mapping[str, list[Evidence]],
) -> ServiceFacts:
    key = f"[design.services.{service.name}]"
    unknowns: list[Unknown] = []
    if service.kind is None:
        unknowns.append(
            Unknown(
                f"kind of service {service.name}",
                "no HTTP framework, listening port, Procfile entry or background-job library was found",
                f'{key} kind = "web" (or "worker", "cron") in .opsmith.toml',
                "kind",
            )
        )
    if service.start is None:
        choose_main = service.ecosystem == "go" and primary.start_note is not None
        unknowns.append(
            Unknown(
                f"start command of {service.name}",
                primary.start_note
                or "no start script, Procfile, Dockerfile CMD or framework entrypoint was found",
                f'{key} main = "./cmd/<name>" in .opsmith.toml'
                if choose_main
                else f'{key} start = "..." in .opsmith.toml',
                "start",
            )
        )
    web = service.kind is not None and service.kind.value == "web"
    if web and service.port is None:
        detail = (
            port_unknown.detail
            if port_unknown
            else "no listen call, server.port, EXPOSE or PORT setting was found"
        )
        unknowns.append(Unknown(f"port of {service.name}", detail, port_supply(service.name), "port"))
    if web and service.health is None:
        unknowns.append(
            Unknown(
                f"health endpoint of {service.name}",
                "no route named /health, /healthz, /ready or /up was found"
                " (probes would fall back to a TCP check)",
                f'{key} health = "/healthz" in .opsmith.toml, after adding the route',
                "health",
            )
        )
    if service.runtime is None and service.ecosystem in RUNTIME_FILES:
        unknowns.append(
            Unknown(
                f"{service.ecosystem} version of {service.name}",
                f"the repository pins no version ({RUNTIME_FILES[service.ecosystem]})",
                f'add {RUNTIME_FILES[service.ecosystem]}, or {key} runtime = "<version>" in .opsmith.toml',
                "runtime",
            )
        )
    if "DATABASE_URL" in env and not {"postgresql", "mysql", "mongodb"} & set(backing):
        unknowns.append(
            Unknown(
                f"database engine of {service.name}",
                f"DATABASE_URL is read ({env['DATABASE_URL'][0]}) but no driver or URL scheme names"
                " the engine",
                'backing-services = ["postgresql"] (or "mysql") under [design] in .opsmith.toml',
                "database",
            )
        )
    return replace(service, unknowns=tuple(unknowns))


def _split(
    built: list[tuple[str, ServiceFacts, bool, str | None]], members: set[str]
) -> tuple[list[ServiceFacts], list[Library]]:
    services = [s for _, s, deployable, _ in built if deployable]
    libraries = [
        Library(
            s.name,
            folder,
            s.ecosystem,
            reason or "no start command, server framework, worker library or Dockerfile",
        )
        for folder, s, deployable, reason in built
        if not deployable
    ]
    if not services:
        fallback = [item for item in built if item[3] is None]
        if fallback:  # a single-project repository that does not say how it starts: still the service
            head = min(fallback, key=lambda item: (item[0].count("/") if item[0] != "." else -1, item[0]))
            services = [head[1]]
            libraries = [lib for lib in libraries if lib.path != head[0]]
    return services, libraries


def _dotnet_tests(services: list[ServiceFacts], libraries: list[Library]) -> list[ServiceFacts]:
    """A .NET solution keeps its tests in a project of their own: `dotnet test` runs them."""
    tests = [lib for lib in libraries if lib.ecosystem == "dotnet" and lib.reason == dotnet.TEST_PROJECT]
    if not tests:
        return services
    command = Command("test", "dotnet test", tuple(Evidence(lib.path, None) for lib in tests), "convention")
    return [
        replace(s, commands=(*s.commands, command))
        if s.ecosystem == "dotnet" and not s.command("test")
        else s
        for s in services
    ]


def _name(declared: str | None, folder: str, repo_name: str, taken: set[str]) -> str:
    """The package's own name, else its folder's, else the repository's; unique, DNS-safe."""
    base = _dns(declared or "") or (_dns(folder.rsplit("/", 1)[-1]) if folder != "." else "") or repo_name
    name, counter = base, 2
    while name in taken:
        name, counter = f"{base}-{counter}", counter + 1
    taken.add(name)
    return name


def _repo_backing(services: list[ServiceFacts], compose: list[Fact[str]]) -> tuple[Fact[str], ...]:
    merged: dict[str, list[Evidence]] = {}
    for fact in [*(f for s in services for f in s.backing_services), *compose]:
        bucket = merged.setdefault(fact.value, [])
        bucket.extend(e for e in fact.evidence if e not in bucket)
    return tuple(Fact(kind, tuple(ev)) for kind, ev in sorted(merged.items()))


def _dns(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40].strip("-")
