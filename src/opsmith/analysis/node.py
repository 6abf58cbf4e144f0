"""Node.js: package.json, the lockfile that says which package manager, scripts, frameworks."""

from __future__ import annotations

import re
from typing import Any

from opsmith.analysis.common import (
    CODE,
    DEFAULT,
    Detection,
    present,
    runtime_from,
    tool_versions,
    version_file,
)
from opsmith.analysis.facts import Command, CommandPurpose, Evidence, Fact, PackageManager, Process, Runtime
from opsmith.analysis.services import CLIENTS
from opsmith.analysis.tree import TextFile, Tree, join, parent

MANIFESTS = ("package.json",)
LOCKFILES = (
    ("pnpm-lock.yaml", "pnpm"),
    ("bun.lock", "bun"),
    ("bun.lockb", "bun"),
    ("yarn.lock", "yarn"),
    ("package-lock.json", "npm"),
    ("npm-shrinkwrap.json", "npm"),
)
# dependency -> (framework, default port when the framework has one)
FRAMEWORKS: dict[str, tuple[str, int | None]] = {
    "@nestjs/core": ("NestJS", None),
    "next": ("Next.js", 3000),
    "fastify": ("Fastify", None),
    "express": ("Express", None),
    "koa": ("Koa", None),
    "hono": ("Hono", None),
    "@hapi/hapi": ("hapi", None),
}
WORKERS = ("bullmq", "bull", "bee-queue", "agenda")
SCRIPT_PURPOSES: dict[str, CommandPurpose] = {
    "build": "build",
    "test": "test",
    "lint": "lint",
    "typecheck": "typecheck",
    "type-check": "typecheck",
    "check-types": "typecheck",
    "types": "typecheck",
    "tsc": "typecheck",
}
WORKER_SCRIPTS = ("worker", "queue", "jobs")
_NPM_PLACEHOLDER = "no test specified"
_SCRIPT_PORT = re.compile(r"(?:^|\s)(?:-p|--port)[\s=](?:\$\{PORT:-)?(\d{2,5})\b")


def detect(tree: Tree, folder: str) -> Detection | None:
    manifest = tree.read(join(folder, "package.json"))
    data = manifest.json() if manifest else None
    if manifest is None or not isinstance(data, dict):
        return None
    found = Detection("node", folder, manifest.whole())
    found.name = _name(data.get("name"))
    deps = _dependencies(data)
    found.deps = {name: manifest.json_key(section, name) for section, name in deps}
    typescript = "typescript" in found.deps or tree.exists(join(folder, "tsconfig.json"))
    language = "TypeScript" if typescript else "JavaScript"
    tsconfig = Evidence(join(folder, "tsconfig.json"), None)
    lang_evidence = found.deps.get("typescript") or (tsconfig if typescript else manifest.whole())
    found.languages.append(Fact(language, (lang_evidence,)))
    found.package_manager = _package_manager(tree, folder, manifest, data)
    found.runtime = _runtime(tree, folder, manifest, data)
    for dep, (framework, default_port) in FRAMEWORKS.items():
        if dep in found.deps:
            found.add_framework(framework, found.deps[dep])
            if default_port:
                found.add_port(
                    DEFAULT, default_port, found.deps[dep], "convention", f"{framework}'s default port"
                )
    worker = found.first_dep(WORKERS)
    if worker:
        found.worker = Fact(worker[0], (worker[1],))
    found.map_dependencies(CLIENTS["node"])
    _scripts(found, manifest, data)
    found.workspaces, found.workspace_evidence = _workspaces(tree, folder, manifest, data)
    return found


def _name(value: Any) -> str | None:
    return value.rsplit("/", 1)[-1] if isinstance(value, str) and value else None


