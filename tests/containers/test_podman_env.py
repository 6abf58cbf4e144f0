"""Podman builds and runs service images here, from local stand-ins for the official base images.

The two services under apps/ are hand-written the way the generator writes images (multi-stage,
lockfile install, non-root USER, HEALTHCHECK, exec-form CMD); they build with `--network none`,
so nothing in them reaches a registry.
"""

from __future__ import annotations

import shutil
import textwrap
import uuid
from pathlib import Path

import podman_env
import pytest

APPS = Path(__file__).parent / "apps"


def _container_name() -> str:
    return f"opsmith-test-{uuid.uuid4().hex[:12]}"


def _write(folder: Path, dockerfile: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Dockerfile").write_text(textwrap.dedent(dockerfile).lstrip(), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("app", "port", "user"),
    [("node-service", 3000, "node"), ("python-service", 8000, "10001")],
)
def test_service_image_builds_offline_and_answers_its_health_check(
    podman: dict[str, str], app: str, port: int, user: str
) -> None:
    image = podman_env.build_image(APPS / app, network="none")

    config = podman_env.image_config(image)
    assert config["User"] == user
    assert config["Healthcheck"]["Test"][0] == "CMD"  # kept: the build used the docker format
    assert isinstance(config["Cmd"], list)
    name = _container_name()
    assert podman_env.run_and_probe(image, port, "/healthz", timeout=90, name=name) == 200
    assert not podman_env.container_exists(name)


def test_stand_ins_carry_the_names_and_versions_the_generator_pins(podman: dict[str, str]) -> None:
    versions = podman_env.default_versions()
    node = podman_env.node_image(versions["node"][0])
    python = podman_env.python_image(versions["python"][0])
    assert {node, python, podman_env.DEBIAN_IMAGE} <= podman.keys()

    out = podman_env.run_in(node, "node", "--version")
    assert out.strip() == f"v{versions['node'][0]}"
    node_user = podman_env.run_in(node, "id", "-u", "node")
    assert node_user.strip() == "1000"
    # Debian's python3 stands in for every Python tag: no registry serves CPython builds.
    assert podman_env.run_in(python, "python", "-c", "import venv, ensurepip; print('ok')").strip() == "ok"


def test_ensure_base_images_reuses_what_exists(podman: dict[str, str]) -> None:
    assert podman_env.ensure_base_images() == podman


def test_failed_build_raises_with_the_build_log(podman: dict[str, str], tmp_path: Path) -> None:
    context = _write(
        tmp_path / "broken",
        f"""
        FROM {podman_env.DEBIAN_IMAGE}
        RUN echo "about to fail" && exit 7
        """,
    )
    with pytest.raises(podman_env.PodmanError, match=r"(?s)about to fail.*exit status 7"):
        podman_env.build_image(context, network="none")


def test_container_that_exits_is_reported_with_its_log_and_removed(
    podman: dict[str, str], tmp_path: Path
) -> None:
    context = _write(
        tmp_path / "exits",
        f"""
        FROM {podman_env.DEBIAN_IMAGE}
        CMD ["sh", "-c", "echo crashed on start; exit 3"]
        """,
    )
    image = podman_env.build_image(context, network="none")
    name = _container_name()
    with pytest.raises(podman_env.PodmanError, match=r"(?s)exited with code 3.*crashed on start"):
        podman_env.run_and_probe(image, 8080, "/healthz", timeout=30, name=name)
    assert not podman_env.container_exists(name)


def test_never_healthy_container_times_out_and_is_removed(podman: dict[str, str], tmp_path: Path) -> None:
    context = _write(
        tmp_path / "unhealthy",
        f"""
        FROM {podman_env.DEBIAN_IMAGE}
        HEALTHCHECK --interval=1s --timeout=1s --retries=1 CMD ["false"]
        CMD ["sleep", "600"]
        """,
    )
    image = podman_env.build_image(context, network="none")
    name = _container_name()
    with pytest.raises(TimeoutError, match="not healthy"):
        podman_env.run_and_probe(image, 8080, "/healthz", timeout=3, name=name)
    assert not podman_env.container_exists(name)


def test_podman_missing_is_a_reason_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    reason = podman_env.podman_available()
    assert reason is not None
    assert "podman is not installed" in reason
