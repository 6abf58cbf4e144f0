"""The deploy database: schema version, locks a dead process cannot keep, steps that resume."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from opsmith.deploy.state import DB_FILE, LockHeld, Release, State, StateError


def release(release_id: str, state: str = "serving") -> Release:
    return Release(release_id, "web", "production", f"shop:{release_id}", f"c-{release_id}", "127.0.0.1",
                   8000, 100, state, time.time())  # type: ignore[arg-type]  # fmt: skip


def test_the_database_is_created_in_wal_mode_with_a_schema_version(tmp_path: Path) -> None:
    State(tmp_path).close()
    db = sqlite3.connect(tmp_path / DB_FILE)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()[0] == "1"


def test_another_schema_version_is_refused(tmp_path: Path) -> None:
    State(tmp_path).close()
    db = sqlite3.connect(tmp_path / DB_FILE)
    db.execute("UPDATE meta SET value = '99' WHERE key = 'schema'")
    db.commit()
    with pytest.raises(StateError, match="schema version 99"):
        State(tmp_path)


def test_a_live_holder_keeps_the_lock(tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        state = State(tmp_path)
        state.acquire("web", "production", pid=holder.pid)
        with pytest.raises(LockHeld, match=f"pid {holder.pid}"):
            state.acquire("web", "production")
        state.acquire("web", "staging")  # another environment is another lock
        state.acquire("api", "production")
    finally:
        holder.kill()
        holder.wait()


def test_the_lock_of_a_killed_process_is_taken_over(tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", "pass"])
    holder.wait()
    state = State(tmp_path)
    state.acquire("web", "production", pid=holder.pid)
    assert state.holder("web", "production") is None  # its process is gone
    lock = state.acquire("web", "production")
    assert state.holder("web", "production") == lock


def test_a_reused_pid_does_not_keep_the_lock(tmp_path: Path) -> None:
    """The lock stores the holder's start time: another process with the same pid is not it."""
    state = State(tmp_path)
    state.acquire("web", "production")
    db = sqlite3.connect(tmp_path / DB_FILE)
    db.execute("UPDATE locks SET process_start = '1'")
    db.commit()
    assert state.holder("web", "production") is None


def test_a_step_begun_twice_keeps_its_first_start_and_the_index_moves_once(tmp_path: Path) -> None:
    state = State(tmp_path)
    state.add_release(release("r1", "starting"))
    deploy_id = state.start_deploy(service="web", environment="production", kind="deploy", release_id="r1",
                                   stable_id=None, image="shop:r1", strategy="canary",
                                   steps=("start", "weight 5"), who="me", options={})  # fmt: skip
    first = state.begin_step(deploy_id, 0, "start")
    again = state.begin_step(deploy_id, 0, "start")
    assert again.started == first.started
    state.end_step(deploy_id, 0, "done", "started")
    state.end_step(deploy_id, 0, "done", "started")  # a repeated end never skips a step
    deploy = state.deploy(deploy_id)
    assert deploy is not None and deploy.step == 1 and deploy.status == "running"
    assert state.unfinished("web", "production") == deploy
    state.finish(deploy_id, "promoted", "promoted")
    assert state.unfinished("web", "production") is None


def test_analyses_are_kept_per_step(tmp_path: Path) -> None:
    state = State(tmp_path)
    deploy_id = state.start_deploy(service="web", environment="production", kind="deploy", release_id=None,
                                   stable_id=None, image="shop:1", strategy="canary", steps=("analyse",),
                                   who="me", options={})  # fmt: skip
    check = {"name": "success-rate", "verdict": "fail", "value": 0.5, "threshold": 0.99}
    state.add_analysis(deploy_id, 0, "fail", [check])
    state.add_analysis(deploy_id, 1, "pass", [])
    assert [a.verdict for a in state.analyses(deploy_id, 0)] == ["fail"]
    assert state.analyses(deploy_id, 0)[0].checks == (check,)
    assert len(state.analyses(deploy_id)) == 2


def test_the_serving_release_is_the_newest_that_serves(tmp_path: Path) -> None:
    state = State(tmp_path)
    state.add_release(release("r1"))
    state.add_release(release("r2", "starting"))
    assert state.serving("web", "production") == state.release("r1")
    state.update_release("r1", state="warm", weight=0)
    state.update_release("r2", state="serving", weight=100)
    serving = state.serving("web", "production")
    assert serving is not None and serving.id == "r2" and serving.weight == 100
    assert [r.id for r in state.releases("web", "production")] == ["r2", "r1"]
