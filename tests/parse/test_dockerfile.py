from __future__ import annotations

import pytest

from opsmith.audit.source import SourceFile
from opsmith.parse.dockerfile import DockerfileDoc, parse, substitute
from opsmith.parse.errors import ParseFailure
from opsmith.parse.image import image_ref


def _doc(text: str) -> DockerfileDoc:
    result = parse(SourceFile("Dockerfile", text))
    assert isinstance(result, DockerfileDoc), result
    return result


def test_stages_args_and_parents() -> None:
    doc = _doc(
        "ARG BASE=python\nARG TAG=3.12\nFROM ${BASE}:${TAG}-slim AS Build\nRUN echo a\n"
        "FROM build AS test\nFROM --platform=linux/amd64 alpine:3.20\n"
    )
    build, test, last = doc.stages
    assert build.resolved_image == "python:3.12-slim" and build.name == "build"
    assert test.parent is build and test.line == 5
    assert last.platform == "linux/amd64" and doc.final is last
    assert [i.cmd for i in build.instructions] == ["RUN"]
    assert doc.global_args == {"BASE": "python", "TAG": "3.12"}


def test_line_continuations_and_heredocs_keep_lines() -> None:
    doc = _doc(
        "FROM a:1\nRUN apt-get update && \\\n    apt-get install -y x\n"
        'RUN <<EOF\nset -e\necho hi\nEOF\nCMD ["x"]\n'
    )
    run1, run2, cmd = doc.stages[0].instructions
    assert (run1.line, run1.end_line) == (2, 3)
    assert run2.heredocs == ("set -e\necho hi\n",) and "echo hi" in run2.script
    assert cmd.json and cmd.line == 8


def test_escape_directive() -> None:
    doc = _doc("# escape=`\nFROM a:1\nRUN dir `\n  c:\\\n")
    assert doc.escape == "`"
    assert doc.stages[0].instructions[0].line == 3


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("FROM a:1\nBOGUS x\n", 2, "unknown instruction"),
        ("RUN x\nFROM a:1\n", 1, "before the first FROM"),
        ("FROM a:1 AS x\nFROM b:1 AS x\n", 2, "duplicate stage name"),
        ("FROM a:1 AS x y\n", 1, "FROM takes"),
        ("FROM a:1\nCOPY --bogus=1 a b\n", 2, "unknown flag --bogus"),
        ("FROM a:1\nHEALTHCHECK CURL x\n", 2, "CMD or NONE"),
        ("FROM a:1\nSHELL /bin/bash -c\n", 2, "JSON form"),
        ("FROM a:1\nONBUILD FROM b\n", 2, "ONBUILD"),
        ("FROM a:1\n\n\nENV LONELY\n", 4, "ENV"),
        ("ARG X=1\n", 1, "no FROM"),
    ],
)
def test_instructions_docker_would_refuse(text: str, line: int, message: str) -> None:
    result = parse(SourceFile("Dockerfile", text))
    assert isinstance(result, ParseFailure)
    assert result.line == line and message in result.message


def test_substitute() -> None:
    args = {"A": "1", "EMPTY": "", "NODEF": None}
    assert substitute("x:${A}", args) == "x:1"
    assert substitute("x:$A-y", args) == "x:1-y"
    assert substitute("x:${EMPTY:-2}", args) == "x:2"
    assert substitute("x:${A:+set}", args) == "x:set"
    assert substitute("x:${NODEF}", args) is None
    assert substitute("x:${MISSING:-3}", args) == "x:3"


@pytest.mark.parametrize(
    ("ref", "name", "tag", "digest"),
    [
        ("node", "node", None, None),
        ("node:22", "node", "22", None),
        ("localhost:5000/team/app", "localhost:5000/team/app", None, None),
        ("localhost:5000/team/app:1.2", "localhost:5000/team/app", "1.2", None),
        ("python:3.12@sha256:abc", "python", "3.12", "sha256:abc"),
        ("GHCR.io/Org/App", "ghcr.io/org/app", None, None),
    ],
)
def test_image_ref(ref: str, name: str, tag: str | None, digest: str | None) -> None:
    parsed = image_ref(ref)
    assert (parsed.name, parsed.tag, parsed.digest) == (name, tag, digest)
