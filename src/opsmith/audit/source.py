"""One file as the engine reads it: decoded text, its lines, and shared parse products."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

from opsmith.parse.errors import ParseFailure


class BinaryFile(Exception):
    """The file holds NUL bytes: it is not text, whatever its name says."""


def decode(data: bytes) -> str:
    """Text as tools read it: UTF-8 (BOM dropped); other encodings decoded without failing."""
    if b"\x00" in data[:8192]:
        raise BinaryFile
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace")


class SourceFile:
    """A discovered file. `relpath` is relative to the scanned root with '/' separators."""

    def __init__(self, relpath: str, text: str, abspath: Path | None = None) -> None:
        self.relpath = relpath
        self.text = text
        self.abspath = abspath

    @property
    def name(self) -> str:
        return self.relpath.rsplit("/", 1)[-1]

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    @cached_property
    def yaml(self) -> list[Any] | ParseFailure:
        """The YAML documents, parsed once however many families read them."""
        from opsmith.parse.kubernetes_crd import without_schema_bodies
        from opsmith.parse.yaml_tree import load_documents

        return load_documents(without_schema_bodies(self.text))
