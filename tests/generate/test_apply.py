from __future__ import annotations

import os
from pathlib import Path

import pytest

from opsmith.generate.apply import (
    MANIFEST,
    Outcome,
    apply,
    load_decisions,
    load_manifest,
    unchanged_generated,
)
from opsmith.generate.artifact import Artifact, safe_name
from opsmith.writer import UnsafePath


def _outcomes(report: object) -> dict[str, Outcome]:
    return {r.path: r.outcome for r in report.results}  # type: ignore[attr-defined]


def test_create_then_update_only_what_opsmith_still_owns(tmp_path: Path) -> None:
    first = [Artifact("Dockerfile", "FROM a:1\n"), Artifact("ci/run.sh", "echo 1\n", executable=True)]
    assert set(_outcomes(apply(tmp_path, first)).values()) == {Outcome.CREATED}
    assert os.access(tmp_path / "ci" / "run.sh", os.X_OK)
    assert set(load_manifest(tmp_path)) == {"Dockerfile", "ci/run.sh"}

    (tmp_path / "ci" / "run.sh").write_text("echo 1\necho my own line\n")  # the user edits one
    second = [Artifact("Dockerfile", "FROM a:2\n"), Artifact("ci/run.sh", "echo 2\n")]
    report = apply(tmp_path, second)
    assert _outcomes(report) == {"Dockerfile": Outcome.UPDATED, "ci/run.sh": Outcome.KEPT_USER_EDIT}
    assert (tmp_path / "Dockerfile").read_text() == "FROM a:2\n"
    assert "echo my own line" in (tmp_path / "ci" / "run.sh").read_text()
    kept = report.kept[0]
    assert "-echo my own line" in kept.diff and "+echo 2" in kept.diff

    third = apply(tmp_path, second)  # still kept: the edit is never lost on later runs either
    assert _outcomes(third)["ci/run.sh"] is Outcome.KEPT_USER_EDIT
    forced = apply(tmp_path, second, force=True)
    assert _outcomes(forced)["ci/run.sh"] is Outcome.OVERWRITTEN
    assert (tmp_path / "ci" / "run.sh").read_text() == "echo 2\n"


def test_pre_existing_files_are_never_overwritten_without_force(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM mine:1\n")
    report = apply(tmp_path, [Artifact("Dockerfile", "FROM theirs:1\n")])
    assert _outcomes(report) == {"Dockerfile": Outcome.KEPT_EXISTING}
    assert (tmp_path / "Dockerfile").read_text() == "FROM mine:1\n"
    assert "+FROM theirs:1" in report.results[0].diff
    assert "Dockerfile" not in load_manifest(tmp_path)


def test_dry_run_writes_nothing_and_shows_every_diff(tmp_path: Path) -> None:
    report = apply(tmp_path, [Artifact("a.txt", "x\n")], dry_run=True)
    assert not (tmp_path / "a.txt").exists() and not (tmp_path / MANIFEST).exists()
    assert report.results[0].outcome is Outcome.CREATED and "+x" in report.results[0].diff


def test_identical_content_is_adopted_as_unchanged(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("same\n")
    report = apply(tmp_path, [Artifact("a.txt", "same\n")])
    assert _outcomes(report) == {"a.txt": Outcome.UNCHANGED}
    assert "a.txt" in load_manifest(tmp_path)


@pytest.mark.parametrize("bad", ["../escape.txt", "/etc/passwd", "a/../../b", "", "a\\..\\b"])
def test_paths_outside_the_repository_are_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(UnsafePath):
        apply(tmp_path, [Artifact(bad, "x")])


def test_symlinked_folder_cannot_lead_out(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    repo = tmp_path / "repo"
    outside.mkdir()
    repo.mkdir()
    (repo / "deploy").symlink_to(outside)
    with pytest.raises(UnsafePath):
        apply(repo, [Artifact("deploy/x.yaml", "x")])
    assert not (outside / "x.yaml").exists()


def test_corrupt_manifest_means_nothing_is_owned(tmp_path: Path) -> None:
    (tmp_path / ".opsmith").mkdir()
    (tmp_path / MANIFEST).write_text("{not json")
    (tmp_path / "a.txt").write_text("user\n")
    assert _outcomes(apply(tmp_path, [Artifact("a.txt", "gen\n")]))["a.txt"] is Outcome.KEPT_EXISTING


def test_the_decision_map_is_recorded_beside_the_hashes(tmp_path: Path) -> None:
    (tmp_path / ".opsmith").mkdir()
    old = '{"version": 1, "files": {"a.txt": {"sha256": "%s"}}}' % ("0" * 64)
    (tmp_path / MANIFEST).write_text(old)  # written before there was a map: still read
    assert load_decisions(tmp_path) == {} and load_manifest(tmp_path) == {"a.txt": "0" * 64}
    decisions = {"registry": {"decided": "ecr", "files": ["a.txt"], "manual": []}}
    apply(tmp_path, [Artifact("a.txt", "gen\n")], force=True, decisions=decisions)
    assert load_decisions(tmp_path) == decisions and set(load_manifest(tmp_path)) == {"a.txt"}
    apply(tmp_path, [Artifact("a.txt", "gen\n")])  # a caller without a map keeps the recorded one
    assert load_decisions(tmp_path) == decisions
    changed = {"registry": {"decided": "ghcr", "files": [], "manual": []}}
    apply(tmp_path, [Artifact("a.txt", "gen\n")], decisions=changed)  # files unchanged, map rewritten
    assert load_decisions(tmp_path) == changed


def test_unchanged_generated_names_only_files_still_as_opsmith_wrote_them(tmp_path: Path) -> None:
    apply(tmp_path, [Artifact("Dockerfile", "FROM a:1\n"), Artifact("compose.yaml", "services: {}\n")])
    (tmp_path / "compose.yaml").write_text("services: {web: {image: mine:1}}\n")
    (tmp_path / "notes.txt").write_text("mine\n")
    assert unchanged_generated(tmp_path) == {"Dockerfile"}


@pytest.mark.parametrize(
    ("raw", "safe"),
    [("Shop API", "shop-api"), ("../../etc", "etc"), ("a/b\\c", "a-b-c"), ("", "app"), ("___", "app")],
)
def test_safe_name(raw: str, safe: str) -> None:
    assert safe_name(raw) == safe
