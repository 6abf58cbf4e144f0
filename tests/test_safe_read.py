"""Reading repository files: regular files only, never past the limit, never blocking."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from opsmith.safe_read import NotRegularFile, TooLarge, read_limited, read_text_limited


def test_a_regular_file_reads_whole_up_to_the_limit(tmp_path: Path) -> None:
    file = tmp_path / "Dockerfile"
    file.write_bytes(b"FROM alpine:3.20\n")
    assert read_limited(file, 17) == b"FROM alpine:3.20\n"
    assert read_text_limited(file, 100) == "FROM alpine:3.20\n"
    with pytest.raises(TooLarge) as exc:
        read_limited(file, 16)
    assert exc.value.size == 17 and "over the 16-byte limit" in exc.value.reason


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "compose.yaml"
    os.mkfifo(fifo)
    with pytest.raises(NotRegularFile) as exc:
        read_limited(fifo, 1024)
    assert exc.value.reason == "a FIFO, not a regular file"


def test_a_symlink_to_a_fifo_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / ".gitignore").symlink_to(tmp_path / "pipe")
    with pytest.raises(NotRegularFile):
        read_limited(tmp_path / ".gitignore", 1024)


def test_a_character_device_that_never_ends_is_refused(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").symlink_to("/dev/zero")
    with pytest.raises(NotRegularFile) as exc:
        read_limited(tmp_path / "Dockerfile", 1024)
    assert "character device" in exc.value.reason


def test_a_folder_and_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NotRegularFile, match="a folder"):
        read_limited(tmp_path, 1024)
    with pytest.raises(FileNotFoundError):
        read_limited(tmp_path / "missing", 1024)


def test_text_that_is_not_utf8_is_a_decode_error(tmp_path: Path) -> None:
    (tmp_path / "latin1.txt").write_bytes(b"caf\xe9\n")
    with pytest.raises(UnicodeDecodeError):
        read_text_limited(tmp_path / "latin1.txt", 100)
