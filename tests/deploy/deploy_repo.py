"""An approved repository to deploy: one web service (the test app of tests/deploy/app) with
its health route, SLO and strategy, a compose.yaml whose environment picks the app's MODE, and
the `[deploy]` timings the tests shorten."""

from __future__ import annotations

from pathlib import Path

from design.fixtures import design
from opsmith.design.approval import approve
from opsmith.design.model import Choice, Design, Slo
from opsmith.design.render_yaml import render

APP = "shop"
SERVICE = "web"
COMPOSE = """\
services:
  web:
    image: shop:${IMAGE_TAG:-dev}
    environment:
      MODE: ${MODE:-healthy}
      VERSION: ${VERSION:-1}
"""
FAST = """\
[deploy]
analysis-interval = 1
analysis-delay = 3
measurements = 2
window = "10s"
health-timeout = 20
drain-timeout = 5
check-interval = 0.2
scrape-interval = 1
"""


def deploy_design(
    strategy: str = "canary", *, app: str = APP, release: str | None = None, port: int = 8080
) -> Design:
    base = design("python-flask", users=500)
    service = base.services[0].model_copy(
        update={
            "name": SERVICE,
            "port": port,
            "health_path": "/health",
            "uses": [],
            "release": release,
            "strategy": Choice[str](value=strategy, reason="test", rule="test"),
            "slo": Slo(availability=99.0, latency_p95_ms=500, reason="test", rule="test"),
        }
    )
    return base.model_copy(update={"app": app, "services": [service], "backing_services": []})


def approved_repo(root: Path, strategy: str = "canary", *, settings: str = FAST, **kwargs: object) -> Path:
    """`root` holding an approved design, compose.yaml and .opsmith.toml."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "opsmith.yaml").write_text(render(deploy_design(strategy, **kwargs)))  # type: ignore[arg-type]
    (root / "compose.yaml").write_text(COMPOSE)
    (root / ".opsmith.toml").write_text(settings)
    approve(root, "Reviewer <r@example.com>")
    return root
