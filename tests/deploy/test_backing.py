"""The compose stack's backing services, brought up before a release starts, with real podman and
podman-compose on loopback: the release and its release command reach a backing service by its
name, and a backing service that will not start refuses the deploy before anything changes."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.deploy_repo import COMPOSE, deploy_design
from deploy.scenario import RELEASE_IMAGE, RUNTIME, Repo, new_repo, short_folder
from opsmith.deploy.backing import backing_stack

# the release command fails unless the backing service answers by its name
REACH = "python -c \"import urllib.request as u; u.urlopen('http://backing:8080/health', timeout=5)\""


def with_backing(image: str) -> str:
    return COMPOSE + f"  backing:\n    image: {image}\n    environment:\n      VERSION: backing\n"


def test_only_services_that_are_not_released_are_backing(tmp_path: Path) -> None:
    design = deploy_design(app="shop")
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    assert backing_stack(tmp_path, design) is None  # nothing to start: the step is skipped
    (tmp_path / "compose.yaml").write_text(with_backing("db:16") + "  redis:\n    image: redis:7\n")
    stack = backing_stack(tmp_path, design)
    assert stack is not None
    assert (stack.project, stack.services, stack.network) == ("shop", ("backing", "redis"), "shop_default")


def test_a_compose_service_name_that_reads_as_an_option_is_refused(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(COMPOSE + "  --rm:\n    image: db:16\n")
    with pytest.raises(ValueError, match="compose service name"):
        backing_stack(tmp_path, deploy_design())


@pytest.fixture
def stacked(test_app_image: str) -> Iterator[Repo]:
    """A repository whose compose.yaml adds a backing service, taken down at the end."""
    with short_folder() as folder:
        repo = new_repo(folder / "repo", "rolling", release=REACH)
        try:
            yield repo
        finally:
            repo.clean()
            compose = ["podman-compose", "-p", repo.app, "-f", str(repo.root / "compose.yaml")]
            subprocess.run([*compose, "down"], capture_output=True, timeout=120, check=False)
            subprocess.run(
                [RUNTIME, "network", "rm", "-f", f"{repo.app}_default"],
                capture_output=True, timeout=60, check=False,
            )  # fmt: skip


def test_releases_reach_the_backing_services_by_name(stacked: Repo) -> None:
    (stacked.root / "compose.yaml").write_text(with_backing(RELEASE_IMAGE))
    done = stacked.opsmith(*stacked.deploy_args())
    assert done.code == 0, done.out + done.stderr  # its release command reached `backing`
    [container] = stacked.containers()
    asked = subprocess.run(
        [RUNTIME, "exec", container, "python", "-c",
         "import urllib.request as u; print(u.urlopen('http://backing:8080/', timeout=5).read().decode())"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert (asked.returncode, asked.stdout.strip()) == (0, "backing"), asked.stderr
    again = stacked.opsmith(*stacked.deploy_args(), env={"VERSION": "2"})  # the stack is already up
    assert again.code == 0, again.out + again.stderr


def test_a_backing_service_that_does_not_start_refuses_the_deploy(stacked: Repo) -> None:
    # nothing listens on loopback port 1: the pull fails at once
    (stacked.root / "compose.yaml").write_text(with_backing("127.0.0.1:1/opsmith/none:1"))
    done = stacked.opsmith(*stacked.deploy_args())
    assert done.code == 3, done.out + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "backing" in lines[0], done.stderr
    assert stacked.containers() == set()
    assert stacked.history() == []
