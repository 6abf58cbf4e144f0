"""The writer: atomic, umask-respecting, symlink-aware, and one-line errors on failure."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from fs_limits import files_limited_to, read_only
from opsmith.writer import UnsafePath, WriteError, repository_target, write_atomic, write_output


@pytest.fixture
def umask_027() -> Iterator[None]:
    old = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_files_follow_the_umask(tmp_path: Path, umask_027: None) -> None:
    write_atomic(tmp_path / "a.txt", "a\n")
    write_atomic(tmp_path / "bin" / "run.sh", "echo\n", executable=True)
    assert _mode(tmp_path / "a.txt") == 0o640
    assert _mode(tmp_path / "bin" / "run.sh") == 0o750


def test_replaced_files_keep_their_mode(tmp_path: Path, umask_027: None) -> None:
    file = tmp_path / "a.txt"
    file.write_text("old\n")
    file.chmod(0o604)
    write_atomic(file, "new\n")
    assert file.read_text() == "new\n" and _mode(file) == 0o604
    write_atomic(file, "#!/bin/sh\n", executable=True)  # x added where r is allowed
    assert _mode(file) == 0o705


def test_a_symlink_has_its_target_replaced_not_the_link(tmp_path: Path) -> None:
    (tmp_path / "real.txt").write_text("old\n")
    (tmp_path / "link.txt").symlink_to("real.txt")
    write_atomic(tmp_path / "link.txt", "new\n")
    assert (tmp_path / "link.txt").is_symlink()
    assert (tmp_path / "real.txt").read_text() == "new\n"


def test_a_read_only_folder_is_a_one_line_error(tmp_path: Path) -> None:
    folder = tmp_path / "repo"
    folder.mkdir()
    (folder / "kept.txt").write_text("mine\n")
    with read_only(folder), pytest.raises(WriteError) as exc:
        write_atomic(folder / "kept.txt", "theirs\n")
    assert str(exc.value).startswith(f"cannot write {folder / 'kept.txt'}: ")
    assert "\n" not in str(exc.value)
    assert sorted(p.name for p in folder.iterdir()) == ["kept.txt"]
    assert (folder / "kept.txt").read_text() == "mine\n"


def test_a_full_disk_leaves_the_old_file_whole(tmp_path: Path) -> None:
    file = tmp_path / "report.txt"
    file.write_text("old\n")
    script = (
        "import sys\nfrom pathlib import Path\nfrom opsmith.writer import WriteError, write_atomic\n"
        "try:\n    write_atomic(Path(sys.argv[1]), 'x' * 100_000)\n"
        "except WriteError as exc:\n    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(file)],
        capture_output=True,
        text=True,
        preexec_fn=files_limited_to(1024),
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"cannot write {file}: File too large"
    assert file.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.txt"]


def test_output_writes_through_a_character_device(tmp_path: Path) -> None:
    before = os.stat("/dev/null")
    write_output(Path("/dev/null"), "report\n")
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev and after.st_ino == before.st_ino
    with pytest.raises(WriteError, match="No space left on device"):
        write_output(Path("/dev/full"), "report\n")


def test_output_writes_through_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    write_output(fifo, "report\n")
    reader.join(timeout=10)
    assert received == [b"report\n"] and stat.S_ISFIFO(fifo.stat().st_mode)


def test_output_through_a_symlink_and_into_a_new_folder(tmp_path: Path) -> None:
    (tmp_path / "real.json").write_text("{}")
    (tmp_path / "out.json").symlink_to("real.json")
    write_output(tmp_path / "out.json", "[1]")
    assert (tmp_path / "out.json").is_symlink() and (tmp_path / "real.json").read_text() == "[1]"
    write_output(tmp_path / "new" / "report.txt", "x")
    assert (tmp_path / "new" / "report.txt").read_text() == "x"


def test_output_refuses_a_folder_and_a_path_under_a_file(tmp_path: Path) -> None:
    with pytest.raises(WriteError, match="it is a folder"):
        write_output(tmp_path, "x")
    (tmp_path / "file").write_text("")
    with pytest.raises(WriteError, match="cannot write"):
        write_output(tmp_path / "file" / "report.txt", "x")


def test_repository_targets_stay_inside(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "docs-real").mkdir(parents=True)
    (repo / "docs").symlink_to("docs-real")
    (repo / ".opsmith").symlink_to(tmp_path)
    assert (
        repository_target(repo, "docs/infrastructure.md")
        == (repo / "docs-real" / "infrastructure.md").resolve()
    )
    with pytest.raises(UnsafePath, match="resolves outside the repository"):
        repository_target(repo, ".opsmith/generated.json")
    with pytest.raises(UnsafePath, match="not a path inside"):
        repository_target(repo, "../x")
