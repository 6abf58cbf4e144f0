"""Cheap facts about a repository as a whole, read from file names (and a manifest or two):
whether it holds code, and whether it has something a CI build stage would produce."""

from __future__ import annotations

import re

from opsmith.audit.classify import FileClasses
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
    classes = FileClasses()
    for path in repo.files:
        name = _name(path)
        if name in _BUILT_BY_NAME or _DOTNET_PROJECT.search(name):
            return path
        # A development or test image (`Dockerfile.dev`, `.devcontainer/`) is not something CI ships.
        if "dockerfile" in artifact_types(path) and not classes.is_test(path):
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


# Files that say the repository's images run on a platform that ignores an image's HEALTHCHECK
# (Kubernetes and the tools that deploy to it, Fly.io); Kubernetes manifests are found by their probes.
_PROBING_PLATFORMS = frozenset({"skaffold.yaml", "skaffold.yml", "Chart.yaml", "Tiltfile", "fly.toml"})
_PROBE = re.compile(r"^\s*(?:readinessProbe|livenessProbe|startupProbe):", re.MULTILINE)
_MAX_YAML_READS = 60
_K8S_FOLDER = re.compile(r"(?:^|/)(?:k8s|kube|kubernetes|manifests|deploy|deployments?|helm|charts)[^/]*/")


def probing_platform(repo: RepoContext) -> str | None:
    """A file showing the repository's images run under an orchestrator that probes them itself."""
    platform = next((p for p in repo.files if _name(p) in _PROBING_PLATFORMS), None)
    if platform is not None:
        return platform
    manifests = [p for p in repo.files if p.endswith((".yaml", ".yml")) and not p.startswith(".github/")]
    # Folders named for Kubernetes first: a few reads usually settle it.
    manifests.sort(key=lambda p: not _K8S_FOLDER.search(p))
    for path in manifests[:_MAX_YAML_READS]:
        text = repo.read_text(path) or ""
        if "kind:" in text and _PROBE.search(text):
            return path
    return None
