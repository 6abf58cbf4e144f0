"""The analysis view of a repository: every file found however deep, special files never read."""

from __future__ import annotations

import os
from pathlib import Path

from deep_tree import nested_folders
from opsmith.analysis import analyze
from opsmith.analysis.tree import MAX_READ, Tree


def test_files_under_a_thousand_folders_are_found(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"name": "top"}')
    with nested_folders(tmp_path, 1000) as deep:
        (deep / "requirements.txt").write_text("flask\n")
        tree = Tree(tmp_path)
        bottom = "/".join(["d"] * 1000) + "/requirements.txt"
        assert tree.files == [bottom, "package.json"]
        assert tree.read(bottom).text == "flask\n"  # type: ignore[union-attr]
        assert [s.path for s in analyze(tmp_path).services] == ["/".join(["d"] * 1000)]


def test_fifos_devices_and_huge_files_read_as_nothing(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"name": "app", "scripts": {"start": "node index.js"}}')
    os.mkfifo(tmp_path / "go.mod")
    (tmp_path / ".gitignore").symlink_to("/dev/zero")
    (tmp_path / "big.txt").write_bytes(b"x" * (MAX_READ + 1))
    tree = Tree(tmp_path, ["package.json", "go.mod", ".gitignore", "big.txt"])
    assert tree.read("go.mod") is None and tree.read(".gitignore") is None and tree.read("big.txt") is None
    assert [s.name for s in analyze(tmp_path).services] == ["app"]
