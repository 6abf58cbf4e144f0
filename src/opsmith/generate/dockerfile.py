"""Dockerfile and .dockerignore per service, per ecosystem.

Every generated image is multi-stage (dependencies before sources, so code edits keep the install
layer cached), installs from the lockfile, pins an exact base image version (and a digest when the
user supplies one), runs as an unprivileged user, health-checks its HTTP endpoint with a tool the
runtime image already has (no curl added to the image), and starts in exec form.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

from opsmith.design import grammar
from opsmith.generate.artifact import Artifact
from opsmith.generate.templating import render_template


class GenerateError(ValueError):
    """Something the design does not say and the generator must not guess."""


@dataclass(frozen=True)
class ContainerSpec:
    """What the Dockerfile generator needs to know about one service."""

    name: str
    path: str  # the service folder, relative to the repository root ("." for the root)
    ecosystem: str  # node, python, go, java, ruby, rust, php, dotnet
    kind: str = "web"  # web, worker, cron
    package_manager: str | None = None
    lockfile: str | None = None  # file name of the lockfile inside the service folder
    runtime_version: str | None = None
    build_command: str | None = None
    start_command: str | None = None
    port: int | None = None
    health_path: str | None = None
    binary: str | None = None  # Rust: the crate's binary name; .NET: the project name
    main_package: str = "."  # Go: the package to build
    package_manager_version: str | None = None  # pnpm, yarn: the exact release to install
    digests: dict[str, str] = field(default_factory=dict)  # image reference -> sha256 digest
    # The service has no route that answers without its backing services: the health check only
    # asks whether the port accepts connections (health_path is then not called).
    health_tcp: bool = False
    # Node: a CA bundle the managed database's certificate chains to, which Node's store lacks
    # (node-postgres verifies the server even at sslmode=require); fetched at build, trusted by
    # NODE_EXTRA_CA_CERTS
    database_ca_url: str | None = None
    # Node workspace member: its folder inside the context, which is the workspace root holding
    # the lockfile (the Dockerfile is still written in the member's folder)
    workspace_member: str | None = None


@cache
def base_images() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(files("opsmith.data").joinpath("base_images.json").read_text())
    return data["images"]  # type: ignore[no-any-return]


# A release the repository pins exactly (`.nvmrc` "v22.12.0", `.python-version` "3.12.8", go.mod
# "go 1.23.4"): the image and CI run that release, not the bundled one of its line.
_EXACT = re.compile(r"v?(\d+\.\d+\.\d+)")
_EXACT_RUNTIMES = frozenset({"node", "python", "go", "ruby", "rust", "php"})


def image_version(runtime: str, wanted: str | None) -> str:
    """The exact version to pin for a runtime, from the version the project declares: an exact
    release as written (`1.22.5`, `v20.11.1`), else the bundled release of the newest line the
    declaration allows (`20`, `>=3.11`, `^18.17`)."""
    table = base_images()[runtime]
    versions: dict[str, str] = table["versions"]
    exact = _EXACT.fullmatch(wanted.strip()) if wanted else None
    if exact and runtime in _EXACT_RUNTIMES:
        return exact.group(1)
    if wanted:
        cleaned = wanted.strip().lstrip("^~>=<v ").split(",")[0].strip()
        for major in sorted(versions, key=lambda v: [int(p) for p in v.split(".")], reverse=True):
            if cleaned == versions[major] or cleaned == major or cleaned.startswith(major + "."):
                return versions[major]
    return versions[table["default"]]


def _image(
    runtime: str,
    wanted: str | None,
    spec: ContainerSpec,
    suffix: str | None = None,
    repository: str | None = None,
) -> str:
    table = base_images()[runtime]
    ref = f"{repository or table['repository']}:{image_version(runtime, wanted)}"
    ref += table["suffix"] if suffix is None else suffix
    digest = spec.digests.get(ref)
    return f"{ref}@{digest}" if digest else ref


def _argv(spec: ContainerSpec, default: list[str]) -> list[str]:
    if spec.start_command:
        try:
            return shlex.split(spec.start_command)
        except ValueError as exc:
            raise GenerateError(f"service {spec.name}: cannot split start command: {exc}") from exc
    return default


def _url(spec: ContainerSpec) -> str:
    return f"http://127.0.0.1:{spec.port}{spec.health_path or '/'}"


def _literal(text: str) -> str:
    """`text` as a single-quoted string literal of JavaScript, Python, Ruby and PHP alike (the
    health probes' languages): in all four, backslash-escaping the backslash and the quote is
    enough once the text is one line (the design refuses control characters)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


# Words and the shell's list operators only: no quote, `$`, backslash, `#`, `<` or `>`, so the
# text means the same to Dockerfile's line reader as to the shell (a heredoc opener or a trailing
# backslash in shell form would swallow the Dockerfile's next lines).
_PLAIN_SHELL = re.compile(r"^[A-Za-z0-9_./:=@%+,\- &|;]+$")


def run_argument(command: str, then: str) -> str:
    """What follows RUN for a command the repository declares, followed by opsmith's `then`: the
    shell form when the command is plain, else the exec form `["/bin/sh", "-c", ...]`, which
    carries any text as JSON."""
    if _PLAIN_SHELL.fullmatch(command):
        return f"{command} \\\n && {then}"
    return json.dumps(["/bin/sh", "-c", f"{command} && {then}"], ensure_ascii=False)


def _needs_http_health(spec: ContainerSpec) -> bool:
    return spec.kind == "web" and spec.port is not None


def _wget_probe(spec: ContainerSpec) -> list[str] | None:
    return ["wget", "-q", "-O", "/dev/null", _url(spec)] if _needs_http_health(spec) else None


_NODE_TOOLS: dict[str, dict[str, str]] = {
    "npm": {
        "lock": "package-lock.json",
        "all": "npm ci",
        "prod": "npm ci --omit=dev",
        "prune": "npm prune --omit=dev",
        "cache": "/root/.npm",
    },
    "pnpm": {
        "lock": "pnpm-lock.yaml",
        "all": "pnpm install --frozen-lockfile",
        "prod": "pnpm install --frozen-lockfile --prod",
        "prune": "pnpm prune --prod",
        "cache": "/root/.local/share/pnpm/store",
    },
    "yarn": {  # classic (1.x); yarn 2+ is _YARN_BERRY
        "lock": "yarn.lock",
        "all": "yarn install --frozen-lockfile",
        "prod": "yarn install --frozen-lockfile --production",
        "prune": "yarn install --frozen-lockfile --production --ignore-scripts --prefer-offline",
        "cache": "/usr/local/share/.cache/yarn",
    },
    "bun": {
        "lock": "bun.lockb",
        "all": "bun install --frozen-lockfile",
        "prod": "bun install --frozen-lockfile --production",
        "prune": "rm -rf node_modules && bun install --frozen-lockfile --production",
        "cache": "/root/.bun/install/cache",
    },
}


_YARN_BERRY = {
    "lock": "yarn.lock",
    "all": "yarn install --immutable",
    "prod": "YARN_ENABLE_IMMUTABLE_INSTALLS=true yarn workspaces focus --all --production",
    "prune": "YARN_ENABLE_IMMUTABLE_INSTALLS=true yarn workspaces focus --all --production",
    "cache": "/root/.yarn/berry/cache",
}
# The pnpm a lockfile of the current format was written by, when the repository says no version.
PNPM_DEFAULT = "9.15.9"
# npm installs Corepack releases whose signing keys are current (the one bundled with an older Node
# line rejects newer yarn releases); checked with `npm view corepack version` on 2026-12-07.
COREPACK = "0.36.0"


def package_manager_setup(manager: str, version: str | None) -> str | None:
    """The command that installs the exact pnpm or yarn the repository uses, before its install:
    npm from the registry for pnpm (no Corepack signature check), the image's own yarn 1 for
    classic, a current Corepack for yarn 2+ (whose releases only Corepack or yarnPath runs)."""
    if manager == "pnpm":
        return f"npm install -g pnpm@{version or PNPM_DEFAULT}"
    if manager == "yarn" and version and not version.startswith("1."):
        corepack = f"npm install -g --force corepack@{COREPACK} && corepack enable"
        return f"{corepack} && corepack prepare yarn@{version} --activate"
    return None


def _node_tool(spec: ContainerSpec, manager: str) -> dict[str, str]:
    tool = _NODE_TOOLS.get(manager)
    if tool is None:
        raise GenerateError(f"service {spec.name}: unknown Node package manager {manager!r}")
    version = spec.package_manager_version
    if manager == "yarn" and version and not version.startswith("1."):
        tool = _YARN_BERRY
    setup = package_manager_setup(manager, version)
    if setup is None:
        return tool
    return {**tool, "all": f"{setup} && {tool['all']}", "prod": f"{setup} && {tool['prod']}"}


def _node(spec: ContainerSpec) -> dict[str, Any]:
    manager = spec.package_manager or "npm"
    tool = _node_tool(spec, manager)
    bun = manager == "bun"
    base = (
        _image("node", spec.runtime_version, spec, "-slim", "oven/bun")
        if bun
        else _image("node", spec.runtime_version, spec)
    )
    lock = spec.lockfile or tool["lock"]
    # a workspace installs from the root's lockfile with every member's manifest (pnpm also needs
    # its workspace file): a first stage picks them out of the whole context
    workspace = [lock, "pnpm-workspace.yaml"] if manager == "pnpm" else [lock]
    probe = None
    if _needs_http_health(spec):
        url = _literal(_url(spec))
        script = f"fetch({url}).then(r => process.exit(r.ok ? 0 : 1)).catch(() => process.exit(1))"
        probe = ["bun" if bun else "node", "-e", script]
    return {
        "base": base,
        "manifests": ["package.json", lock],
        "install_all": tool["all"],
        "install_prod": tool["prod"],
        "cache_dir": tool["cache"],
        "build_run": run_argument(spec.build_command, tool["prune"]) if spec.build_command else None,
        "user": "bun" if bun else "node",
        "workspace_member": spec.workspace_member,
        "workspace_files": workspace,
        "database_ca": _ca_download(spec.database_ca_url, bun) if spec.database_ca_url else None,
        "database_ca_file": DATABASE_CA_FILE,
        "health_probe": probe,
        "start_argv": _argv(spec, ["bun" if bun else "node", "index.js"]),
    }


DATABASE_CA_FILE = "/etc/ssl/certs/database-ca.pem"


def _ca_download(url: str, bun: bool) -> list[str]:
    """A build step that saves the CA bundle with the runtime's own fetch (slim images have no
    curl); a failed download fails the build rather than an image that cannot reach its database."""
    script = (
        f"fetch({_literal(url)})"
        ".then(r => { if (!r.ok) throw new Error('HTTP ' + r.status); return r.text(); })"
        ".then(t => require('fs').writeFileSync('/database-ca.pem', t))"
    )
    return ["bun" if bun else "node", "-e", script]


PY_TOOLS: dict[str, tuple[list[str], str | None, str]] = {
    # manifests, tool bootstrap (outside the app's virtualenv), install into /opt/venv
    "pip": (["requirements.txt"], None, "pip install --no-cache-dir -r requirements.txt"),
    "poetry": (
        ["pyproject.toml", "poetry.lock"],
        "pip install --no-cache-dir poetry==1.8.4 poetry-plugin-export==1.8.0",
        "poetry export --only main -f requirements.txt -o /tmp/requirements.txt "
        "&& pip install --no-cache-dir -r /tmp/requirements.txt",
    ),
    "uv": (
        ["pyproject.toml", "uv.lock"],
        "pip install --no-cache-dir uv==0.5.4",
        "UV_PROJECT_ENVIRONMENT=/opt/venv uv sync --locked --no-dev --no-install-project",
    ),
    "pipenv": (
        ["Pipfile", "Pipfile.lock"],
        "pip install --no-cache-dir pipenv==2024.4.0",
        "pipenv requirements > /tmp/requirements.txt && pip install --no-cache-dir -r /tmp/requirements.txt",
    ),
    "pdm": (
        ["pyproject.toml", "pdm.lock"],
        "pip install --no-cache-dir pdm==2.21.0",
        "pdm export --prod --without-hashes -o /tmp/requirements.txt "
        "&& pip install --no-cache-dir -r /tmp/requirements.txt",
    ),
}


def _python(spec: ContainerSpec) -> dict[str, Any]:
    manager = spec.package_manager or "pip"
    if manager not in PY_TOOLS:
        raise GenerateError(f"service {spec.name}: unknown Python package manager {manager!r}")
    manifests, bootstrap, install = PY_TOOLS[manager]
    probe = None
    if _needs_http_health(spec):
        probe = [
            "python",
            "-c",
            "import sys, urllib.request; "
            f"sys.exit(0 if urllib.request.urlopen({_literal(_url(spec))}, timeout=3).status < 400 else 1)",
        ]
    return {
        "base": _image("python", spec.runtime_version, spec),
        "manifests": manifests,
        "tool_install": bootstrap,
        "install_prod": install,
        "health_probe": probe,
        "start_argv": _without_runner(_argv(spec, ["python", "-m", spec.name.replace("-", "_")])),
    }


# The image installs into /opt/venv, which is on PATH, and carries no package manager at run time:
# `uv run gunicorn ...` (how the repository starts it locally) runs as `gunicorn ...` there.
_PY_RUNNERS = frozenset({"uv", "poetry", "pipenv", "pdm"})


def _without_runner(argv: list[str]) -> list[str]:
    """`argv` without a leading `uv run`, `poetry run`, `pipenv run` or `pdm run` and the
    runner's own flags (`--frozen`, `--no-sync`, `--`)."""
    if len(argv) < 3 or argv[0] not in _PY_RUNNERS or argv[1] != "run":
        return argv
    rest = argv[2:]
    while rest and rest[0].startswith("-"):
        if rest.pop(0) == "--":
            break
    return rest or argv


def _go(spec: ContainerSpec) -> dict[str, Any]:
    try:
        main = grammar.go_package(spec.main_package)
    except ValueError as exc:
        raise GenerateError(f"service {spec.name}: main package {exc}") from exc
    return {
        "base": _image("go", spec.runtime_version, spec),
        "runtime_base": _image("alpine", None, spec),
        "main_package": main,
        "health_probe": _wget_probe(spec),
        "start_argv": ["/usr/local/bin/app"],
    }


def _java(spec: ContainerSpec) -> dict[str, Any]:
    version = image_version("java", spec.runtime_version)
    major = version.split(".")[0]
    gradle = spec.package_manager == "gradle"
    values: dict[str, Any]
    if gradle:
        values = {
            "base": f"gradle:8.11.1-jdk{major}-alpine",
            "manifests": ["build.gradle*", "settings.gradle*", "gradle.properties*"],
            "install_all": "gradle --no-daemon -q dependencies",
            "cache_dir": "/root/.gradle",
            "build_command": "gradle --no-daemon -q bootJar -x test || gradle --no-daemon -q build -x test",
            "output_dir": "build/libs",
        }
    else:
        values = {
            "base": f"maven:3.9.9-eclipse-temurin-{major}-alpine",
            "manifests": ["pom.xml"],
            "install_all": "mvn -B -q dependency:go-offline",
            "cache_dir": "/root/.m2",
            "build_command": "mvn -B -q package -DskipTests",
            "output_dir": "target",
        }
    digest = spec.digests.get(str(values["base"]))
    if digest:
        values["base"] = f"{values['base']}@{digest}"
    return {
        **values,
        "runtime_base": _image("java", spec.runtime_version, spec, "-jre-alpine"),
        "health_probe": _wget_probe(spec),
        "start_argv": ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/app.jar"],
    }


def _ruby(spec: ContainerSpec) -> dict[str, Any]:
    probe = None
    if _needs_http_health(spec):
        probe = [
            "ruby",
            "-rnet/http",
            "-e",
            f"exit(Net::HTTP.get_response(URI({_literal(_url(spec))})).is_a?(Net::HTTPSuccess))",
        ]
    return {
        "base": _image("ruby", spec.runtime_version, spec),
        "health_probe": probe,
        "start_argv": _argv(spec, ["bundle", "exec", "puma", "-C", "config/puma.rb"]),
    }


def _rust(spec: ContainerSpec) -> dict[str, Any]:
    binary = spec.binary or spec.name
    return {
        "base": _image("rust", spec.runtime_version, spec),
        "runtime_base": _image("alpine", None, spec),
        "binary": binary,
        "health_probe": _wget_probe(spec),
        "start_argv": ["/usr/local/bin/app"],
    }


def _php(spec: ContainerSpec) -> dict[str, Any]:
    probe = None
    if _needs_http_health(spec):
        probe = ["php", "-r", f"exit(@file_get_contents({_literal(_url(spec))}) === false ? 1 : 0);"]
    port = spec.port or 8000
    return {
        "base": _image("php", spec.runtime_version, spec),
        "composer_image": "composer:2.8.3",
        "health_probe": probe,
        "start_argv": _argv(spec, ["php", "artisan", "serve", "--host=0.0.0.0", f"--port={port}"]),
    }


def _dotnet(spec: ContainerSpec) -> dict[str, Any]:
    version = image_version("dotnet", spec.runtime_version)
    project = spec.binary or spec.name
    return {
        "base": f"mcr.microsoft.com/dotnet/sdk:{version.rsplit('.', 1)[0]}-alpine",
        "runtime_base": f"mcr.microsoft.com/dotnet/aspnet:{version}-alpine",
        "manifests": ["*.csproj"],
        "health_probe": _wget_probe(spec),
        "start_argv": ["dotnet", f"{project}.dll"],
    }


def _tcp_probe(spec: ContainerSpec) -> list[str]:
    """A connect to the port with what the runtime image holds: the language's own socket API, or
    BusyBox `nc` in the Alpine images of compiled languages."""
    port = spec.port
    if spec.ecosystem == "node":
        script = (
            f"require('net').connect({port}, '127.0.0.1').setTimeout(3000, () => process.exit(1))"
            ".on('connect', () => process.exit(0)).on('error', () => process.exit(1))"
        )
        return ["bun" if spec.package_manager == "bun" else "node", "-e", script]
    if spec.ecosystem == "python":
        script = f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=3).close()"
        return ["python", "-c", script]
    if spec.ecosystem == "ruby":
        return ["ruby", "-rsocket", "-e", f"TCPSocket.new('127.0.0.1', {port}).close"]
    if spec.ecosystem == "php":
        return ["php", "-r", f"exit(@fsockopen('127.0.0.1', {port}) === false ? 1 : 0);"]
    return ["nc", "-z", "-w", "3", "127.0.0.1", str(port)]


