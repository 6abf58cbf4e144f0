"""Releases that must not keep traffic, on loopback with real podman, HAProxy and Prometheus: a
release answering 5xx is rolled back during the canary analysis, one that crashes or hangs never
receives a request, Ctrl-C aborts to stable, and a second deploy of the same service is refused."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import pytest

from deploy.deploy_repo import FAST
from deploy.load import Load
from deploy.scenario import Repo, kill, new_repo, run_until, short_folder

# Known flaw, issue 16: now and then the observer reads no series for a release that has
# traffic, so a measurement is inconclusive; a rerun keeps these checks in CI until it is found.
pytestmark = pytest.mark.flaky(reruns=2, reruns_delay=2)

RATE = 300.0


@pytest.fixture(scope="module")
def repo(test_app_image: str) -> Iterator[Repo]:
    """One host for the module: a stable release that every failed deploy must leave serving."""
    with short_folder() as folder:
        made = new_repo(folder / "repo", settings=FAST.replace("health-timeout = 20", "health-timeout = 6"))
        first = made.opsmith(*made.deploy_args("--strategy", "rolling"))
        assert first.code == 0, first.out + first.stderr
        yield made
        made.clean()


def stable_only(repo: Repo) -> str:
    """The one release left, serving at 100 %, with its container the only one running."""
    releases = repo.releases()
    assert list(releases.values()) == [("serving", 100)]
    assert len(repo.containers()) == 1
    return next(iter(releases))


def test_a_release_answering_5xx_is_rolled_back_during_the_canary_analysis(repo: Repo) -> None:
    stable = stable_only(repo)
    with Load("127.0.0.1", repo.port, rate=RATE) as load:
        time.sleep(1)
        done = repo.opsmith(*repo.deploy_args("--strategy", "canary"), env={"MODE": "error"})
        ended = time.time()
        time.sleep(1)
    assert done.code == 1, done.out + done.stderr
    assert "analysis failed" in done.out
    assert stable_only(repo) == stable
    assert load.bodies_after(ended) == {"1"}
    assert all(a.at <= ended for a in load.failures)
    # the bad release had 5 % of the requests while the analysis looked: two failed
    # measurements, one interval apart, after the first look's delay
    window = 3 + 2 * 1 + 5  # analysis-delay + failure-limit + 1 intervals + scrape and shift slack
    assert 0 < len(load.failures) <= 0.05 * RATE * window * 1.5
    last = repo.history()[-1]
    assert last["outcome"] == "rolled-back" and "failed" in last["reason"]
    verdicts = [a["verdict"] for step in last["steps"] for a in step["analyses"]]
    assert verdicts.count("fail") == 2


@pytest.mark.parametrize("mode", ["crash", "hang"])
def test_a_release_that_never_becomes_healthy_never_receives_a_request(repo: Repo, mode: str) -> None:
    stable = stable_only(repo)
    with Load("127.0.0.1", repo.port, rate=RATE) as load:
        done = repo.opsmith(*repo.deploy_args("--strategy", "canary"), env={"MODE": mode, "VERSION": "2"})
    assert done.code == 1, done.out + done.stderr
    assert load.failures == []
    assert {a.body for a in load.answers} == {"1"}
    assert stable_only(repo) == stable
    reason = repo.history()[-1]["reason"]
    assert ("exited before" if mode == "crash" else "did not become healthy") in reason


def test_ctrl_c_aborts_to_stable_and_a_concurrent_deploy_is_refused(repo: Repo) -> None:
    stable = stable_only(repo)
    with Load("127.0.0.1", repo.port, rate=RATE) as load:
        running = repo.start(*repo.deploy_args("--strategy", "canary"), env={"VERSION": "2"})
        run_until(running, 3)  # analysing at 5 %
        second = repo.opsmith(*repo.deploy_args())
        assert second.code == 3 and "another deploy of web (production) is running" in second.stderr
        status = repo.status()["services"][0]["deploy"]
        assert status["strategy"] == "canary" and status["controller"] == "running"
        assert kill(running, signal.SIGINT) == 1
    assert load.failures == []
    assert stable_only(repo) == stable
    assert repo.history()[-1]["reason"].startswith("interrupted")
