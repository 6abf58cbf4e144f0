"""HCL literals read back by Terraform itself as the Python values they were written from."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from opsmith.generate.hcl_format import literal

VALUES = [
    'exec node worker.js --home ${HOME} --queue "$QUEUE"',
    "%{ if true }directive%{ endif }",
    "$${already} %%{escaped} $$ %%",
    "back\\slash\ttab \x01 control é ünïcode",
    {"a key": "${var.x}", "plain_key": ["${x}", "%{y}"]},
]


@pytest.mark.parametrize("value", VALUES)
def test_terraform_reads_each_literal_back_unchanged(value: object, tmp_path: Path) -> None:
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("terraform is not installed")
    (tmp_path / "main.tf").write_text(f"locals {{\n  x = {literal(value)}\n}}\n", encoding="utf-8")
    proc = subprocess.run(
        [terraform, "console"],
        input="jsonencode(local.x)\n",
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TF_CLI_CONFIG_FILE": "/dev/null"},
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(json.loads(proc.stdout.strip())) == value
