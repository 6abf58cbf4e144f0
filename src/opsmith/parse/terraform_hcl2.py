"""Terraform read with python-hcl2's Lark grammar: the reference reader.

`terraform_reader` reads the common shapes of HCL much faster; whatever it does not read (template
directives, strip markers, syntax errors) comes here. python-hcl2's dict serialisation drops source
positions in the 8.x series, so this walks the raw Lark tree (`hcl2.parses_to_tree`, built with
`propagate_positions`) and keeps the line of every block, attribute and expression. It also words
the parse errors (TF012): the line, what was found and what was expected.

hcl2 imports Lark, which is slow to import: it is imported on the first call, so an audit whose
Terraform the fast reader reads never pays for it.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from opsmith.audit.source import SourceFile
from opsmith.parse.errors import ParseFailure
from opsmith.parse.hcl_text import heredoc_value, last_line, number_value, unescape
from opsmith.parse.terraform import Attribute, Block, Expr, TerraformDoc, nested_too_deeply


def parse(source: SourceFile) -> TerraformDoc | ParseFailure:
    from lark.exceptions import LarkError, UnexpectedInput

    text = source.text
    try:
        tree = _parser().parse(text + "\n")  # as `hcl2.parses_to_tree`: the grammar wants a last newline
    except UnexpectedInput as exc:
        return _failure(exc, text)
    except (LarkError, RuntimeError, ValueError) as exc:  # the post-lexer and heredoc handling
        return ParseFailure(f"cannot read the configuration: {exc}", last_line(text))
    try:
        blocks, attributes = _Builder(text).body(tree.children[0])
    except _Invalid as exc:
        return ParseFailure(exc.message, exc.line)
    except RecursionError:
        return nested_too_deeply(text) or ParseFailure("expressions are nested too deeply to read", 1)
    return TerraformDoc(source.relpath, blocks, attributes)


@cache
def _parser() -> Any:
    """python-hcl2's parser, with the text of a quoted string matched possessively (`(...)++`).

    Its STRING_CHARS terminal is `(?:...)+`, for which Python's regex engine keeps a backtracking
    entry per repetition: about 200 bytes for each character of a string, 180 MB for a string left
    open before 800 KB of text. Nothing follows the group inside the terminal, so the possessive
    form matches exactly the same text and keeps no entries. Changed before the parser's first use,
    when Lark builds its scanners from these terminals.
    """
    from hcl2.parser import parser

    lark = parser()
    for terminal in lark.terminals:
        if terminal.name == "STRING_CHARS" and terminal.pattern.value.endswith(")+"):
            terminal.pattern.value += "+"
    return lark


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
        line = last_line(text)
        column = None
    token = getattr(exc, "token", None)
    if token is not None and getattr(token, "type", "") == "$END":
        opened = unclosed(text)
        if opened is not None:
            return ParseFailure(f"`{opened[1]}` opened here is never closed", opened[0])
        return ParseFailure("unexpected end of file: a string or heredoc is not closed", last_line(text))
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
    return ParseFailure(message, min(line, last_line(text)), column if isinstance(column, int) else None)


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
        source = self.text[node.meta.start_pos : _end(node)]
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
            return Expr("literal", line, source, number_value(raw, is_float=data == "float_lit"))
        if data == "literal_value":
            word = str(node.children[0])
            return Expr("literal", line, source, {"true": True, "false": False}.get(word))
        if data == "string":
            text = self.string_text(node)
            if text is None:
                return Expr("template", line, source)
            return Expr("literal", line, source, text)
        if data in ("heredoc_template", "heredoc_template_trim"):
            text = heredoc_value(str(node.children[0]))
            return Expr("template", line, source) if text is None else Expr("literal", line, source, text)
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
                out.append(unescape(str(inner)))
            elif kind in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
                out.append(str(inner)[1:])
            else:
                return None
        return "".join(out)


def _trees(node: Any) -> list[Any]:
    return [c for c in node.children if hasattr(c, "data")]


def _tokens(node: Any) -> list[Any]:
    return [c for c in node.children if not hasattr(c, "data")]


def _values(node: Any) -> list[Any]:
    return [c for c in _trees(node) if c.data != "new_line_or_comment"]


def _end(node: Any) -> int:
    """Where an expression ends. The grammar lets a binary operation swallow the line break and
    comment after it; the expression's text stops before them."""
    children = list(node.children)
    while children and getattr(children[-1], "data", None) == "new_line_or_comment":
        children.pop()
    if not children:
        return int(node.meta.end_pos)
    last = children[-1]
    return _end(last) if hasattr(last, "data") else int(last.end_pos)