def _dependencies(data: dict[str, Any]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for section in ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies"):
        table = data.get(section)
        if isinstance(table, dict):
            out.extend((section, str(name)) for name in table)
    return out


def _package_manager(tree: Tree, folder: str, manifest: TextFile, data: dict[str, Any]) -> PackageManager:
    """The folder's lockfile, else the nearest one above it (a workspace member shares the root's)."""
    declared = data.get("packageManager")
    where = folder
    while True:
        for name, manager in LOCKFILES:
            path = present(tree, where, (name,))
            if path:
                version = _declared_version(declared, manager)
                evidence: tuple[Evidence, ...] = (Evidence(path, None),)
                if version:
                    evidence = (*evidence, manifest.json_key("packageManager"))
                else:
                    version, evidence = _lockfile_version(tree, where, path, manager, evidence)
                return PackageManager(manager, path, evidence, version)
        if where in (".", ""):
            break
        where = parent(where)
    if isinstance(declared, str) and "@" in declared:
        manager, _, version = declared.partition("@")
        return PackageManager(manager, None, (manifest.json_key("packageManager"),), version.split("+")[0])
    return PackageManager("npm", None, (manifest.whole(),))


# The newest release of the line that writes each lockfile format (checked with `npm view pnpm
# versions` and `npm view @yarnpkg/cli-dist versions` on 2026-12-07): pinning it keeps CI and the
# image on one version, and installs it without Corepack, whose bundled signing keys fail on
# releases signed after the Node line shipped.
PNPM_BY_LOCKFILE = {"5.3": "6.35.1", "5.4": "7.33.7", "6.0": "8.15.9", "6.1": "8.15.9", "9.0": "9.15.9"}
YARN_BY_LOCKFILE = {4: "2.4.2", 5: "2.4.2", 6: "3.8.7", 7: "3.8.7", 8: "4.18.1"}
YARN_CLASSIC = "1.22.22"  # the yarn the official Node images and GitHub's runners carry
_PNPM_LOCK = re.compile(r"^lockfileVersion:\s*[\"']?(\d+\.\d+)")
_YARN_METADATA = re.compile(r"^__metadata:")
_YARN_FORMAT = re.compile(r"^\s+version:\s*[\"']?(\d+)")
_YARN_PATH = re.compile(r"^yarnPath:\s*[\"']?\S*?yarn-(\d+\.\d+\.\d+)\.c?js")


def _lockfile_version(
    tree: Tree, folder: str, path: str, manager: str, evidence: tuple[Evidence, ...]
) -> tuple[str | None, tuple[Evidence, ...]]:
    """The pnpm or yarn release the lockfile's format implies, with the line that says it; for
    yarn 2+, the release `.yarnrc.yml`'s yarnPath runs first."""
    lock = tree.read(path)
    if manager == "pnpm" and lock is not None:
        line = lock.find(_PNPM_LOCK)
        match = _PNPM_LOCK.match(lock.lines[line - 1]) if line else None
        if line and match:
            wanted = match.group(1)
            version = PNPM_BY_LOCKFILE.get(wanted) or max(PNPM_BY_LOCKFILE.values(), key=_numbers)
            return version, (lock.evidence(line),)
    if manager != "yarn":
        return None, evidence
    rc = tree.read(join(folder, ".yarnrc.yml"))
    line = rc.find(_YARN_PATH) if rc else None
    if rc and line:
        match = _YARN_PATH.match(rc.lines[line - 1])
        if match:
            return match.group(1), (*evidence, rc.evidence(line))
    metadata = lock.find(_YARN_METADATA) if lock else None
    if lock is None or metadata is None:
        return (YARN_CLASSIC, evidence) if lock is not None else (None, evidence)
    line = lock.find(_YARN_FORMAT, metadata)
    match = _YARN_FORMAT.match(lock.lines[line - 1]) if line else None
    number = int(match.group(1)) if match else max(YARN_BY_LOCKFILE)
    version = YARN_BY_LOCKFILE.get(min(number, max(YARN_BY_LOCKFILE)), YARN_BY_LOCKFILE[4])
    return version, (lock.evidence(line or metadata),)


def _numbers(version: str) -> list[int]:
    return [int(part) for part in version.split(".")]


def _declared_version(declared: Any, manager: str) -> str | None:
    if isinstance(declared, str) and declared.startswith(manager + "@"):
        return declared.split("@", 1)[1].split("+")[0]
    return None


def _runtime(tree: Tree, folder: str, manifest: TextFile, data: dict[str, Any]) -> Runtime | None:
    found = version_file(tree, folder, "node", (".nvmrc", ".node-version"), prefix="v")
    if found:
        return found
    engines = data.get("engines")
    if isinstance(engines, dict) and isinstance(engines.get("node"), str):
        return runtime_from("node", engines["node"], manifest.json_key("engines", "node"))
    volta = data.get("volta")
    if isinstance(volta, dict) and isinstance(volta.get("node"), str):
        return runtime_from("node", volta["node"], manifest.json_key("volta", "node"))
    return tool_versions(tree, folder, "node", "nodejs")


def _scripts(found: Detection, manifest: TextFile, data: dict[str, Any]) -> None:
    scripts = data.get("scripts")
    if not isinstance(scripts, dict):
        scripts = {}
    manager = found.package_manager.name if found.package_manager else "npm"
    lock = found.package_manager.lockfile if found.package_manager else None
    found.add_command("install", _install(manager, lock), manifest.whole(), "convention")
    for script, body in scripts.items():
        if not isinstance(body, str):
            continue
        evidence = manifest.json_key("scripts", script)
        purpose = SCRIPT_PURPOSES.get(script)
        if purpose and not (purpose == "test" and _NPM_PLACEHOLDER in body):
            found.add_command(purpose, _run(manager, script), evidence)
        if script in WORKER_SCRIPTS:
            found.worker = found.worker or Fact(script, (evidence,))
    start = scripts.get("start")
    if isinstance(start, str) and start.strip():
        evidence = manifest.json_key("scripts", "start")
        found.start = Command("start", start.strip(), (evidence,), note=f"run by `{_run(manager, 'start')}`")
        port = _SCRIPT_PORT.search(start)
        if port:
            found.add_port(CODE, int(port.group(1)), evidence)
    elif isinstance(data.get("main"), str) and found.server:
        evidence = manifest.json_key("main")
        found.start = Command("start", f"node {data['main']}", (evidence,), "derived", "package.json main")


def worker_processes(found: Detection, manifest: TextFile) -> list[Process]:
    data = manifest.json()
    scripts = data.get("scripts") if isinstance(data, dict) else None
    if not isinstance(scripts, dict):
        return []
    manager = found.package_manager.name if found.package_manager else "npm"
    return [
        Process(name, "worker", _run(manager, name), (manifest.json_key("scripts", name),))
        for name in WORKER_SCRIPTS
        if isinstance(scripts.get(name), str)
    ]


def _install(manager: str, lock: str | None) -> str:
    if lock is None:
        return "npm install" if manager == "npm" else f"{manager} install"
    return {
        "npm": "npm ci",
        "pnpm": "pnpm install --frozen-lockfile",
        "yarn": "yarn install --frozen-lockfile",
        "bun": "bun install --frozen-lockfile",
    }[manager]


def _run(manager: str, script: str) -> str:
    if script == "test" or (manager != "npm" and script in ("start", "build")):
        return f"{manager} {script}"
    return f"{manager} run {script}"


def _workspaces(
    tree: Tree, folder: str, manifest: TextFile, data: dict[str, Any]
) -> tuple[list[str], Evidence | None]:
    declared = data.get("workspaces")
    if isinstance(declared, dict):
        declared = declared.get("packages")
    if isinstance(declared, list) and declared:
        return [str(p) for p in declared if isinstance(p, str)], manifest.json_key("workspaces")
    pnpm = tree.read(join(folder, "pnpm-workspace.yaml"))
    if pnpm:
        globs: list[str] = []
        for line in pnpm.lines:
            item = re.match(r"^\s+-\s+[\"']?([^\"'#]+?)[\"']?\s*(?:#.*)?$", line)
            if item and not item.group(1).startswith("!"):
                globs.append(item.group(1))
        if globs:
            return globs, pnpm.at(r"^packages:")
    return [], None
