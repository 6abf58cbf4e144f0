"""`opsmith generate`: gate 1 is enforced, user files are never lost, output is written safely."""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from design.fixtures import REPOS
from fs_limits import read_only
from helpers import files_under
from opsmith.cli import main
from opsmith.commands.approve import run_approve
from opsmith.commands.design import run_design
from opsmith.commands.generate import load_digests, run_generate
from opsmith.generate.dockerfile import image_version


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(REPOS / "python-fastapi", root)
    assert run_design(str(root), users=500, cloud="aws", interactive=False, out=io.StringIO()) == 0
    return root


def test_refuses_without_approval_and_names_the_gate(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_generate(str(repo), out=io.StringIO()) == 3  # refused by a gate, not findings
    err = capsys.readouterr().err
    assert "gate 1" in err and "opsmith approve" in err
    assert not (repo / "compose.yaml").exists()


def test_an_edited_design_invalidates_the_approval(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_approve(str(repo), "Reviewer <r@example.com>") == 0
    design = repo / "opsmith.yaml"
    design.write_text(design.read_text().replace("users: 500", "users: 600"))
    assert run_generate(str(repo), out=io.StringIO()) == 3
    assert "changed after" in capsys.readouterr().err
    assert not (repo / "compose.yaml").exists()


def test_rerun_after_a_user_edit_loses_nothing(repo: Path) -> None:
    assert run_approve(str(repo), "Reviewer <r@example.com>") == 0
    assert run_generate(str(repo), out=io.StringIO()) == 0
    dockerfile = repo / "Dockerfile"
    original = dockerfile.read_text()
    edited = original.replace("USER 10001", "# our proxy needs this\nUSER 10001")
    dockerfile.write_text(edited)
    out = io.StringIO()
    assert run_generate(str(repo), out=out) == 0
    assert dockerfile.read_text() == edited
    report = out.getvalue()
    assert "kept (edited since opsmith wrote it)" in report and "-# our proxy needs this" in report
    assert run_generate(str(repo), force=True, out=io.StringIO()) == 0
    assert dockerfile.read_text() == original


def test_the_decision_map_is_recorded_and_gaps_are_noted(repo: Path) -> None:
    assert run_approve(str(repo), "Reviewer <r@example.com>") == 0
    out = io.StringIO()
    assert run_generate(str(repo), out=out) == 0
    manifest = json.loads((repo / ".opsmith" / "generated.json").read_text())
    decisions = manifest["decisions"]
    assert decisions["orchestration"]["decided"] == "compose"
    assert "compose.yaml" in decisions["orchestration"]["files"]
    assert set(decisions["registry"]["files"]) <= set(manifest["files"])
    assert decisions["mesh"] == {"decided": None, "files": [], "manual": []}
    # whatever the design decided that nothing builds is said at once, not left to a test
    missing = [k for k, v in decisions.items() if v["decided"] and not v["files"] and not v["manual"]]
    for key in missing:
        assert f"note: design decision {key}: decided (" in out.getvalue()


def test_dry_run_writes_nothing(repo: Path) -> None:
    assert run_approve(str(repo), "Reviewer <r@example.com>") == 0
    out = io.StringIO()
    assert run_generate(str(repo), dry_run=True, out=out) == 0
    assert not (repo / "compose.yaml").exists() and not (repo / ".opsmith").exists()
    assert "+++ b/compose.yaml" in out.getvalue()


def test_pin_digests(tmp_path: Path, repo: Path) -> None:
    digest = "sha256:" + "b" * 64
    pins = tmp_path / "pins.txt"
    pinned = (REPOS / "python-fastapi" / ".python-version").read_text().strip()
    image = f"python:{image_version('python', pinned)}-slim-bookworm"
    pins.write_text(f"# known digests\n{image} {digest}\n")
    assert load_digests(str(pins)) == {image: digest}
    assert run_approve(str(repo), "Reviewer <r@example.com>") == 0
    assert run_generate(str(repo), pin_digests=str(pins), out=io.StringIO()) == 0
    assert f"{image}@{digest}" in (repo / "Dockerfile").read_text()
    as_json = tmp_path / "pins.json"
    as_json.write_text(json.dumps({image: "sha256:short"}))
    with pytest.raises(ValueError, match="not a sha256 digest"):
        load_digests(str(as_json))


def test_bad_digest_file_is_a_usage_error(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", str(repo), "--pin-digests", str(repo / "missing.txt")]) == 2
    assert "--pin-digests" in capsys.readouterr().err


@pytest.mark.parametrize("folder", [".opsmith", ".github"])
def test_a_folder_leading_out_is_refused_before_anything_is_written(
    tmp_path: Path, repo: Path, capsys: pytest.CaptureFixture[str], folder: str
) -> None:
    assert run_approve(str(repo), "Reviewer <r@example.com>") == 0
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo / folder).symlink_to(outside)
    before = files_under(repo)
    assert main(["generate", str(repo)]) == 2
    err = capsys.readouterr().err.strip()
    assert f"refusing to write '{folder}/" in err and "resolves outside the repository" in err
    assert files_under(repo) == before and list(outside.iterdir()) == []


def test_generated_files_follow_the_umask(repo: Path) -> None:
    assert run_approve(str(repo), "Reviewer <r@example.com>") == 0
    old = os.umask(0o027)
    try:
        assert run_generate(str(repo), out=io.StringIO()) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((repo / "Dockerfile").stat().st_mode) == 0o640
    assert stat.S_IMODE((repo / ".opsmith" / "generated.json").stat().st_mode) == 0o640


def test_a_read_only_repository_is_one_line(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_approve(str(repo), "Reviewer <r@example.com>") == 0
    before = files_under(repo)
    with read_only(repo):
        assert main(["generate", str(repo)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("opsmith: error: cannot write ") and "\n" not in err
    assert files_under(repo) == before


def test_a_digest_file_that_is_a_fifo_is_refused_at_once(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    os.mkfifo(repo / "pins.txt")
    assert main(["generate", str(repo), "--pin-digests", str(repo / "pins.txt")]) == 2
    assert "a FIFO, not a regular file" in capsys.readouterr().err
