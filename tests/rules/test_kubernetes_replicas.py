"""KU010's reading of the design file: the same bounded YAML loader as every audited file."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

CASE = Path(__file__).parent / "cases" / "kubernetes" / "replica-floor"


def _audit(folder: Path) -> list[tuple[str, int]]:
    # A child process: a design file that libyaml would read for hours fails on the timeout.
    command = [sys.executable, "-m", "opsmith", "audit", str(folder), "--select", "KU010", "--format", "json"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode in (0, 1), run.stderr
    return sorted((f["path"], f["line"]) for f in json.loads(run.stdout)["findings"])


def test_a_deeply_nested_design_file_is_skipped_quickly(tmp_path: Path) -> None:
    shutil.copytree(CASE / "k8s", tmp_path / "k8s")
    depth = 200_000
    (tmp_path / "opsmith.yaml").write_text("services: " + "[{a: " * depth + "1" + "}]" * depth + "\n")
    without_design = _audit(tmp_path)
    (tmp_path / "opsmith.yaml").write_text((CASE / "opsmith.yaml").read_text())
    with_design = _audit(tmp_path)
    # the design's replicas_min: 3 adds the finding on the api's autoscaler
    assert ("k8s/autoscalers.yaml", 22) in with_design and ("k8s/autoscalers.yaml", 22) not in without_design
