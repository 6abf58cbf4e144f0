"""A controller SIGKILLed at any step leaves traffic flowing, `status` shows the deploy without
its controller, and `deploy --resume` ends consistent: one release serving at 100 % in HAProxy,
the others stopped. Then `opsmith rollback` goes back to the previous release, instantly while it
is warm and by starting it again once it is retired, without a failed request."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from deploy.deploy_repo import FAST
from deploy.load import Load
from deploy.scenario import Repo, kill, new_repo, run_until, short_folder
from opsmith.deploy.balancer import Balancer
from opsmith.deploy.state import State
from opsmith.deploy.strategies import steps_for

# Known flaw, issue 16: now and then the observer reads no series for a release that has
# traffic, so a measurement is inconclusive; a rerun keeps these checks in CI until it is found.
pytestmark = pytest.mark.flaky(reruns=2, reruns_delay=2)

WEIGHTS = [50]
SETTINGS = FAST + f"canary-weights = {WEIGHTS}\n"


@pytest.fixture
def repo(test_app_image: str) -> Iterator[Repo]:
    with short_folder() as folder:
        made = new_repo(folder / "repo", settings=SETTINGS)
        first = made.opsmith(*made.deploy_args("--strategy", "rolling"))
        assert first.code == 0, first.out + first.stderr
        yield made
        made.clean()


def consistent(repo: Repo) -> str:
    """One release serves at 100 % in HAProxy and in the database, and only its container runs
    (besides a warm one at weight 0 after blue-green); returns its id."""
    releases = repo.releases()
    serving = [rid for rid, (state, weight) in releases.items() if state == "serving" and weight == 100]
    assert len(serving) == 1, releases
    live = {s.name: s for s in Balancer(repo.root / ".opsmith" / "deploy").servers("web")}
    assert live[serving[0]].weight == 100 and live[serving[0]].healthy
    assert all(s.weight == 0 for name, s in live.items() if name != serving[0])
    assert set(live) == set(releases)
    assert len(repo.containers()) == len(releases)
    assert repo.status()["services"][0]["deploy"] is None
    return serving[0]


def test_a_controller_killed_at_each_step_is_resumed_to_a_consistent_end(repo: Repo) -> None:
    """One deploy, its controller SIGKILLed once in every step: the first run in step 0, the
    resumed one in step 1, and so on; the last resume ends it."""
    stable = consistent(repo)
    steps = steps_for("canary", web=True, release_command=False, canary_weights=WEIGHTS)
    env = {"VERSION": "2"}
    with Load("127.0.0.1", repo.port, limit=600) as load:
        running = repo.start(*repo.deploy_args("--strategy", "canary"), env=env)
        for index, step in enumerate(steps):
            run_until(running, index)
            time.sleep(0.3)  # into the step, not at its edge
            kill(running)
            deploy = repo.status()["services"][0]["deploy"]
            assert deploy is not None and deploy["controller"] == "gone", step.text
            assert deploy["step_index"] in (index, index + 1), step.text
            running = repo.start("deploy", "--resume", "--runtime", "podman", env=env)
        assert running.wait(timeout=120) == 0
        time.sleep(1)
    serving = consistent(repo)
    assert serving != stable and load.failures == []
    assert load.bodies_after(time.time() - 0.5) == {"2"}
    last = repo.history()[-1]
    assert last["outcome"] == "promoted" and last["release"] == serving
    assert all(step["result"] == "done" for step in last["steps"])


def test_rollback_is_instant_while_the_old_release_is_warm_and_redeploys_it_after(repo: Repo) -> None:
    old = consistent(repo)
    # nobody calls it: promoted only because no traffic is allowed here, and that is recorded
    green = repo.opsmith(
        *repo.deploy_args("--strategy", "blue-green", "--allow-no-traffic"), env={"VERSION": "2"}
    )
    assert green.code == 0, green.out + green.stderr
    assert "--allow-no-traffic" in repo.history()[-1]["reason"]
    with Load("127.0.0.1", repo.port) as load:
        time.sleep(1)
        back = repo.opsmith("rollback", "--runtime", "podman")
        ended = time.time()
        time.sleep(1)
    assert back.code == 0, back.out + back.stderr
    assert load.failures == [] and load.bodies_after(ended) == {"1"}
    assert consistent(repo) == old
    rollback = repo.history()[-1]
    assert rollback["kind"] == "rollback" and rollback["release"] == old
    assert [s["step"] for s in rollback["steps"]] == ["wait-healthy", "promote", "keep-warm"]

    rolling = repo.opsmith(*repo.deploy_args("--strategy", "rolling"), env={"VERSION": "3"})
    assert rolling.code == 0
    with Load("127.0.0.1", repo.port) as load:
        back = repo.opsmith("rollback", "--runtime", "podman", "--to", old, env={"VERSION": "1"})
        ended = time.time()
        time.sleep(1)
    assert back.code == 0, back.out + back.stderr
    assert load.failures == [] and load.bodies_after(ended) == {"1"}
    assert repo.history()[-1]["steps"][0]["step"] == "start"  # retired: started again


def test_a_warm_release_is_retired_once_its_window_has_passed(repo: Repo) -> None:
    old = consistent(repo)
    settings = repo.root / ".opsmith.toml"
    settings.write_text(settings.read_text() + "warm-window = 2\n")
    green = repo.opsmith(
        *repo.deploy_args("--strategy", "blue-green", "--allow-no-traffic"), env={"VERSION": "2"}
    )
    assert green.code == 0, green.out + green.stderr
    assert repo.releases()[old] == ("warm", 0)  # the deploy ends with blue still warm
    deadline = time.monotonic() + 30
    while old in repo.releases() and time.monotonic() < deadline:
        time.sleep(0.5)
    new = consistent(repo)  # then the retirer drained and stopped it, HAProxy included
    assert new != old and list(repo.releases()) == [new]
    log = State(repo.root).audit_log()
    assert [entry["detail"] for entry in log if entry["action"] == "retire-warm"] == [old]
