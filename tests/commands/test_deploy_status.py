"""`opsmith status` and `opsmith history`: the documented JSON shapes, read from the deploy
database alone, and nothing created where nothing was deployed."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from opsmith.cli import main
from opsmith.deploy.state import DB_FILE, Frontend, Release, State


def release(release_id: str, state: str, weight: int) -> Release:
    return Release(release_id, "web", "production", f"shop:{release_id}", f"c-{release_id}", "127.0.0.1",
                   9000, weight, state, time.time())  # type: ignore[arg-type]  # fmt: skip


def output(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict[str, object]:
    assert main(argv) == 0
    data: dict[str, object] = json.loads(capsys.readouterr().out)
    return data


def test_nothing_deployed_is_empty_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert output(capsys, ["status", str(tmp_path), "--format", "json"]) == {"version": 1, "services": []}
    assert output(capsys, ["history", str(tmp_path), "-f", "json"]) == {"version": 1, "deploys": []}
    assert not (tmp_path / DB_FILE).exists()
    assert main(["status", str(tmp_path)]) == 0
    assert "nothing deployed yet" in capsys.readouterr().out


def test_status_and_history_show_a_deploy_in_progress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = State(tmp_path)
    state.set_frontend(Frontend("web", "production", "127.0.0.1", 8080, "/health"))
    state.add_release(release("r1", "serving", 95))
    state.add_release(release("r2", "ready", 5))
    state.add_release(release("r0", "stopped", 0))
    deploy_id = state.start_deploy(service="web", environment="production", kind="deploy", release_id="r2",
                                   stable_id="r1", image="shop:r2", strategy="canary",
                                   steps=("start", "wait-healthy", "weight 5", "analyse"), who="ci",
                                   options={"allow_no_traffic": False})  # fmt: skip
    for idx, name in enumerate(("start", "wait-healthy", "weight 5")):
        state.begin_step(deploy_id, idx, name)
        state.end_step(deploy_id, idx, "done", f"{name} ok")
    state.begin_step(deploy_id, 3, "analyse")
    check = {"name": "success-rate", "verdict": "pass", "value": 1.0, "threshold": 0.99}
    state.add_analysis(deploy_id, 3, "pass", [check])
    status = output(capsys, ["status", str(tmp_path), "--format", "json"])
    assert status == {
        "version": 1,
        "services": [
            {
                "name": "web",
                "environment": "production",
                "frontend": "127.0.0.1:8080",
                "releases": [  # newest first, stopped ones left out
                    {"id": "r2", "image": "shop:r2", "weight": 5, "state": "ready"},
                    {"id": "r1", "image": "shop:r1", "weight": 95, "state": "serving"},
                ],
                "deploy": {
                    "id": deploy_id,
                    "strategy": "canary",
                    "step": "analyse",
                    "step_index": 3,
                    "started": status["services"][0]["deploy"]["started"],  # type: ignore[index]
                    "controller": "gone",  # nobody holds the lock: `deploy --resume` finishes it
                },
            }
        ],
    }
    (deploy,) = output(capsys, ["history", str(tmp_path), "--format", "json"])["deploys"]  # type: ignore[misc]
    assert set(deploy) >= {"id", "service", "environment", "image", "strategy", "started", "ended",
                           "outcome", "reason", "steps"}  # fmt: skip
    assert (deploy["outcome"], deploy["ended"], deploy["who"]) == ("running", None, "ci")
    assert [s["step"] for s in deploy["steps"]] == ["start", "wait-healthy", "weight 5", "analyse"]
    assert deploy["steps"][2]["detail"] == "weight 5 ok" and deploy["steps"][2]["ended"]
    assert deploy["steps"][3]["analyses"][0]["checks"] == [check] and deploy["steps"][3]["ended"] is None
    state.finish(deploy_id, "rolled-back", "analysis failed: 2 of 3 measurements failed")
    assert main(["history", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "rolled-back (analysis failed: 2 of 3 measurements failed)" in text and "4. analyse" in text
