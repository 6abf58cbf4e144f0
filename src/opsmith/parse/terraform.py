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
from opsmith.findings import Severity
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


# python-hcl2 reads what the fast reader refuses at 15-65 µs a token (measured here: its Lark parser
# and tree), seconds for a large file. Past what fits in the file's share of an audit (0.5 s plus
# 2 s per MB, at 50 µs a token), the file is reported unread instead, at info: the file may well be
# valid (a template directive in a large file), and a file built to stall the audit must not.
_SECONDS_PER_TOKEN = 50e-6
_TOKEN = re.compile(r'[\w.-]+|"[^"\n]*"|[^\s\w]')
# Nesting past which a file is not read: the fast reader stops at 170-500 levels (by kind and by
# the caller's stack), python-hcl2 at about 300, after seconds of work on a large file.
_MAX_DEPTH = 100
_TOO_DEEP = "blocks or expressions are nested too deeply to read"
_BRACKET = re.compile(r"[{}\[\]()]")


def parse(source: SourceFile) -> TerraformDoc | ParseFailure:
    # Imported here: both readers build this module's types.
    from opsmith.parse import terraform_reader

    try:
        blocks, attributes = terraform_reader.read(source.text)
    except terraform_reader.UnclosedHeredoc as exc:
        return ParseFailure(exc.message, exc.line, exc.column)
    except RecursionError:
        return nested_too_deeply(source.text) or ParseFailure(_TOO_DEEP, 1)  # the caller's stack was deep
    except terraform_reader.Unsupported:
        too_deep = nested_too_deeply(source.text)  # python-hcl2 would build its tree, then fail to walk it
        if too_deep is not None:
            return too_deep
        tokens = _fallback_tokens(source.text)
        if tokens is not None:
            return ParseFailure(
                f"not audited: too large to read in full ({tokens:,} tokens) with what it holds that only "
                "the slower reader reads (a template directive, a strip marker or a syntax error)",
                1,
                at_most=Severity.INFO,
            )
        from opsmith.parse import terraform_hcl2  # only for what the fast reader leaves

        return terraform_hcl2.parse(source)
    return TerraformDoc(source.relpath, blocks, attributes)


def _fallback_tokens(text: str) -> int | None:
    """The file's tokens when python-hcl2 would take longer than the file's budget; else None."""
    allowed = (0.5 + 2.0 * len(text) / 2**20) / _SECONDS_PER_TOKEN  # characters: at most the bytes
    if len(text) <= allowed:  # a token is at least a character
        return None
    tokens = sum(1 for _ in _TOKEN.finditer(text))
    return tokens if tokens > allowed else None


def nested_too_deeply(text: str) -> ParseFailure | None:
    """TF012 at the line where brackets first open more than `_MAX_DEPTH` deep; None if they never do."""
    depth = 0
    for match in _BRACKET.finditer(text):
        depth += 1 if match.group() in "{[(" else -1
        if depth > _MAX_DEPTH:
            return ParseFailure(_TOO_DEEP, text.count("\n", 0, match.start()) + 1)
    return None


def literal_strings(values: Sequence[Expr]) -> list[str]:
    """The string literals among expressions (references and templates are skipped)."""
    return [v.string for v in values if v.string is not None]
