from __future__ import annotations

import os
from pathlib import Path

from deep_tree import nested_folders
from helpers import write_tree
from opsmith.audit.discovery import discover


def _listed(root: Path) -> list[str]:
    return [d.relpath for d in discover(root)]


def test_honours_gitignore_including_nested_and_negation(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".gitignore": "*.log\nbuild/\n!keep.log\n",
            "a.log": "x",
            "keep.log": "x",
            "build/Dockerfile": "FROM x",
            "svc/.gitignore": "secret.txt\n",
            "svc/secret.txt": "x",
            "svc/Dockerfile": "FROM x",
            "other/secret.txt": "x",
        },
    )
    listed = _listed(tmp_path)
    assert "a.log" not in listed and "keep.log" in listed
    assert "build/Dockerfile" not in listed
    assert "svc/secret.txt" not in listed and "other/secret.txt" in listed
    assert "svc/Dockerfile" in listed


def test_git_info_exclude_is_honoured(tmp_path: Path) -> None:
    write_tree(tmp_path, {".git/info/exclude": "local.yaml\n", "local.yaml": "a: 1", "b.yaml": "a: 1"})
    assert _listed(tmp_path) == ["b.yaml"]


def test_skips_dependency_vcs_and_build_output_folders(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "node_modules/pkg/Dockerfile": "FROM x",
            ".git/config": "x",
            "vendor/x/Dockerfile": "FROM x",
            "dist/Dockerfile": "FROM x",
            ".terraform/modules/m/main.tf": "x",
            "app/Dockerfile": "FROM x",
        },
    )
    assert _listed(tmp_path) == ["app/Dockerfile"]


def test_never_follows_symlinks_out_of_the_root(tmp_path: Path) -> None:
    outside = write_tree(tmp_path / "outside", {"Dockerfile": "FROM x", "dir/Dockerfile": "FROM x"})
    root = write_tree(tmp_path / "repo", {"Dockerfile": "FROM x"})
    os.symlink(outside / "Dockerfile", root / "linked.Dockerfile")
    os.symlink(outside / "dir", root / "linked-dir")
    os.symlink(root / "Dockerfile", root / "inside.Dockerfile")
    os.symlink(root, root / "loop")
    assert _listed(root) == ["Dockerfile", "inside.Dockerfile"]


def test_order_is_stable(tmp_path: Path) -> None:
    write_tree(tmp_path, {"b/Dockerfile": "x", "a/Dockerfile": "x", "c": "x"})
    assert _listed(tmp_path) == ["a/Dockerfile", "b/Dockerfile", "c"]


def test_depth_first_order_with_nested_ignores(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "a/b/.gitignore": "*.tmp\n",
            "a/b/x.tmp": "x",
            "a/b/y": "x",
            "a/c.tmp": "x",
            "a/z": "x",
            "b": "x",
        },
    )
    assert _listed(tmp_path) == ["a/b/.gitignore", "a/b/y", "a/c.tmp", "a/z", "b"]


def test_a_thousand_nested_folders_are_walked(tmp_path: Path) -> None:
    with nested_folders(tmp_path, 1000) as deep:
        (deep / "Dockerfile").write_text("FROM x")
        (tmp_path / "top.yaml").write_text("a: 1")
        assert _listed(tmp_path) == ["/".join(["d"] * 1000) + "/Dockerfile", "top.yaml"]


def test_ignore_files_that_are_fifos_or_devices_are_skipped_with_a_note(tmp_path: Path) -> None:
    write_tree(tmp_path, {"svc/Dockerfile": "FROM x", "Dockerfile": "FROM x"})
    os.mkfifo(tmp_path / ".gitignore")
    (tmp_path / ".git" / "info").mkdir(parents=True)
    (tmp_path / ".git" / "info" / "exclude").symlink_to("/dev/zero")
    (tmp_path / "svc" / ".gitignore").symlink_to("/dev/zero")
    notes: list[str] = []
    listed = [d.relpath for d in discover(tmp_path, notes=notes)]
    assert listed == ["Dockerfile", "svc/Dockerfile"]
    assert notes == [
        ".git/info/exclude: not read as an ignore file, a character device, not a regular file",
        ".gitignore: not read as an ignore file, a FIFO, not a regular file",
        "svc/.gitignore: not read as an ignore file, a character device, not a regular file",
    ]


def test_special_files_are_noted_but_ignored_ones_and_broken_links_are_not(tmp_path: Path) -> None:
    write_tree(tmp_path, {".gitignore": "*.sock\n", "app/keep.yaml": "a: 1"})
    os.mkfifo(tmp_path / "app" / "Dockerfile")
    os.mkfifo(tmp_path / "app" / "agent.sock")
    (tmp_path / "app" / "dangling").symlink_to(tmp_path / "missing")
    (tmp_path / "app" / "folder-link").symlink_to(tmp_path / "app")
    notes: list[str] = []
    assert [d.relpath for d in discover(tmp_path, notes=notes)] == [".gitignore", "app/keep.yaml"]
    assert notes == ["app/Dockerfile: skipped, a FIFO, not a regular file"]
