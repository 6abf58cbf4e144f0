"""The BuildKit parser wrapper gives back what it parses to the garbage collector."""

from __future__ import annotations

import gc
import sys
import uuid

import dockerfile
import pytest

from opsmith.parse import buildkit


def _text() -> str:
    tag = uuid.uuid4().hex
    return f"FROM --platform=linux/{tag} base-{tag} AS b\nRUN <<EOF\necho {tag}\nEOF\n"


def test_fields_hold_only_the_references_of_their_command() -> None:
    command = buildkit.parse_string(_text())[0]
    original = command.original
    # The namedtuple, this name and getrefcount's argument: nothing kept by the package.
    assert sys.getrefcount(original) == 3


def test_heredoc_bodies_are_freed_with_their_commands() -> None:
    commands = buildkit.parse_string(_text())
    body = commands[1].heredocs[0].content
    del commands
    gc.collect()
    # Only this name and getrefcount's argument are left once the commands are gone.
    assert sys.getrefcount(body) == 2


def test_the_package_alone_still_leaks_so_the_wrapper_is_needed() -> None:
    # When a release of `dockerfile` fixes the leak, the wrapper stops compensating by itself
    # (it probes at import); this test then tells us to drop the wrapper.
    command = dockerfile.parse_string(_text())[0]
    original = command.original
    assert sys.getrefcount(original) == 4


def test_parse_errors_pass_through() -> None:
    with pytest.raises(buildkit.GoParseError, match="heredoc"):
        buildkit.parse_string("FROM x\nRUN <<EOF\n")
