"""Designs of the bundled examples at the tiers and clouds the init tests cover, and a way to write
a design's monitoring into a folder, shared by the monitoring generator's tests."""

from __future__ import annotations

import shutil
from functools import cache
from pathlib import Path

import pytest

from commands.test_init import TIERS
from opsmith.analysis import analyze
from opsmith.analysis.facts import RepoFacts
from opsmith.design.decide import Needs, decide
from opsmith.design.model import Design
from opsmith.generate import monitoring

EXAMPLES = Path(__file__).parents[2] / "examples"
CASES = [(example, tier) for example in ("bookshelf", "shop") for tier in TIERS]

needs_promtool = pytest.mark.skipif(
    shutil.which("promtool") is None or shutil.which("amtool") is None,
    reason="promtool/amtool not on PATH (Debian packages prometheus and prometheus-alertmanager, "
    "listed in .ci/apt-packages.txt)",
)


@cache
def _facts(example: str) -> RepoFacts:
    return analyze(EXAMPLES / example)


def example_design(example: str, tier: str) -> Design:
    return decide(_facts(example), Needs(**TIERS[tier]))  # type: ignore[arg-type]


def with_metrics(design: Design, service: str, port: int, path: str) -> Design:
    """The design with `service` exporting Prometheus metrics at port/path."""
    data = design.model_dump(mode="json")
    for entry in data["services"]:
        if entry["name"] == service:
            entry["metrics"] = {"exports": True, "port": port, "path": path, "reason": "a test says so"}
    return Design.model_validate(data)


def without_metrics(design: Design, service: str) -> Design:
    """The design with `service` exporting no metrics (as most apps do before their first deploy)."""
    data = design.model_dump(mode="json")
    for entry in data["services"]:
        if entry["name"] == service:
            entry["metrics"] = None
    return Design.model_validate(data)


def write_monitoring(design: Design, root: Path) -> Path:
    for artifact in monitoring.render(design):
        path = root / artifact.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(artifact.content)
    return root
