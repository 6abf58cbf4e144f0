"""Terraform's own `templatefile`, run through `terraform console` (no providers, no state), for
tests of the first-boot scripts Terraform fills in."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import yaml

TERRAFORM = shutil.which("terraform")


def templatefile(folder: Path, script: str, values: Mapping[str, str]) -> str:
    """`script` as Terraform renders it with `values` (plain strings without quotes)."""
    assert TERRAFORM is not None, "terraform is not installed"
    (folder / "setup.sh").write_text(script)
    variables = ", ".join(f'{key} = "{value}"' for key, value in values.items())
    proc = subprocess.run(
        [TERRAFORM, "console"],
        input=f'jsonencode(templatefile("setup.sh", {{ {variables} }}))\n',
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"CHECKPOINT_DISABLE": "1", "TF_CLI_CONFIG_FILE": "/dev/null", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr
    rendered: str = yaml.safe_load(yaml.safe_load(proc.stdout))  # console quotes the JSON string
    return rendered
