"""Rust: Cargo.toml (package, rust-version, dependencies and features, workspaces), toolchain files."""

from __future__ import annotations

import re
from typing import Any

from opsmith.analysis.common import Detection, derived_start, present, runtime_from
from opsmith.analysis.facts import Fact, PackageManager, Runtime
from opsmith.analysis.services import CLIENTS, RUST_FEATURES
from opsmith.analysis.tree import TextFile, Tree, join

MANIFESTS = ("Cargo.toml",)
FRAMEWORKS = {"axum": "Axum", "actix-web": "Actix Web", "rocket": "Rocket", "warp": "warp", "poem": "Poem"}
FEATURED_DRIVERS = ("sqlx", "diesel", "sea-orm")


def detect(tree: Tree, folder: str) -> Detection | None:
    cargo = tree.read(join(folder, "Cargo.toml"))
    if cargo is None:
        return None
    data = cargo.toml()
    found = Detection("rust", folder, cargo.whole())
    package: dict[str, Any] = data["package"] if isinstance(data.get("package"), dict) else {}
    found.name = package.get("name") if isinstance(package.get("name"), str) else None
    found.languages.append(Fact("Rust", (cargo.at(r"^\[package\]"),)))
    lock = present(tree, folder, ("Cargo.lock",)) or (
        present(tree, ".", ("Cargo.lock",)) if folder != "." else None
    )
    found.package_manager = PackageManager("cargo", lock, (cargo.whole(),))
    found.runtime = _runtime(tree, folder, cargo, package)
    for section in ("dependencies", "dev-dependencies"):
        table = data.get(section)
        for name, spec in table.items() if isinstance(table, dict) else []:
            evidence = cargo.at(rf"^\s*{re.escape(name)}\s*=")
            found.deps[name] = evidence
            for feature in _features(spec):
                kind = RUST_FEATURES.get(feature) if name in FEATURED_DRIVERS else None
                if kind:
                    found.add_backing(kind, evidence)
    for dep, framework in FRAMEWORKS.items():
        if dep in found.deps:
            found.add_framework(framework, found.deps[dep])
    found.map_dependencies(CLIENTS["rust"])
    members = data.get("workspace", {}).get("members") if isinstance(data.get("workspace"), dict) else None
    if isinstance(members, list) and members:
        found.workspaces = [m for m in members if isinstance(m, str)]
        found.workspace_evidence = cargo.at(r"^\[workspace\]")
    if found.name:
        binary = _binary(data) or found.name
        found.add_command("install", "cargo fetch --locked", cargo.whole(), "convention")
        found.add_command("build", "cargo build --release --locked", cargo.whole(), "convention")
        found.add_command("test", "cargo test --locked", cargo.whole(), "convention")
        found.add_command("lint", "cargo clippy --all-targets -- -D warnings", cargo.whole(), "convention")
        if found.server:
            found.start = derived_start(
                f"target/release/{binary}", cargo.at(r"^\s*name\s*="), "the release binary cargo builds"
            )
    return found


def _features(spec: Any) -> list[str]:
    if isinstance(spec, dict) and isinstance(spec.get("features"), list):
        return [f for f in spec["features"] if isinstance(f, str)]
    return []


def _binary(data: dict[str, Any]) -> str | None:
    bins = data.get("bin")
    if isinstance(bins, list) and bins and isinstance(bins[0], dict) and isinstance(bins[0].get("name"), str):
        return str(bins[0]["name"])
    return None


def _runtime(tree: Tree, folder: str, cargo: TextFile, package: dict[str, Any]) -> Runtime | None:
    for where in dict.fromkeys((folder, ".")):
        toml = tree.read(join(where, "rust-toolchain.toml"))
        line = toml.find(r"^\s*channel\s*=") if toml else None
        if toml and line:
            return runtime_from("rust", toml.lines[line - 1].split("=", 1)[1], toml.evidence(line))
        plain = tree.read(join(where, "rust-toolchain"))
        if plain and plain.text.strip():
            return runtime_from("rust", plain.lines[0], plain.evidence(1))
    version = package.get("rust-version")
    if isinstance(version, str):
        return runtime_from("rust", version, cargo.at(r"^\s*rust-version\s*="))
    return None