def _values(spec: ContainerSpec) -> dict[str, Any] | None:
    builder = _BUILDERS.get(spec.ecosystem)
    if builder is None:
        return None
    values = builder(spec)
    if spec.health_tcp and _needs_http_health(spec):
        values["health_probe"] = _tcp_probe(spec)
    return values


def health_probe(spec: ContainerSpec) -> list[str] | None:
    """The command that tells whether the service answers, with tools its image already has."""
    values = _values(spec)
    probe = values["health_probe"] if values else None
    return list(probe) if probe else None


_BUILDERS = {
    "node": _node,
    "python": _python,
    "go": _go,
    "java": _java,
    "ruby": _ruby,
    "rust": _rust,
    "php": _php,
    "dotnet": _dotnet,
}


def render_dockerfile(spec: ContainerSpec) -> str:
    own = _values(spec)
    if own is None:
        raise GenerateError(f"service {spec.name}: no Dockerfile template for {spec.ecosystem!r}")
    values = {
        "name": spec.name,
        "ecosystem": spec.ecosystem,
        "kind": spec.kind,
        "port": spec.port,
        "build_command": None,
        "health_tcp": spec.health_tcp,
        **own,
    }
    return render_template(f"dockerfile/{spec.ecosystem}.Dockerfile.j2", s=values)


