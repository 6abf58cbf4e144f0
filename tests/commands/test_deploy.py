"""`opsmith deploy` and `opsmith rollback` refuse (exit 3, one line) before anything changes:
without gate 1, with MG errors in the migrations, while another deploy holds the lock, or with
nothing to roll back to; `--dry-run` shows the steps and changes nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from deploy.deploy_repo import approved_repo
from opsmith.cli import main
from opsmith.deploy.state import DB_FILE, State

DEPLOY = ["--image", "web=localhost/shop:1", "--listen", "web=127.0.0.1:18080", "--runtime", "podman"]


def refused(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 3
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    return err


def test_no_approved_design_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "gate 1" in refused(capsys, ["deploy", str(tmp_path), *DEPLOY])
    assert not (tmp_path / DB_FILE).exists()
    repo = approved_repo(tmp_path / "repo")
    design = repo / "opsmith.yaml"
    design.write_text(design.read_text().replace("latency_p95_ms: 500", "latency_p95_ms: 600"))
    assert "changed after" in refused(capsys, ["deploy", str(repo), *DEPLOY])


def test_migration_errors_are_refused_unless_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = approved_repo(tmp_path / "repo")
    (repo / "migrations").mkdir()
    (repo / "migrations" / "0002_drop.sql").write_text("ALTER TABLE users DROP COLUMN email;\n")
    err = refused(capsys, ["deploy", str(repo), *DEPLOY])
    assert "MG001" in err and "--allow-unsafe-migrations" in err
    assert not (repo / DB_FILE).exists()
    assert main(["deploy", str(repo), *DEPLOY, "--allow-unsafe-migrations", "--dry-run"]) == 0


def test_a_live_lock_holder_refuses_a_second_deploy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = approved_repo(tmp_path / "repo")
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        State(repo).acquire("web", "production", pid=holder.pid)
        err = refused(capsys, ["deploy", str(repo), *DEPLOY])
        assert f"pid {holder.pid}" in err
    finally:
        holder.kill()
        holder.wait()
    assert not (repo / ".opsmith" / "deploy").exists()  # no HAProxy, no container was started


def test_dry_run_shows_the_steps(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = approved_repo(tmp_path / "repo", "blue-green")
    assert main(["deploy", str(repo), *DEPLOY, "--dry-run", "--environment", "staging"]) == 0
    out = capsys.readouterr().out
    assert "web (staging): localhost/shop:1 by blue-green" in out
    assert "  keep-warm" in out and not (repo / DB_FILE).exists()


def test_usage_errors_are_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = approved_repo(tmp_path / "repo")
    assert main(["deploy", str(repo), "--runtime", "podman"]) == 2  # no image at all
    assert main(["deploy", str(repo), *DEPLOY, "--service", "api"]) == 2
    assert main(["deploy", str(tmp_path / "missing"), *DEPLOY]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_nothing_to_roll_back_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = approved_repo(tmp_path / "repo")
    assert "nothing to roll back" in refused(capsys, ["rollback", str(repo), "--runtime", "podman"])
    assert main(["deploy", str(repo), "--resume", "--runtime", "podman"]) == 0
    assert "nothing to resume" in capsys.readouterr().out
