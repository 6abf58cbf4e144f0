"""The example applications under apps/ with third-party dependencies, and their generated images.

One example per package manager opsmith generates Node and Python images for, each with a real
dependency and the lockfile its real tool wrote (npm, pnpm without a `packageManager` field, yarn
classic; pip's fully pinned requirements.txt, uv, Poetry). Used by test_generated_images.py and by
bench/images.py (cold builds).
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import build_dependencies
import podman_env
from package_mirror import PackageMirror

from helpers import init_generated

APPS = Path(__file__).parent / "apps"
# app folder -> (port, a dependency its lockfile pins, that version): the health route answering
# proves the framework imports; the version proves it came from the lockfile.
EXAMPLES = {
    "node-npm": (3000, "express", "4.21.2"),
    "node-pnpm": (3000, "hono", "4.6.20"),
    "node-yarn": (3000, "koa", "2.15.3"),
    "python-pip": (8000, "flask", "3.1.0"),
    "python-uv": (8000, "fastapi", "0.115.6"),
    "python-poetry": (8000, "gunicorn", "23.0.0"),
}


@dataclass(frozen=True)
class BuiltExample:
    repo: Path  # the copy `opsmith init` generated into
    image: str  # image ID
    seconds: float  # wall time of `podman build`
    size: int  # bytes

    def summary(self) -> str:
        return f"{self.repo.name:14} built in {self.seconds:5.1f}s  {self.size / 1e6:4.0f} MB"


def generate(source: Path, into: Path) -> Path:
    """Copies `source` into `into`, runs `opsmith init --yes` there (500 users, AWS) and returns
    the copy; raises AssertionError with init's output when init does not generate a clean tree
    (monitoring gaps at gate 3 are allowed: these apps export no metrics)."""
    repo = into / source.name
    shutil.copytree(source, repo)
    init_generated(repo)
    return repo


def build_example(app: str, into: Path, mirror: PackageMirror, *, no_cache: bool = False) -> BuiltExample:
    """Generates the example's files into `into` and builds its Dockerfile as generated, with the
    stand-in base image it names and its packages from the host (see build_dependencies)."""
    repo = generate(APPS / app, into)
    podman_env.ensure_stand_in(build_dependencies.base_image((repo / "Dockerfile").read_text()))
    volumes = build_dependencies.build_volumes(repo, mirror, into / "build-config")
    started = time.monotonic()
    image = podman_env.build_image(repo, network="host", volumes=volumes, no_cache=no_cache)
    seconds = time.monotonic() - started
    return BuiltExample(repo, image, seconds, podman_env.image_size(image))
