"""The DevOps files a repository already has, classified the way `opsmith audit` classifies them
(`opsmith.audit.families.artifact_types`), plus platform files audit does not cover."""

from __future__ import annotations

import re

from opsmith.analysis.facts import Artifact, Evidence, Fact
from opsmith.analysis.services import image_kind
from opsmith.analysis.tree import Tree
from opsmith.audit.families import artifact_types
from opsmith.parse.yaml_tree import YMap, load_documents

_EXTRA_NAMES = {
    ".dockerignore": "dockerignore",
    "Chart.yaml": "helm",
    "fly.toml": "fly",
    "railway.json": "railway",
    "railway.toml": "railway",
    "render.yaml": "render",
    "Procfile": "procfile",
    ".gitlab-ci.yml": "gitlab-ci",
    "Jenkinsfile": "jenkins",
    "dependabot.yml": "dependabot",
    "renovate.json": "renovate",
    "skaffold.yaml": "skaffold",
    "Tiltfile": "tilt",
}
_CONTENT_KINDS = (
    (
        "kubernetes",
        re.compile(r"^apiVersion:\s*\S+", re.MULTILINE),
        re.compile(r"^kind:\s*\S+", re.MULTILINE),
    ),
    (
        "prometheus",
        re.compile(r"^groups:\s*$", re.MULTILINE),
        re.compile(r"^[ \t]*(?:-[ \t]*)?(?:alert|record):", re.MULTILINE),
    ),
    ("prometheus", re.compile(r"^scrape_configs:", re.MULTILINE), re.compile(r"job_name:")),
    ("alertmanager", re.compile(r"^route:\s*$", re.MULTILINE), re.compile(r"^receivers:", re.MULTILINE)),
)
_DASHBOARD = re.compile(r'"panels"\s*:')


def find_artifacts(tree: Tree) -> list[Artifact]:
    found: list[Artifact] = []
    for relpath in tree.files:
        name = relpath.rsplit("/", 1)[-1]
        kinds = artifact_types(relpath)
        extra = _EXTRA_NAMES.get(name)
        if extra:
            found.append(Artifact(extra, relpath, Evidence(relpath, None)))
            continue
        if {"kubernetes", "prometheus", "alertmanager"} <= kinds:
            kind, line = _by_content(tree, relpath)
            if kind:
                found.append(Artifact(kind, relpath, Evidence(relpath, line)))
        elif kinds:
            found.extend(Artifact(kind, relpath, Evidence(relpath, None)) for kind in sorted(kinds))
        elif name.endswith(".json") and "dashboard" in relpath.lower():
            text = tree.read(relpath)
            if text and _DASHBOARD.search(text.text):
                found.append(Artifact("grafana-dashboard", relpath, Evidence(relpath, None)))
    return found


def _by_content(tree: Tree, relpath: str) -> tuple[str | None, int | None]:
    text = tree.read(relpath)
    if text is None:
        return None, None
    for kind, first, second in _CONTENT_KINDS:
        match = first.search(text.text)
        if match and second.search(text.text):
            return kind, text.text.count("\n", 0, match.start()) + 1
    return None, None


def compose_services(tree: Tree, artifacts: list[Artifact]) -> list[Fact[str]]:
    """Backing services a compose file runs (image postgres:16 -> postgresql), with the image line."""
    found: dict[str, list[Evidence]] = {}
    for artifact in artifacts:
        if artifact.kind != "compose":
            continue
        text = tree.read(artifact.path)
        docs = load_documents(text.text) if text else []
        if not isinstance(docs, list) or not docs or not isinstance(docs[0], YMap):
            continue
        services = docs[0].get("services")
        for service in services.values() if isinstance(services, YMap) else []:
            image = service.get("image") if isinstance(service, YMap) else None
            kind = image_kind(image) if isinstance(image, str) else None
            if kind and text:
                line = service.value_line("image")
                found.setdefault(kind, []).append(text.evidence(line))
    return [Fact(kind, tuple(evidence)) for kind, evidence in sorted(found.items())]
