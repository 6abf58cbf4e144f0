"""A member of an npm workspace gets an image that builds: the lockfile lies at the workspace
root, so compose and CI build from the root with the member's Dockerfile, and the image installs
the root's lockfile with every member's manifest (a local package the service requires included).
"""

from __future__ import annotations

from pathlib import Path

import podman_env
import yaml

from generate.workspace_repo import WORKSPACE
from helpers import write_tree
from opsmith.analysis import analyze
from opsmith.design.decide import Needs, decide
from opsmith.generate.options import GenerateOptions
from opsmith.generate.plan import plan


def test_a_workspace_member_image_builds_from_the_root_and_is_healthy(
    podman: dict[str, str], tmp_path: Path
) -> None:
    repo = write_tree(tmp_path / "shop", WORKSPACE)
    design = decide(analyze(repo), Needs(users=500, cloud="aws"))
    for artifact in plan(design, GenerateOptions()).artifacts:
        write_tree(repo, {artifact.path: artifact.content})
    compose = yaml.safe_load((repo / "compose.yaml").read_text())
    (app,) = [entry for entry in compose["services"].values() if "build" in entry]
    assert app["build"] == {"context": ".", "dockerfile": "apps/api/Dockerfile"}
    assert (repo / "apps/api/Dockerfile.dockerignore").is_file()
    image = podman_env.build_image(
        repo / app["build"]["context"], dockerfile=repo / app["build"]["dockerfile"], network="none"
    )
    assert podman_env.run_and_probe(image, 3000, "/healthz", timeout=90) == 200
