"""Images a build tool of the repository fills in at deploy time (KU001).

Skaffold, Tilt and ko build the repository's images and rewrite the manifests' `image:` fields
with a tagged or digest-pinned reference before they reach the cluster: the name written in the
manifest is a placeholder that never runs as written.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from opsmith.parse.errors import ParseFailure
from opsmith.parse.image import image_ref
from opsmith.parse.yaml_tree import load_documents
from opsmith.regex import lazy
from opsmith.rules.base import RepoContext

_SKAFFOLD = frozenset({"skaffold.yaml", "skaffold.yml"})
_TILT = "Tiltfile"
_KO = frozenset({".ko.yaml", ".ko.yml"})
# Tilt's image builders: the image name is their first argument.
_TILT_BUILD = lazy(
    r"\b(?:docker_build|custom_build|docker_build_with_restart)\(\s*['\"]([^'\"\n]{1,300})['\"]"
)
_MAX_NESTING = 12  # skaffold files are shallow; a deeper tree is not one


@dataclass(frozen=True)
class BuildImages:
    """What the repository's build tools will substitute."""

    names: frozenset[str]  # image repositories a skaffold artifact or a Tilt build produces
    tools: tuple[str, ...]  # the build tool files found, for messages and bare-name placeholders

    def fills_in(self, image: str) -> bool:
        """Is `image` a placeholder one of the build tools replaces?"""
        if image.startswith("ko://"):
            return True  # ko resolves `ko://<import path>` to a built, digest-pinned image
        ref = image_ref(image)
        if ref.tag is not None or ref.digest:
            return False
        name = image.split("@", 1)[0]
        if name in self.names:
            return True
        # A bare name (no registry, no owner, no tag) beside a build tool is that tool's artifact:
        # skaffold and Tilt match images by name and add the registry and tag themselves.
        return bool(self.tools) and "/" not in name and ":" not in name


def build_images(repo: RepoContext) -> BuildImages:
    names: set[str] = set()
    tools: list[str] = []
    for path in repo.files:
        base = path.rpartition("/")[2]
        if base in _SKAFFOLD:
            tools.append(path)
            names.update(_skaffold_artifacts(repo.read_text(path) or ""))
        elif base == _TILT:
            tools.append(path)
            names.update(_TILT_BUILD().findall(repo.read_text(path) or ""))
        elif base in _KO:
            tools.append(path)
    return BuildImages(frozenset(names), tuple(tools))


def _skaffold_artifacts(text: str) -> Iterator[str]:
    """The `image` of every build artifact, in every document and profile of a skaffold file."""
    documents = load_documents(text)
    if isinstance(documents, ParseFailure):
        return  # a broken skaffold file builds nothing
    for document in documents:
        yield from _artifact_images(document, 0)


def _artifact_images(node: Any, depth: int) -> Iterator[str]:
    if depth > _MAX_NESTING:
        return
    if isinstance(node, dict):
        artifacts = node.get("artifacts")
        if isinstance(artifacts, list):
            for artifact in artifacts:
                if isinstance(artifact, dict) and isinstance(artifact.get("image"), str):
                    yield artifact["image"]
        for value in node.values():
            yield from _artifact_images(value, depth + 1)
    elif isinstance(node, list):
        for value in node:
            yield from _artifact_images(value, depth + 1)
