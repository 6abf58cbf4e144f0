"""Images a build tool of the repository fills in (KU001)."""

from __future__ import annotations

from pathlib import Path

from opsmith.rules.kubernetes_build_images import BuildImages, build_images
from terraform_repo import TreeRepo

SKAFFOLD = """
apiVersion: skaffold/v4beta11
kind: Config
build:
  artifacts:
    - image: frontend
profiles:
  - name: gcb
    build:
      artifacts:
        - image: registry.example.com/shop/cart
---
apiVersion: skaffold/v4beta11
kind: Config
build:
  artifacts:
    - {image: worker}
"""


def _repo(root: Path, files: dict[str, str | bytes]) -> TreeRepo:
    return TreeRepo(root, files)  # a plain repository view: the build files are not Terraform


def test_skaffold_artifacts_in_every_document_and_profile(tmp_path: Path) -> None:
    built = build_images(_repo(tmp_path, {"skaffold.yaml": SKAFFOLD}))
    assert built.names == {"frontend", "registry.example.com/shop/cart", "worker"}
    assert built.fills_in("registry.example.com/shop/cart")
    assert not built.fills_in("registry.example.com/shop/cart:latest")  # a tag written out stays


def test_tilt_builds_and_a_broken_skaffold_file(tmp_path: Path) -> None:
    files = {
        "deploy/Tiltfile": "docker_build('registry.example.com/shop/api', '.')\n",
        "skaffold.yaml": "build: [\n",
    }
    built = build_images(_repo(tmp_path, files))
    assert built.names == {"registry.example.com/shop/api"}
    assert built.tools == ("deploy/Tiltfile", "skaffold.yaml")


def test_bare_names_are_placeholders_only_beside_a_build_tool() -> None:
    with_tool = BuildImages(frozenset(), ("skaffold.yaml",))
    without = BuildImages(frozenset(), ())
    assert with_tool.fills_in("frontend") and not without.fills_in("frontend")
    assert not with_tool.fills_in("bitnami/postgresql")  # an owner: a published image
    assert without.fills_in("ko://example.com/shop/cmd/api")  # ko's own scheme, anywhere
