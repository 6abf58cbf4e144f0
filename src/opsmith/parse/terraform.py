"""Terraform (`.tf`) files as typed blocks, attributes and expressions with 1-based lines.

Parsed with python-hcl2's Lark grammar. Its dict serialisation drops source positions in the 8.x
series (`SerializationOptions.with_meta` is accepted but never applied), so this module walks the
raw Lark tree (`hcl2.parses_to_tree`, built with `propagate_positions`) and keeps the line of
every block, attribute and expression. Expressions are kept as a small tree: literals with their
Python value, quoted templates, tuples, objects, function calls, and everything else (references,
operators, conditionals, `for` expressions) as `ref` with its source text.

hcl2 imports Lark, which is slow to import: it is imported on the first `parse()`, so an audit of
a repository without `.tf` files never pays for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

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
        if isinstance(self.value, str) and re.fullmatch(r"-?\d+", self.value.strip()):
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
    import hcl2
    from lark.exceptions import LarkError, UnexpectedInput

    text = source.text
    try:
        tree = hcl2.parses_to_tree(text)
    except UnexpectedInput as exc:
        return _failure(exc, text)
    except (LarkError, RuntimeError, ValueError) as exc:  # the post-lexer and heredoc handling
        return ParseFailure(f"cannot read the configuration: {exc}", _last_line(text))
    try:
        blocks, attributes = _Builder(text).body(tree.children[0])
    except _Invalid as exc:
        return ParseFailure(exc.message, exc.line)
    except RecursionError:
        return ParseFailure("expressions are nested too deeply to read", 1)
    return TerraformDoc(source.relpath, blocks, attributes)


class _Invalid(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


_TOKEN_NAMES = {
    "RBRACE": "`}`",
    "LBRACE": "`{`",
    "RSQB": "`]`",
    "LSQB": "`[`",
    "RPAR": "`)`",
    "LPAR": "`(`",
    "EQ": "`=`",
    "COMMA": "`,`",
    "DBLQUOTE": '`"`',
    "NAME": "a name",
    "NL_OR_COMMENT": "a new line",
}


_VALUE_STARTS = frozenset({"INT_LITERAL", "FLOAT_LITERAL", "HEREDOC_TEMPLATE"})


def _failure(exc: Any, text: str) -> ParseFailure:
    line = getattr(exc, "line", None)
    column = getattr(exc, "column", None)
    if not isinstance(line, int) or line < 1:
        line = _last_line(text)
        column = None
    token = getattr(exc, "token", None)
    if token is not None and getattr(token, "type", "") == "$END":
        opened = unclosed(text)
        if opened is not None:
            return ParseFailure(f"`{opened[1]}` opened here is never closed", opened[0])
        return ParseFailure("unexpected end of file: a string or heredoc is not closed", _last_line(text))
    expected_types = set(getattr(exc, "expected", ()) or ())
    if token is not None:
        shown = str(token).split("\n", 1)[0].strip()[:30]
        what = f"`{shown}`" if shown else "end of line"
    else:
        what = f"`{getattr(exc, 'char', '?')}`"
    message = f"unexpected {what}"
    if expected_types & _VALUE_STARTS:
        message += " (expected a value)"
    else:
        names = sorted(_TOKEN_NAMES[t] for t in expected_types if t in _TOKEN_NAMES)
        if names:
            message += f" (expected {' or '.join(names[:4])})"
    return ParseFailure(message, min(line, _last_line(text)), column if isinstance(column, int) else None)


_CLOSERS = {"{": "}", "[": "]", "(": ")"}


def unclosed(text: str) -> tuple[int, str] | None:
    """(line, bracket) of the first bracket never closed, skipping strings, comments and heredocs;
    None when every bracket is closed."""
    stack: list[tuple[int, str]] = []  # open brackets; "${" marks an interpolation inside a string
    in_string = False
    line, i, size = 1, 0, len(text)
    while i < size:
        char = text[i]
        if char == "\n":
            line += 1
        if in_string:
            if char == "\\":
                i += 1
                line += text.startswith("\n", i)
            elif char == '"':
                in_string = False
            elif text.startswith(("${", "%{"), i) and not text.startswith(("$${", "%%{"), i - 1):
                stack.append((line, "${"))
                in_string = False
                i += 1
            i += 1
            continue
        if char == '"':
            in_string = True
        elif char == "#" or text.startswith("//", i):
            end = text.find("\n", i)
            i = size if end < 0 else end
            continue
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = size if end < 0 else end + 2
            line += text.count("\n", i, end)
            i = end
            continue
        elif text.startswith("<<", i):
            match = re.match(r"<<-?([A-Za-z][\w.-]*)\r?\n", text[i:])
            if match:
                close = re.compile(rf"^[ \t]*{re.escape(match.group(1))}[ \t]*\r?$", re.MULTILINE)
                found = close.search(text, i + match.end())
                end = size if found is None else found.end()
                line += text.count("\n", i, end)
                i = end
                continue
        elif char in _CLOSERS:
            stack.append((line, char))
        elif char in ")]}" and stack:
            opened = stack.pop()
            if opened[1] == "${":
                in_string = True
        i += 1
    first = next(((ln, b) for ln, b in stack if b != "${"), None)
    return first


def _last_line(text: str) -> int:
    return max(1, len(text.splitlines()))


_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def _unescape(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "uU" and len(code) > 1:
            try:
                return chr(int(code[1:], 16))
            except (ValueError, OverflowError):
                return match.group(0)
        return _SIMPLE_ESCAPES.get(code, match.group(0))

    return _ESCAPE.sub(one, text)


_HEREDOC = re.compile(r"^<<-?([A-Za-z][A-Za-z0-9._-]*)\r?\n(.*?)[ \t]*\1\r?\n?$", re.DOTALL)


class _Builder:
    """Turns the Lark tree into Blocks and Exprs, reading source text by position."""

    def __init__(self, text: str) -> None:
        self.text = text

    # structure ------------------------------------------------------------------------------
    def body(self, node: Any) -> tuple[list[Block], dict[str, Attribute]]:
        blocks: list[Block] = []
        attributes: dict[str, Attribute] = {}
        for child in _trees(node):
            if child.data == "attribute":
                name_node, value_node = _trees(child)[0], _trees(child)[-1]
                name = self.name(name_node)
                line = child.meta.line
                if name in attributes:
                    raise _Invalid(
                        f"attribute `{name}` is defined twice (first at line {attributes[name].line})",
                        line,
                    )
                attributes[name] = Attribute(name, self.expr(value_node), line)
            elif child.data == "block":
                blocks.append(self.block(child))
        return blocks, attributes

    def block(self, node: Any) -> Block:
        parts = _trees(node)
        body_node = next(p for p in parts if p.data == "body")
        names = [self.name(p) for p in parts if p.data not in ("body", "new_line_or_comment")]
        blocks, attributes = self.body(body_node)
        return Block(names[0], tuple(names[1:]), node.meta.line, node.meta.end_line, attributes, blocks)

    def name(self, node: Any) -> str:
        """An identifier, keyword or literal used as a name, or a quoted label."""
        if node.data == "string":
            return self.string_text(node) or ""
        return "".join(str(tok) for tok in _tokens(node))

    # expressions ----------------------------------------------------------------------------
    def expr(self, node: Any) -> Expr:
        if not hasattr(node, "data"):  # a bare token
            return Expr("ref", node.line, str(node))
        line = node.meta.line
        source = self.text[node.meta.start_pos : node.meta.end_pos]
        data = node.data
        if data == "expr_term":
            inner = _trees(node)
            parenthesised = any(getattr(t, "type", "") == "LPAR" for t in node.children)
            if len(inner) == 1 and not parenthesised:
                return self.expr(inner[0])
            if parenthesised:
                inner = [t for t in inner if t.data != "new_line_or_comment"]
                if len(inner) == 1:
                    return self.expr(inner[0])
            return Expr("ref", line, source)
        if data in ("int_lit", "float_lit"):
            raw = str(node.children[0])
            number: int | float = float(raw) if data == "float_lit" else int(raw)
            return Expr("literal", line, source, number)
        if data == "literal_value":
            word = str(node.children[0])
            return Expr("literal", line, source, {"true": True, "false": False}.get(word))
        if data == "string":
            text = self.string_text(node)
            if text is None:
                return Expr("template", line, source)
            return Expr("literal", line, source, text)
        if data in ("heredoc_template", "heredoc_template_trim"):
            return self.heredoc(node, line, source, trim=data.endswith("trim"))
        if data == "tuple":
            return Expr("tuple", line, source, items=tuple(self.expr(c) for c in _values(node)))
        if data == "object":
            return Expr("object", line, source, entries=tuple(self.entry(c) for c in _values(node)))
        if data == "function_call":
            parts = _trees(node)
            names = [self.name(p) for p in parts if p.data == "identifier"]
            args = next((p for p in parts if p.data == "arguments"), None)
            items = tuple(self.expr(c) for c in _values(args)) if args is not None else ()
            return Expr("call", line, source, items=items, name="::".join(names))
        if data == "unary_op":
            inner_expr = self.expr(_trees(node)[0])
            op = str(node.children[0])
            value = inner_expr.value
            if op == "-" and isinstance(value, int | float) and not isinstance(value, bool):
                return Expr("literal", line, source, -value)
        return Expr("ref", line, source)

    def entry(self, node: Any) -> tuple[str, Expr]:
        key_node, value_node = _trees(node)[0], _trees(node)[-1]
        key_expr = _trees(key_node)[0] if key_node.data == "object_elem_key" else key_node
        key = self.key_text(key_expr)
        return key, self.expr(value_node)

    def key_text(self, node: Any) -> str:
        if node.data == "keyword":
            return self.name(node)
        expr = self.expr(node)
        if expr.string is not None:
            return expr.string
        return expr.source.strip()

    def string_text(self, node: Any) -> str | None:
        """The value of a quoted string, or None when it interpolates or has directives."""
        out: list[str] = []
        for part in _trees(node):
            inner = part.children[0] if part.children else None
            kind = getattr(inner, "type", None)
            if kind == "STRING_CHARS":
                out.append(_unescape(str(inner)))
            elif kind in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
                out.append(str(inner)[1:])
            else:
                return None
        return "".join(out)

    def heredoc(self, node: Any, line: int, source: str, *, trim: bool) -> Expr:
        match = _HEREDOC.match(str(node.children[0]))
        body = match.group(2) if match else ""
        if re.search(r"(?<![$%])[$%]\{", body):
            return Expr("template", line, source)
        body = body.replace("$${", "${").replace("%%{", "%{")
        if trim:
            lines = body.split("\n")
            indents = [len(x) - len(x.lstrip()) for x in lines if x.strip()]
            cut = min(indents, default=0)
            body = "\n".join(x[cut:] for x in lines)
        return Expr("literal", line, source, body)


def _trees(node: Any) -> list[Any]:
    return [c for c in node.children if hasattr(c, "data")]


def _tokens(node: Any) -> list[Any]:
    return [c for c in node.children if not hasattr(c, "data")]


def _values(node: Any) -> list[Any]:
    return [c for c in _trees(node) if c.data != "new_line_or_comment"]


def literal_strings(values: Sequence[Expr]) -> list[str]:
    """The string literals among expressions (references and templates are skipped)."""
    return [v.string for v in values if v.string is not None]
