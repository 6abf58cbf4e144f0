"""The stand-ins of service_images.py behave as the official images do where tests rely on it."""

from __future__ import annotations

import subprocess
import time
import uuid

import podman_env
import pytest
import service_images


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("postgres:16.6-alpine3.20", "docker.io/library/postgres:16.6-alpine3.20"),
        ("bitnami/kafka:3.9.0", "docker.io/bitnami/kafka:3.9.0"),
        ("mcr.microsoft.com/dotnet/sdk:8.0", "mcr.microsoft.com/dotnet/sdk:8.0"),
        ("localhost/app:dev", "localhost/app:dev"),
    ],
)
def test_qualified_names_follow_docker_hub_rules(ref: str, expected: str) -> None:
    assert service_images.qualified(ref) == expected


def test_names_come_from_the_generators_data() -> None:
    assert service_images.backing_image("redis").startswith("docker.io/library/redis:")
    assert service_images.base_image("go").startswith("docker.io/library/golang:")
    assert service_images.base_image("alpine").startswith("docker.io/library/alpine:")


@pytest.fixture(scope="module")
def stand_ins(podman: dict[str, str]) -> dict[str, str]:
    return {**service_images.ensure_service_images(), **service_images.ensure_compiled_images()}


def test_postgres_refuses_to_initialise_without_a_password(stand_ins: dict[str, str]) -> None:
    image = service_images.backing_image("postgresql")
    proc = subprocess.run(
        ["podman", "run", "--rm", "--pull=never", "--network=none", image],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode != 0
    assert "POSTGRES_PASSWORD is not set" in proc.stderr


def test_redis_runs_unprivileged_without_protected_mode(stand_ins: dict[str, str]) -> None:
    name = f"opsmith-test-{uuid.uuid4().hex[:12]}"
    image = service_images.backing_image("redis")
    subprocess.run(
        ["podman", "run", "--detach", "--pull=never", "--network=none", "--name", name, image],
        capture_output=True,
        timeout=120,
        check=True,
    )
    try:
        answer = ""
        for _ in range(30):
            answer = subprocess.run(
                ["podman", "exec", name, "redis-cli", "config", "get", "protected-mode"],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            ).stdout
            if answer:
                break
            time.sleep(0.5)
        assert answer.split() == ["protected-mode", "no"]
        user = subprocess.run(
            ["podman", "top", name, "user"], capture_output=True, text=True, timeout=60, check=True
        ).stdout
        assert "redis" in user.split()
    finally:
        subprocess.run(["podman", "rm", "--force", "--time", "0", name], capture_output=True, check=False)


def test_alpine_adduser_takes_busybox_options(stand_ins: dict[str, str]) -> None:
    out = podman_env.run_in(
        service_images.base_image("alpine"), "sh", "-c", "adduser -D -H -u 10001 app && id app && ls /home"
    )
    assert "uid=10001(app)" in out
    assert "app" not in out.split("\n", 1)[1]  # -H: no home directory


def test_rust_apk_answers_only_for_what_the_stand_in_carries(stand_ins: dict[str, str]) -> None:
    image = service_images.base_image("rust")
    assert podman_env.run_in(image, "apk", "add", "--no-cache", "musl-dev") == ""
    with pytest.raises(podman_env.PodmanError, match="unreachable"):
        podman_env.run_in(image, "apk", "add", "--no-cache", "openssl-dev")
