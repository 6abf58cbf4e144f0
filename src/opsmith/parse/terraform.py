"""Terraform (`.tf`) files as typed blocks, attributes and expressions with 1-based lines.

Expressions are kept as a small tree: literals with their Python value, quoted templates, tuples,
objects, function calls, and everything else (references, operators, conditionals, `for`
expressions) as `ref` with its source text.

Two readers build these types. `terraform_reader` is a purpose-built reader for the shapes real
configurations use; python-hcl2 (`terraform_hcl2`) is the reference, and reads whatever the fast
reader stops at: rare constructs and every syntax error, whose message it words. Tests keep the
two in agreement on every Terraform file in the repository and on thousands of mutations of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from opsmith.audit.source import SourceFile
from opsmith.parse.errors import ParseFailure

Scalar = str | int | float | bool | None
ExprKind = Literal["literal", "template", "tuple", "object", "call", "ref"]


@dataclass(frozen=True)
class Expr:
    """One HCL expression. `value` is set for literals; `items` holds tuple elements or call
    arguments; `entries` holds object entries (key text, unquoted)."""

    kind: ExprKind
    line: int
    source: str
    value: Scalar = None
    items: tuple[Expr, ...] = ()
    entries: tuple[tuple[str, Expr], ...] = ()
    name: str = ""  # function name of a call

    @property
    def string(self) -> str | None:
        """The text of a string literal (quoted or heredoc, no interpolation)."""
        return self.value if self.kind == "literal" and isinstance(self.value, str) else None

    def get(self, key: str) -> Expr | None:
        """An object entry by key."""
        return next((value for k, value in self.entries if k == key), None)

    def truthy(self) -> bool:
        """`true` (or the string "true", which Terraform converts)."""
        return self.kind == "literal" and (self.value is True or self.value == "true")

    def number(self) -> int | None:
        """An integer literal (or a string holding one, which Terraform converts)."""
        if self.kind != "literal" or isinstance(self.value, bool):
            return None
        if isinstance(self.value, int):
            return self.value
        if isinstance(self.value, str) and re.fullmatch(r"-?[0-9]{1,4000}", self.value.strip()):
            return int(self.value)
        return None

    def strings(self) -> list[str]:
        """The string literals of a tuple (or of a single string)."""
        if self.kind == "tuple":
            return [s for s in (item.string for item in self.items) if s is not None]
        return [self.string] if self.string is not None else []

    def walk(self) -> Iterator[Expr]:
        """This expression and every expression nested in it."""
        yield self
        for item in self.items:
            yield from item.walk()
        for _, value in self.entries:
            yield from value.walk()


@dataclass(frozen=True)
class Attribute:
    name: str
    value: Expr
    line: int


@dataclass
class Block:
    type: str
    labels: tuple[str, ...]
    line: int
    end_line: int
    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The first label (`"aws"` of `provider "aws"`), or ''."""
        return self.labels[0] if self.labels else ""

    @property
    def address(self) -> str:
        return ".".join(self.labels)

    def value(self, name: str) -> Expr | None:
        attr = self.attributes.get(name)
        return attr.value if attr else None

    def line_of(self, name: str) -> int:
        """The line of an attribute, or of the block when it is absent."""
        attr = self.attributes.get(name)
        return attr.line if attr else self.line

    def of(self, *types: str) -> list[Block]:
        return [b for b in self.blocks if b.type in types]


@dataclass
class TerraformDoc:
    path: str
    blocks: list[Block]
    attributes: dict[str, Attribute] = field(default_factory=dict)  # top level (tfvars style)

    def of(self, *types: str) -> list[Block]:
        return [b for b in self.blocks if b.type in types]

    def resources(self) -> list[Block]:
        """`resource "type" "name"` blocks with both labels."""
        return [b for b in self.of("resource") if len(b.labels) >= 2]

    @property
    def settings(self) -> list[Block]:
        """The `terraform {}` blocks."""
        return self.of("terraform")


def parse(source: SourceFile) -> TerraformDoc | ParseFailure:
    # Imported here: both readers build this module's types.
    from opsmith.parse import terraform_reader

    try:
        blocks, attributes = terraform_reader.read(source.text)
    except terraform_reader.UnclosedHeredoc as exc:
        return ParseFailure(exc.message, exc.line, exc.column)
    except (terraform_reader.Unsupported, RecursionError):
        from opsmith.parse import terraform_hcl2  # only for what the fast reader leaves

        return terraform_hcl2.parse(source)
    return TerraformDoc(source.relpath, blocks, attributes)


def literal_strings(values: Sequence[Expr]) -> list[str]:
    """The string literals among expressions (references and templates are skipped)."""
    return [v.string for v in values if v.string is not None]
