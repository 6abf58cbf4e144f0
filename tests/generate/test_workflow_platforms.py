"""The deploy step of the single-server workflows calls `opsmith deploy` with flags it accepts:
the environment it deploys and each service's image in that environment's registry."""

from __future__ import annotations

import re
import shlex

import yaml

from design.fixtures import design
from opsmith.cli import build_parser
from opsmith.generate.options import GenerateOptions
from opsmith.generate.workflows import render


def test_the_server_deploy_step_passes_the_environment_and_each_image() -> None:
    files = {
        a.path: a.content for a in render(design("python-flask", users=100, cloud="aws"), GenerateOptions())
    }
    workflow = yaml.safe_load(next(text for path, text in files.items() if path.endswith("deploy.yml")))
    steps = [
        step
        for job in workflow["jobs"].values()
        for step in job.get("steps", [])
        if "opsmith deploy" in step.get("run", "")
    ]
    assert len(steps) == 2  # staging, then production
    for step, environment in zip(steps, ("staging", "production"), strict=True):
        # the script names repository values only through the step's env (what the shell expands)
        values = {**{k: str(v) for k, v in step["env"].items()}, "GITHUB_SHA": "0123abc"}
        values = {k: v if not k.startswith("IMAGE_") else "ghcr.io/o/python-flask" for k, v in values.items()}
        command = re.search(r'"cd \$DEPLOY_PATH && (opsmith deploy [^"]+)"', step["run"])
        assert command is not None
        words = [_expand(word, values) for word in shlex.split(command.group(1))]
        args = build_parser().parse_args(words[1:])
        assert args.environment == environment
        assert args.image == [("python-flask", "ghcr.io/o/python-flask:0123abc")]
        assert args.image_tag == "0123abc"


def _expand(word: str, values: dict[str, str]) -> str:
    return re.sub(r"\$([A-Z_]+)", lambda m: values[m.group(1)], word)
