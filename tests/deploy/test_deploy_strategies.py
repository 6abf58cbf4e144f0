"""`opsmith deploy` on loopback with real podman, HAProxy and Prometheus: a good release deployed
by each strategy under steady load completes without one failed request, and `status` and
`history` show it."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator

import pytest

from deploy.load import Load
from deploy.scenario import RELEASE_IMAGE, RUNTIME, Repo, new_repo, short_folder

# Known flaw, issue 16: now and then the observer reads no series for a release that has
# traffic, so a measurement is inconclusive; a rerun keeps these checks in CI until it is found.
pytestmark = pytest.mark.flaky(reruns=2, reruns_delay=2)


@pytest.fixture(scope="module")
def repo(test_app_image: str) -> Iterator[Repo]:
    """One host for the module: a stable release, then each test deploys the next one."""
    with short_folder() as folder:
        made = new_repo(folder / "repo")
        first = made.opsmith(*made.deploy_args("--strategy", "rolling"), env={"VERSION": "0"})
        assert first.code == 0, first.out + first.stderr
        yield made
        made.clean()


@pytest.mark.parametrize("strategy", ["rolling", "blue-green", "canary"])
def test_a_good_release_is_promoted_under_load_without_a_failed_request(repo: Repo, strategy: str) -> None:
    before = repo.history()[-1]["release"]
    version = f"{strategy}-{time.monotonic_ns()}"
    with Load("127.0.0.1", repo.port) as load:
        time.sleep(1)
        started = time.time()
        done = repo.opsmith(*repo.deploy_args("--strategy", strategy), env={"VERSION": version})
        ended = time.time()
        time.sleep(1)
    assert done.code == 0, done.out + done.stderr
    assert len(load.answers) > 300
    assert load.failures == []
    assert load.bodies_after(ended) == {version}  # every request after the deploy reaches the new release
    assert version in load.bodies_after(started) and len(load.bodies_after(started)) == 2
    releases = repo.releases()
    serving = [rid for rid, (state, weight) in releases.items() if state == "serving"]
    assert len(serving) == 1 and releases[serving[0]][1] == 100
    last = repo.history()[-1]
    assert (last["outcome"], last["strategy"], last["release"]) == ("promoted", strategy, serving[0])
    if strategy == "blue-green":  # blue stays warm at weight 0, its container running
        assert releases[before] == ("warm", 0) and len(releases) == 2
    else:
        assert list(releases) == serving
    assert len(repo.containers()) == len(releases)
    if strategy == "canary":
        analyses = [a for step in last["steps"] for a in step["analyses"]]
        assert len(analyses) >= 6 and all(a["verdict"] == "pass" for a in analyses[-2:])


def test_the_image_tag_names_the_designs_image_in_the_recorded_registry(repo: Repo) -> None:
    subprocess.run([RUNTIME, "tag", RELEASE_IMAGE, f"localhost/{repo.app}:abc123"], check=True)
    try:
        (repo.root / ".opsmith").mkdir(exist_ok=True)
        (repo.root / ".opsmith" / "registry").write_text("localhost\n")
        done = repo.opsmith("deploy", "--image-tag", "abc123", "--listen", f"web=127.0.0.1:{repo.port}",
                            "--runtime", RUNTIME, "--strategy", "rolling")  # fmt: skip
        assert done.code == 0, done.out + done.stderr
        assert repo.history()[-1]["image"] == f"localhost/{repo.app}:abc123"
        shown = repo.opsmith("status", "--format", "json")  # the command itself, once
        assert shown.code == 0 and json.loads(shown.out) == repo.status()
        status = repo.status()["services"][0]
        assert status["frontend"] == f"127.0.0.1:{repo.port}" and status["deploy"] is None
        listed = repo.opsmith("history")
        assert listed.code == 0 and "promoted" in listed.out
    finally:
        (repo.root / ".opsmith" / "registry").unlink(missing_ok=True)
        subprocess.run([RUNTIME, "rmi", f"localhost/{repo.app}:abc123"], capture_output=True, check=False)
