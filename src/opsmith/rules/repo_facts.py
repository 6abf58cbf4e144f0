"""Cheap facts about a repository as a whole, read from file names (and a manifest or two):
whether it holds code, and whether it has something a CI build stage would produce."""

from __future__ import annotations

import re

from opsmith.audit.families import artifact_types
from opsmith.rules.base import RepoContext

_CODE_MANIFESTS = frozenset(
    {
        "package.json",
        "pyproject.toml",
        "setup.py",
        "setup.cfg",
        "requirements.txt",
        "Pipfile",
        "go.mod",
        "Cargo.toml",
        "pom.xml",
        "build.gradle",
        "build.gradle.kts",
        "Gemfile",
        "composer.json",
        "mix.exs",
        "Package.swift",
        "deno.json",
        "CMakeLists.txt",
    }
)
_BUILT_BY_NAME = frozenset(
    {
        "go.mod",
        "Cargo.toml",
        "pom.xml",
        "build.gradle",
        "build.gradle.kts",
        "setup.py",
        "mix.exs",
        "Package.swift",
        "CMakeLists.txt",
    }
)
_DOTNET_PROJECT = re.compile(r"\.(csproj|fsproj|vbproj|sln)$")
_MAX_MANIFESTS = 20  # manifests read per question; monorepos have many, a few tell enough


def _name(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def code_manifest(repo: RepoContext) -> str | None:
    """The shallowest project manifest (or .NET project) of the repository, if any."""
    found = [p for p in repo.files if _name(p) in _CODE_MANIFESTS or _DOTNET_PROJECT.search(p)]
    return min(found, key=lambda p: (p.count("/"), p), default=None)


def has_code(repo: RepoContext) -> bool:
    return code_manifest(repo) is not None


def build_inputs(repo: RepoContext) -> str | None:
    """A file showing that the repository has something to build, or None."""
    manifests_read = 0
    for path in repo.files:
        name = _name(path)
        if name in _BUILT_BY_NAME or _DOTNET_PROJECT.search(name) or "dockerfile" in artifact_types(path):
            return path
        if name in ("package.json", "pyproject.toml") and manifests_read < _MAX_MANIFESTS:
            manifests_read += 1
            if _declares_build(name, repo.read_text(path) or ""):
                return path
    return None


def _declares_build(name: str, text: str) -> bool:
    if name == "pyproject.toml":
        return bool(re.search(r"(?m)^\[build-system\]", text))
    import json  # every audit runs RP001; few repositories have a package.json to read

    try:
        scripts = json.loads(text).get("scripts", {})
    except (ValueError, AttributeError):
        return False
    return isinstance(scripts, dict) and any(k == "build" or k.startswith("build:") for k in scripts)
