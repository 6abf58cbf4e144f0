from __future__ import annotations

import pytest

from design.fixtures import design
from opsmith.generate.rollback import render_rollback


@pytest.mark.parametrize(
    ("needs", "expected"),
    [
        ({"users": 500, "cloud": "aws"}, "opsmith rollback"),
        ({"users": 500, "cloud": "fly"}, "fly deploy --app"),
        ({"users": 5000, "cloud": "aws"}, "aws ecs update-service"),
        ({"users": 5000, "cloud": "gcp"}, "gcloud run services update-traffic"),
        ({"users": 5000, "cloud": "azure"}, "az containerapp ingress traffic set"),
        ({"users": 200_000, "cloud": "aws"}, "kubectl argo rollouts"),
    ],
)
def test_manual_steps_fit_the_platform(needs: dict[str, object], expected: str) -> None:
    text = render_rollback(design("python-fastapi", **needs))
    assert expected in text
    for heading in (
        "## 1. Automatic rollback",
        "## 2. Manual rollback",
        "## 3. Database",
        "## 4. Configuration and secrets",
    ):
        assert heading in text


def test_secret_rollback_uses_the_designs_store() -> None:
    assert "aws secretsmanager" in render_rollback(design("go-gin", users=5000, cloud="aws"))
    assert "gcloud secrets versions disable" in render_rollback(design("go-gin", users=5000, cloud="gcp"))


@pytest.mark.parametrize(
    ("cloud", "own", "foreign"), [("railway", "railway up", "fly "), ("fly", "fly deploy", "railway")]
)
def test_a_paas_rollback_names_only_its_own_commands(cloud: str, own: str, foreign: str) -> None:
    text = render_rollback(design("python-fastapi", users=500, cloud=cloud))
    manual = text.split("## 2. Manual rollback", 1)[1].split("## 3.", 1)[0]
    assert own in manual and foreign not in manual


def test_the_server_rollback_commands_are_real_opsmith_verbs() -> None:
    """Every `opsmith` line of a single-server rollback plan parses with opsmith's own CLI."""
    from opsmith.cli import build_parser

    text = render_rollback(design("python-fastapi", users=500, cloud="aws"))
    commands = [line.split("#")[0].split() for line in text.splitlines() if line.startswith("opsmith ")]
    assert {c[1] for c in commands} >= {"rollback", "status", "history", "deploy"}
    for command in commands:
        args = [word.replace("<release-id>", "20261207120000-abc") for word in command[1:]]
        assert build_parser().parse_args(args).command == command[1]
