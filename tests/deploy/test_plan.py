"""What a deploy will do, worked out before anything changes: images, listen addresses, steps,
and the release's environment read from compose.yaml the way compose interpolates it."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy.deploy_repo import COMPOSE, deploy_design
from opsmith.deploy.flags import Listen
from opsmith.deploy.plan import PlanError, ServicePlan, default_environment, interpolate, plan_services


def plan(root: Path, **kwargs: object) -> list[ServicePlan]:
    arguments: dict[str, object] = {
        "names": [], "environment": "production", "tag": "abc123", "images": {}, "listen": {},
        "strategy": None, "settings": {}, "process_env": {},
    }  # fmt: skip
    arguments.update(kwargs)
    return plan_services(root, deploy_design(), **arguments)  # type: ignore[arg-type]


def test_the_designs_image_port_and_strategy_are_the_defaults(tmp_path: Path) -> None:
    (web,) = plan(tmp_path)
    assert web.image == "shop:abc123"
    assert web.listen == Listen("0.0.0.0", 8080) and web.container_port == 8080
    assert web.strategy == "canary" and [s.text for s in web.steps][-2:] == ["promote", "retire"]
    assert web.env == {"PORT": "8080"}  # no compose.yaml: only the port the design gives


def test_flags_and_the_recorded_registry_override(tmp_path: Path) -> None:
    (tmp_path / ".opsmith").mkdir()
    (tmp_path / ".opsmith" / "registry").write_text("ghcr.io/acme\n")
    (web,) = plan(tmp_path, strategy="blue-green", listen={"web": Listen("127.0.0.1", 9000)})
    assert web.image == "ghcr.io/acme/shop:abc123" and web.listen == Listen("127.0.0.1", 9000)
    assert web.strategy == "blue-green"
    (web,) = plan(tmp_path, tag=None, images={"web": "localhost/x:1"})
    assert web.image == "localhost/x:1"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"names": ["api"]}, "no service 'api'"),
        ({"images": {"api": "x:1"}}, "does not have: api"),
        ({"environment": "qa"}, "unknown environment"),
        ({"tag": None}, "--image-tag"),
        ({"settings": {"canary-weights": [5, 120]}}, "percentages"),
        ({"settings": {"steps": {"web": ["weight 10", "retire"]}}}, "not `retire`"),
        ({"settings": {"steps": {"web": "weight 10"}}}, "list of steps"),
    ],
)
def test_bad_plans_are_refused_before_anything_changes(
    tmp_path: Path, kwargs: dict[str, object], error: str
) -> None:
    with pytest.raises(PlanError, match=error):
        plan(tmp_path, **kwargs)


def test_the_environment_comes_from_compose_interpolated(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(COMPOSE + "      TOKEN: ${TOKEN:?set TOKEN in .env}\n")
    (tmp_path / ".env").write_text("MODE=error\nTOKEN='from-dotenv'\n")
    (web,) = plan(tmp_path, process_env={"VERSION": "7"})
    assert web.env == {"MODE": "error", "VERSION": "7", "TOKEN": "from-dotenv", "PORT": "8080"}
    (tmp_path / ".env").unlink()
    with pytest.raises(PlanError, match=r"needs TOKEN: set TOKEN in \.env") as refused:
        plan(tmp_path)
    assert "from-dotenv" not in str(refused.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${A}", "1"), ("$A-$B", "1-"), ("${B:-two}", "two"), ("${B-two}", "two"), ("${E:-x}", "x"),
        ("${E-x}", ""), ("${A:+set}", "set"), ("${B:+set}", ""), ("$$A", "$A"), ("${B:-${A}}", "1"),
    ],
)  # fmt: skip
def test_interpolation_follows_compose(text: str, expected: str) -> None:
    assert interpolate(text, {"A": "1", "E": ""}, "web.environment.X") == expected


def test_the_default_environment_is_what_the_server_set_up_recorded(tmp_path: Path) -> None:
    assert default_environment(tmp_path) == "production"
    (tmp_path / ".opsmith").mkdir()
    (tmp_path / ".opsmith" / "environment").write_text("staging\n")
    assert default_environment(tmp_path) == "staging"
