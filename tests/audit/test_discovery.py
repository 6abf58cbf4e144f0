from __future__ import annotations

import os
from pathlib import Path

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
