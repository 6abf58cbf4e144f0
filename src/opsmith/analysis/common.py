"""What every ecosystem detector shares: the Detection it fills in, and the scanners that read
what any repository may hold (sources, Dockerfile, Procfile, Makefile, env examples, config)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from opsmith.analysis import services as catalogue
from opsmith.analysis.facts import (
    Command,
    CommandPurpose,
    Evidence,
    Fact,
    Origin,
    PackageManager,
    Process,
    Runtime,
    ServiceKind,
    Unknown,
)
from opsmith.analysis.tree import TextFile, Tree, join

# How sure a port is: lower wins. A port the code or config sets beats the Dockerfile's EXPOSE,
# which beats an env example, which beats a framework's documented default.
PortRank = Literal[0, 1, 2, 3]
CODE, EXPOSE, ENV_EXAMPLE, DEFAULT = 0, 1, 2, 3


@dataclass
class Detection:
    """What one ecosystem detector found in one folder."""

    ecosystem: str
    folder: str
    manifest: Evidence
    name: str | None = None
    languages: list[Fact[str]] = field(default_factory=list)
    package_manager: PackageManager | None = None
    runtime: Runtime | None = None
    frameworks: list[Fact[str]] = field(default_factory=list)
    server: bool = False  # a framework that answers HTTP was found
    worker: Fact[str] | None = None  # a background-job library was found
    start: Command | None = None
    ports: list[tuple[int, Fact[int]]] = field(default_factory=list)  # (rank, port)
    health: list[Fact[str]] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    deps: dict[str, Evidence] = field(default_factory=dict)
    backing: dict[str, list[Evidence]] = field(default_factory=dict)
    workspaces: list[str] = field(default_factory=list)
    workspace_evidence: Evidence | None = None
    unknowns: list[Unknown] = field(default_factory=list)
    library_reason: str | None = None  # set when the package is clearly not deployable
    processes: list[Process] = field(default_factory=list)
    start_note: str | None = None  # why no start command could be determined
    main_package: Fact[str] | None = None  # Go: the package `go build` builds ("." or "./cmd/NAME")

    def add_command(
        self,
        purpose: CommandPurpose,
        command: str,
        evidence: Evidence,
        origin: Origin = "declared",
        note: str = "",
    ) -> None:
        if not any(c.purpose == purpose for c in self.commands):
            self.commands.append(Command(purpose, command, (evidence,), origin, note))

    def add_framework(self, name: str, evidence: Evidence, *, server: bool = True) -> None:
        if not any(f.value == name for f in self.frameworks):
            self.frameworks.append(Fact(name, (evidence,)))
        self.server = self.server or server

    def add_port(
        self, rank: int, port: int, evidence: Evidence, origin: Origin = "declared", note: str = ""
    ) -> None:
        if 0 < port < 65536:
            self.ports.append((rank, Fact(port, (evidence,), origin, note)))

    def add_backing(self, kind: str, evidence: Evidence) -> None:
        seen = self.backing.setdefault(kind, [])
        if evidence not in seen:
            seen.append(evidence)

    def map_dependencies(self, table: Mapping[str, str]) -> None:
        """Backing services named by client libraries among the dependencies."""
        for dep, evidence in self.deps.items():
            kind = table.get(dep)
            if kind:
                self.add_backing(kind, evidence)

    def first_dep(self, names: Iterable[str]) -> tuple[str, Evidence] | None:
        for name in names:
            if name in self.deps:
                return name, self.deps[name]
        return None


def runtime_from(name: str, version: str | None, evidence: Evidence) -> Runtime | None:
    version = (version or "").strip().strip("\"'")
    return Runtime(name, version, (evidence,)) if version else None


def version_file(
    tree: Tree, folder: str, runtime: str, names: Iterable[str], prefix: str = ""
) -> Runtime | None:
    """The first line of a version file (.nvmrc, .python-version...) in the folder or at the root."""
    for where in dict.fromkeys((folder, ".")):
        for name in names:
            text = tree.read(join(where, name))
            if text and text.text.strip():
                return runtime_from(runtime, text.lines[0].strip().removeprefix(prefix), text.evidence(1))
    return None


def tool_versions(tree: Tree, folder: str, runtime: str, tool: str) -> Runtime | None:
    """The version asdf/mise pin in .tool-versions (`nodejs 20.11.0`), in the folder or at the root."""
    for where in dict.fromkeys((folder, ".")):
        text = tree.read(join(where, ".tool-versions"))
        line = text.find(rf"^{re.escape(tool)}\s+\S+") if text else None
        if text and line:
            return runtime_from(runtime, text.lines[line - 1].split()[1], text.evidence(line))
    return None


def derived_start(command: str, evidence: Evidence, note: str) -> Command:
    return Command("start", command, (evidence,), "derived", note)


# --------------------------------------------------------------------------- source files

SOURCE_EXTENSIONS = frozenset(
    {
        ".js",
        ".mjs",
        ".cjs",
        ".ts",
        ".mts",
        ".cts",
        ".jsx",
        ".tsx",
        ".py",
        ".go",
        ".java",
        ".kt",
        ".rb",
        ".rs",
        ".php",
        ".cs",
        ".fs",
    }
)
CONFIG_NAMES = re.compile(
    r"(?:^|/)(?:application[\w-]*\.(?:properties|ya?ml)|appsettings[\w.-]*\.json|database\.yml"
    r"|cable\.yml|schema\.prisma|settings\.py|config\.(?:ya?ml|toml|json))$"
)
TEST_PATH = re.compile(
    r"(?:^|/)(?:tests?|__tests__|spec|specs|testdata|fixtures|e2e|cypress)/"
    r"|_test\.(?:go|py)$|\.(?:test|spec)\.[cm]?[jt]sx?$|_spec\.rb$|Tests?\.(?:java|kt|cs)$"
    r"|(?:^|/)test_[^/]+\.py$|(?:^|/)conftest\.py$"
)
MAX_SOURCES = 600

_PORT_PATTERNS = tuple(
    re.compile(p)
    for p in (
        r"\.listen\(\s*(\d{2,5})\b",  # app.listen(3000)
        r"\blisten\(\s*\{[^}]*?\bport\s*:\s*(\d{2,5})",  # fastify.listen({ port: 3000 })
        r"\bPORT\b[^\n;]{0,40}?(?:\|\||\?\?|\bor\b)\s*[\"']?(\d{2,5})\b",  # env.PORT || 3000
        r"\b(?:const|let|var)\s+(?:PORT|port)\s*(?::\s*number\s*)?=\s*(?:Number\()?[\"']?(\d{2,5})\b",
        # a default given with the name: os.getenv("PORT", "8000"), os.environ.get("PORT", 8000),
        # a local getenvDefault("PORT", "9000") or env("PORT", 3000), ENV.fetch("PORT", 3000)
        r"\(\s*[\"'](?:PORT|HTTP_PORT|SERVER_PORT|APP_PORT)[\"']\s*,\s*[\"']?(\d{2,5})\b",
        r"\$\{(?:PORT|SERVER_PORT):-?(\d{2,5})\}",  # ${PORT:-8080} in shell, Spring's ${PORT:8080}
        r"\b(?:app|application)\.run\([^)\n]*\bport\s*=\s*(\d{2,5})",  # flask app.run(port=5000)
        r"\buvicorn\.run\([^)\n]*\bport\s*=\s*(\d{2,5})",
        r"(?:ListenAndServe(?:TLS)?|\.Run|\.Start|\bAddr:?)\s*\(?\s*\"[\w.\-]*:(\d{2,5})\"",  # Go
        r"(?i)\bport\s*:?=\s*\"(\d{2,5})\"",  # Go: port := "8080" (fallback when PORT is unset)
        r"\bbind\(\s*\(\s*\"[^\"]*\"\s*,\s*(\d{2,5})\s*\)",  # actix: .bind(("0.0.0.0", 8080))
        r"\bbind\(\s*\"[\w.\-\[\]:]*:(\d{2,5})\"",  # TcpListener::bind("0.0.0.0:3000")
        r"SocketAddr::from\(\(\s*\[[^\]]*\]\s*,\s*(\d{2,5})\s*\)\)",
        r"(?:UseUrls|\.Run|Urls\.Add)\(\s*\"https?://[^\"]*:(\d{2,5})\"",  # ASP.NET Core
        r"^\s*port\s+ENV\.fetch\(\s*[\"']PORT[\"']\s*\)\s*\{\s*(\d{2,5})\s*\}",  # puma.rb
        r"^\s*port\s+(\d{2,5})\s*$",  # puma.rb: port 3000
    )
)
_HEALTH_PATHS = "healthz?|livez|readyz?|up"
_HEALTH_SLASH = re.compile(rf"[\"'`](/(?:{_HEALTH_PATHS})/?)[\"'`]")
_HEALTH_ROUTE = re.compile(
    rf"\b(?:path|re_path|get|route|match)\s*\(?\s*[\"']\^?((?:{_HEALTH_PATHS})/?)\$?[\"']"
)
_ENV_READ = re.compile(
    r"(?:process\.env\.|process\.env\[[\"']|import\.meta\.env\.|os\.environ\[[\"']"
    r"|os\.environ\.get\(\s*[\"']|\bgetenv\(\s*[\"']|os\.Getenv\(\s*\"|os\.LookupEnv\(\s*\""
    r"|\bENV\[[\"']|\bENV\.fetch\(\s*[\"']|env::var\(\s*\"|\benv\(\s*[\"']|\benv\.\w+\(\s*[\"']"
    r"|GetEnvironmentVariable\(\s*\"|System\.getenv\(\s*\")([A-Z][A-Z0-9_]*)"
)
_ENV_PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)(?::[^}]*)?\}")
_S3_CLIENT = re.compile(r"""\b(?:client|resource)\(\s*["']s3["']""")
# Env vars every platform sets or every runtime reads; not the application's own configuration.
_PLATFORM_ENV = frozenset(
    {
        "NODE_ENV",
        "PATH",
        "HOME",
        "HOSTNAME",
        "PWD",
        "TZ",
        "CI",
        "DEBUG",
        "LANG",
        "USER",
        "SHELL",
        "RAILS_ENV",
        "RACK_ENV",
        "APP_ENV",
        "GO_ENV",
        "PYTHONPATH",
        "VIRTUAL_ENV",
        "TERM",
    }
)


@dataclass
class SourceScan:
    ports: list[Fact[int]] = field(default_factory=list)
    health: list[Fact[str]] = field(default_factory=list)
    env: dict[str, list[Evidence]] = field(default_factory=dict)
    backing: dict[str, list[Evidence]] = field(default_factory=dict)


def is_source(relpath: str) -> bool:
    dot = relpath.rfind(".")
    return dot > relpath.rfind("/") and relpath[dot:] in SOURCE_EXTENSIONS and not TEST_PATH.search(relpath)


# Next.js file-system routes: app/api/health/route.ts serves /api/health.
_NEXT_ROUTE = re.compile(
    rf"(?:^|/)(?:src/)?(?:app|pages)/api/({_HEALTH_PATHS})(?:/route|/index)?\.[cm]?[jt]sx?$"
)


def scan_sources(tree: Tree, files: Iterable[str]) -> SourceScan:
    """Ports, health routes, env var reads and service URLs in a service's own sources and config."""
    scan = SourceScan()
    chosen = [f for f in files if is_source(f) or CONFIG_NAMES.search(f)][:MAX_SOURCES]
    for relpath in chosen:
        route = _NEXT_ROUTE.search(relpath)
        if route:
            scan.health.append(
                Fact(f"/api/{route.group(1)}", (Evidence(relpath, None, "file-system route"),))
            )
        text = tree.read(relpath)
        if text is None:
            continue
        _scan_file(text, scan, config=not is_source(relpath))
    return scan


def _scan_file(text: TextFile, scan: SourceScan, *, config: bool) -> None:
    for number, line in enumerate(text.lines, start=1):
        if len(line) > 2000:
            continue
        stripped = line.lstrip()
        if stripped.startswith(("//", "#", "*", "/*")) and not config and not stripped.startswith("#["):
            continue
        for pattern in _PORT_PATTERNS:
            match = pattern.search(line)
            if match:
                scan.ports.append(Fact(int(match.group(1)), (text.evidence(number),)))
                break
        for regex in (_HEALTH_SLASH, _HEALTH_ROUTE):
            for match in regex.finditer(line):
                path = "/" + match.group(1).strip("/")
                scan.health.append(Fact(path, (text.evidence(number),)))
        names = [m.group(1) for m in _ENV_READ.finditer(line)]
        if config:
            names.extend(m.group(1) for m in _ENV_PLACEHOLDER.finditer(line))
        for name in names:
            _add(scan.env, name, text.evidence(number))
        for match in catalogue.SCHEME.finditer(line):
            _add(scan.backing, catalogue.SCHEMES[match.group(1)], text.evidence(number))
        if _S3_CLIENT.search(line):
            _add(scan.backing, "s3", text.evidence(number))
    if config:
        _scan_config(text, scan)


_SPRING_KEYS = (
    (re.compile(r"^\s*spring\.(?:data\.)?redis\.|^\s*redis:\s*$"), "redis"),
    (re.compile(r"^\s*spring\.rabbitmq\.|^\s*rabbitmq:\s*$"), "rabbitmq"),
    (re.compile(r"^\s*spring\.kafka\.|^\s*kafka:\s*$"), "kafka"),
    (re.compile(r"^\s*spring\.data\.mongodb\.|^\s*mongodb:\s*$"), "mongodb"),
)
_ADAPTER = re.compile(r"^\s*adapter:\s*[\"']?(\w+)")
_PRISMA = re.compile(r"^\s*provider\s*=\s*\"(postgresql|mysql|mongodb)\"")
_SERVER_PORT = re.compile(r"^\s*server\.port\s*[=:]\s*(\d{2,5})\s*$")


def _scan_config(text: TextFile, scan: SourceScan) -> None:
    name = text.relpath.rsplit("/", 1)[-1]
    in_server = False
    for number, line in enumerate(text.lines, start=1):
        if name.startswith("application"):
            for regex, kind in _SPRING_KEYS:
                if regex.search(line):
                    _add(scan.backing, kind, text.evidence(number))
            port = _SERVER_PORT.match(line)
            if port:
                scan.ports.append(Fact(int(port.group(1)), (text.evidence(number),)))
            if re.match(r"^server:\s*$", line):
                in_server = True
            elif in_server and re.match(r"^\s+port:\s*(\d{2,5})\s*$", line):
                scan.ports.append(Fact(int(line.split(":")[1]), (text.evidence(number),)))
            elif line and not line[0].isspace():
                in_server = False
        adapter = _ADAPTER.match(line) if name == "database.yml" else None
        if adapter and adapter.group(1) in catalogue.ADAPTERS:
            _add(scan.backing, catalogue.ADAPTERS[adapter.group(1)], text.evidence(number))
        prisma = _PRISMA.match(line) if name.endswith(".prisma") else None
        if prisma:
            _add(scan.backing, prisma.group(1), text.evidence(number))


def _add(table: dict[str, list[Evidence]], key: str, evidence: Evidence) -> None:
    seen = table.setdefault(key, [])
    if evidence not in seen:
        seen.append(evidence)


def app_env(names: Mapping[str, list[Evidence]]) -> dict[str, list[Evidence]]:
    return {k: v for k, v in names.items() if k not in _PLATFORM_ENV}


# --------------------------------------------------------------------------- env examples

ENV_EXAMPLES = (".env.example", ".env.sample", ".env.template", ".env.dist", "example.env", "env.example")
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")


def scan_env_example(text: TextFile, detection: Detection, env: dict[str, list[Evidence]]) -> None:
    """Names (never values) from an env example; PORT, DATABASE_URL's scheme and Laravel's
    DB_CONNECTION are the only values read."""
    for number, line in enumerate(text.lines, start=1):
        match = _ENV_LINE.match(line)
        if not match:
            continue
        name, value = match.group(1), match.group(2).strip().strip("\"'")
        evidence = text.evidence(number, f"{name}=")
        _add(env, name, evidence)
        if name == "PORT" and value.isdigit():
            detection.add_port(ENV_EXAMPLE, int(value), evidence)
        scheme = catalogue.SCHEME.search(value)
        if scheme:
            detection.add_backing(
                catalogue.SCHEMES[scheme.group(1)], text.evidence(number, f"{name}={scheme.group(1)}://…")
            )
        if name == "DB_CONNECTION" and value in catalogue.ADAPTERS:
            detection.add_backing(catalogue.ADAPTERS[value], text.evidence(number, f"{name}={value}"))


# --------------------------------------------------------------------------- Dockerfile

_EXPOSE = re.compile(r"^\s*EXPOSE\s+(\d{2,5})", re.IGNORECASE)
_CMD = re.compile(r"^\s*(?:CMD|ENTRYPOINT)\s+(.+)$", re.IGNORECASE)
_HEALTHCHECK_URL = re.compile(r"https?://[\w.\-]+(?::\d+)?(/[\w./-]*)")


def scan_dockerfile(text: TextFile, detection: Detection) -> Command | None:
    """EXPOSE ports and HEALTHCHECK paths as facts; the last CMD as a start command candidate."""
    start: Command | None = None
    for number, line in enumerate(text.lines, start=1):
        expose = _EXPOSE.match(line)
        if expose:
            detection.add_port(EXPOSE, int(expose.group(1)), text.evidence(number))
        if line.lstrip().upper().startswith("HEALTHCHECK"):
            url = _HEALTHCHECK_URL.search(line) or _next_url(text, number)
            if url and url.group(1) not in ("", "/"):
                detection.health.append(Fact(url.group(1).rstrip("/"), (text.evidence(number),)))
        cmd = _CMD.match(line)
        if cmd:
            start = Command("start", _exec_form(cmd.group(1)), (text.evidence(number),))
    return start


def _next_url(text: TextFile, number: int) -> re.Match[str] | None:
    for follow in text.lines[number : number + 3]:
        found = _HEALTHCHECK_URL.search(follow)
        if found:
            return found
    return None


def _exec_form(value: str) -> str:
    value = value.strip()
    if value.startswith("["):
        parts = re.findall(r"\"((?:[^\"\\]|\\.)*)\"", value)
        if parts:
            return " ".join(parts)
    return value


# --------------------------------------------------------------------------- Procfile, Makefile

_PROCFILE = re.compile(r"^([A-Za-z0-9_-]+)\s*:\s*(.+)$")


def scan_procfile(text: TextFile) -> list[Process]:
    found: list[Process] = []
    for number, line in enumerate(text.lines, start=1):
        match = _PROCFILE.match(line)
        if not match:
            continue
        name, command = match.group(1), match.group(2).strip()
        kind: ServiceKind | Literal["release"]
        if name == "web":
            kind = "web"
        elif name == "release":
            kind = "release"
        else:  # clock/beat/scheduler processes are long-running too: singleton workers
            kind = "worker"
        found.append(Process(name, kind, command, (text.evidence(number),)))
    return found


_MAKE_TARGET = re.compile(r"^([A-Za-z][\w.-]*)\s*:(?!=)")
MAKE_PURPOSES: dict[str, CommandPurpose] = {
    "build": "build",
    "test": "test",
    "tests": "test",
    "lint": "lint",
    "typecheck": "typecheck",
    "type-check": "typecheck",
    "types": "typecheck",
    "mypy": "typecheck",
}


def scan_makefile(text: TextFile, detection: Detection) -> None:
    for number, line in enumerate(text.lines, start=1):
        match = _MAKE_TARGET.match(line)
        purpose = MAKE_PURPOSES.get(match.group(1)) if match else None
        if match and purpose:
            detection.add_command(purpose, f"make {match.group(1)}", text.evidence(number))


# --------------------------------------------------------------------------- helpers


def present(tree: Tree, folder: str, names: Iterable[str]) -> str | None:
    """The relpath of the first of `names` that exists in `folder`."""
    for name in names:
        path = join(folder, name)
        if tree.exists(path):
            return path
    return None


def normalise_python(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