_IGNORE_COMMON = [
    ".git",
    ".github",
    ".opsmith",
    "**/.env",
    "**/.env.*",
    "!**/.env.example",
    "*.pem",
    "*.key",
    "Dockerfile*",
    "docker-compose*.yml",
    "compose*.yaml",
    ".dockerignore",
    "**/.DS_Store",
    "README*",
    "docs/",
    "k8s/",
    "deploy/",
    "terraform/",
    "tests/",
    "test/",
    "coverage/",
]
_IGNORE_BY_ECOSYSTEM = {
    "node": ["**/node_modules", "**/npm-debug.log*", "**/.next/cache", "**/.turbo", "dist/", "build/"],
    "python": [
        "**/__pycache__",
        "**/*.pyc",
        ".venv",
        "venv",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        ".tox",
        "*.egg-info",
        "dist/",
        "build/",
    ],
    "go": ["bin/", "*.test", "vendor/"],
    "java": ["target/", "build/", ".gradle/", "*.iml", ".idea/"],
    "ruby": ["log/*", "tmp/*", "vendor/bundle", ".bundle", "node_modules", "storage/*"],
    "rust": ["target/"],
    "php": ["vendor/", "node_modules", "storage/logs/*", "bootstrap/cache/*"],
    "dotnet": ["bin/", "obj/", "*.user"],
}


def render_dockerignore(ecosystem: str) -> str:
    lines = [
        "# Generated by opsmith: keeps the build context small and free of secrets.",
        *_IGNORE_COMMON,
        *_IGNORE_BY_ECOSYSTEM.get(ecosystem, []),
    ]
    return "\n".join(lines) + "\n"


def render(spec: ContainerSpec) -> list[Artifact]:
    folder = "" if spec.path in ("", ".") else spec.path.rstrip("/") + "/"
    # Built from a folder above its own, the image reads `<Dockerfile>.dockerignore` (BuildKit's
    # per-Dockerfile ignore file), which leaves the context root's own .dockerignore alone.
    ignore = "Dockerfile.dockerignore" if spec.workspace_member else ".dockerignore"
    return [
        Artifact(f"{folder}Dockerfile", render_dockerfile(spec), generator="dockerfile"),
        Artifact(f"{folder}{ignore}", render_dockerignore(spec.ecosystem), generator="dockerfile"),
    ]
