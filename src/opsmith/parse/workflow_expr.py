"""GitHub Actions expressions (`${{ ... }}`): found in strings, parsed into a small tree.

The grammar is GitHub's: literals (`'text'` with `''` for a quote, numbers, `true`, `false`,
`null`), contexts with property access (`github.event.issue.title`, `needs['build'].result`,
`github.event.commits.*.message`), function calls, `!`, comparisons, `==`/`!=`, `&&` and `||`
(which return one of their operands, not a boolean).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

CONTEXTS = frozenset(
    {
        "github",
        "env",
        "vars",
        "job",
        "jobs",
        "steps",
        "runner",
        "secrets",
        "strategy",
        "matrix",
        "needs",
        "inputs",
    }
)
# name -> (fewest arguments, most arguments or None for any number)
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "contains": (2, 2),
    "startswith": (2, 2),
    "endswith": (2, 2),
    "format": (1, None),
    "join": (1, 2),
    "tojson": (1, 1),
    "fromjson": (1, 1),
    "hashfiles": (1, None),
    "success": (0, 0),
    "always": (0, 0),
    "cancelled": (0, 0),
    "failure": (0, 0),
    "case": (3, None),
}

_TOKEN = re.compile(
    r"""(?P<space>\s+)
    |(?P<string>'(?:[^']|'')*')
    |(?P<number>-?(?:0x[0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?))
    |(?P<name>[A-Za-z_][A-Za-z0-9_-]*)
    |(?P<op>==|!=|<=|>=|&&|\|\||[<>!()\[\].,*])
    """,
    re.VERBOSE,
)
_KEYWORDS = {"true": True, "false": False, "null": None}
# GitHub's runner refuses an expression nested deeper than this (ExpressionConstants.MaxDepth); the
# parser recurses several frames per level, so the bound also keeps it off Python's stack limit.
MAX_DEPTH = 50


class ExpressionError(Exception):
    def __init__(self, message: str, offset: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass(frozen=True)
class Literal:
    value: object


@dataclass(frozen=True)
class ContextRef:
    """`github.event.issue.title` -> ("github", "event", "issue", "title"), lower-cased; indexes
    that are not string literals (`commits[0]`, `.*`) become "*"."""

    path: tuple[str, ...]

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True)
class Call:
    name: str  # lower-cased
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Unary:
    op: str
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Access:
    """Property access on something that is not a context (`fromJSON(x).name`)."""

    base: Node
    key: str


Node = Literal | ContextRef | Call | Unary | Binary | Access


@dataclass(frozen=True)
class Found:
    """One `${{ ... }}` in a string: where it starts and ends, and its inner text."""

    start: int
    end: int  # just past `}}`, or the end of the string when it is not closed
    inner: str
    closed: bool


def find_expressions(text: str) -> list[Found]:
    """Every `${{ ... }}` in `text`; `}}` inside a string literal does not close one."""
    out: list[Found] = []
    start = text.find("${{")
    while start != -1:
        pos, in_string = start + 3, False
        while pos < len(text):
            char = text[pos]
            if char == "'":
                in_string = not in_string
            elif not in_string and text.startswith("}}", pos):
                break
            pos += 1
        if pos >= len(text):
            out.append(Found(start, len(text), text[start + 3 :], closed=False))
            break
        out.append(Found(start, pos + 2, text[start + 3 : pos], closed=True))
        start = text.find("${{", pos + 2)
    return out


def parse_expression(text: str) -> Node:
    """The tree of one expression (the text between `${{` and `}}`); ExpressionError if invalid."""
    tokens = list(_tokens(text))
    if not tokens:
        raise ExpressionError("the expression is empty", 0)
    parser = _Parser(tokens, len(text))
    node = parser.or_expr()
    if parser.pos < len(tokens):
        _kind, value, offset = tokens[parser.pos]
        raise ExpressionError(f"unexpected `{value}`", offset)
    return node


def _tokens(text: str) -> Iterator[tuple[str, str, int]]:
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            if text[pos] == "'":
                raise ExpressionError("a string literal is not closed", pos)
            raise ExpressionError(f"unexpected character `{text[pos]}`", pos)
        kind = match.lastgroup or ""
        if kind != "space":
            yield kind, match.group(), pos
        pos = match.end()


class _Parser:
    def __init__(self, tokens: list[tuple[str, str, int]], length: int) -> None:
        self.tokens = tokens
        self.pos = 0
        self.length = length
        self.depth = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, value: str) -> bool:
        token = self.peek()
        if token is not None and token[0] == "op" and token[1] == value:
            self.pos += 1
            return True
        return False

    def expect(self, value: str) -> None:
        if not self.take(value):
            token = self.peek()
            where = token[2] if token else self.length
            found = f"`{token[1]}`" if token else "the end of the expression"
            raise ExpressionError(f"expected `{value}` but found {found}", where)

    def binary(self, ops: tuple[str, ...], lower: str) -> Node:
        node: Node = getattr(self, lower)()
        while True:
            token = self.peek()
            if token is None or token[0] != "op" or token[1] not in ops:
                return node
            self.pos += 1
            node = Binary(token[1], node, getattr(self, lower)())

    def or_expr(self) -> Node:
        self.enter()
        try:
            return self.binary(("||",), "and_expr")
        finally:
            self.depth -= 1

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            token = self.peek()
            where = token[2] if token else self.length
            raise ExpressionError(f"the expression nests more than {MAX_DEPTH} levels deep", where)

    def and_expr(self) -> Node:
        return self.binary(("&&",), "equality")

    def equality(self) -> Node:
        return self.binary(("==", "!="), "comparison")

    def comparison(self) -> Node:
        return self.binary(("<", "<=", ">", ">="), "unary")

    def unary(self) -> Node:
        if self.take("!"):
            self.enter()
            try:
                return Unary("!", self.unary())
            finally:
                self.depth -= 1
        return self.postfix(self.primary())

    def primary(self) -> Node:
        token = self.peek()
        if token is None:
            raise ExpressionError("the expression ends where a value was expected", self.length)
        kind, value, offset = token
        self.pos += 1
        if kind == "string":
            return Literal(value[1:-1].replace("''", "'"))
        if kind == "number":
            return Literal(_number(value))
        if kind == "name":
            lower = value.lower()
            if lower in _KEYWORDS:
                return Literal(_KEYWORDS[lower])
            if lower in ("nan", "infinity"):
                return Literal(float(lower.replace("infinity", "inf")))
            if self.take("("):
                return Call(lower, self.arguments())
            return ContextRef((lower,))
        if kind == "op" and value == "(":
            node = self.or_expr()
            self.expect(")")
            return node
        raise ExpressionError(f"unexpected `{value}`", offset)

    def arguments(self) -> tuple[Node, ...]:
        args: list[Node] = []
        if self.take(")"):
            return ()
        while True:
            args.append(self.or_expr())
            if self.take(")"):
                return tuple(args)
            self.expect(",")

    def postfix(self, node: Node) -> Node:
        while True:
            if self.take("."):
                token = self.peek()
                if token is None or not (token[0] == "name" or token[1] == "*"):
                    where = token[2] if token else self.length
                    raise ExpressionError("a property name is expected after `.`", where)
                self.pos += 1
                node = _access(node, token[1].lower())
            elif self.take("["):
                token = self.peek()
                if token is not None and token[0] == "op" and token[1] == "*":
                    self.pos += 1
                    key = "*"
                else:
                    index = self.or_expr()
                    key = (
                        str(index.value).lower()
                        if isinstance(index, Literal) and isinstance(index.value, str)
                        else "*"
                    )
                self.expect("]")
                node = _access(node, key)
            else:
                return node


def _number(text: str) -> float:
    body = text.lstrip("-")
    try:
        value = float(int(body, 16)) if body.lower().startswith("0x") else float(body)
    except OverflowError:  # a hexadecimal number past the largest float, as a decimal one reads
        value = math.inf
    return -value if text.startswith("-") else value


def _access(node: Node, key: str) -> Node:
    if isinstance(node, ContextRef):
        return ContextRef((*node.path, key))
    return Access(node, key)


def walk(node: Node) -> Iterator[Node]:
    """The node and everything below it."""
    yield node
    if isinstance(node, Call):
        for arg in node.args:
            yield from walk(arg)
    elif isinstance(node, Unary):
        yield from walk(node.operand)
    elif isinstance(node, Binary):
        yield from walk(node.left)
        yield from walk(node.right)
    elif isinstance(node, Access):
        yield from walk(node.base)


def check(node: Node) -> str | None:
    """Why a parsed expression cannot run (unknown context or function, wrong argument count)."""
    for sub in walk(node):
        if isinstance(sub, ContextRef) and sub.path[0] not in CONTEXTS:
            return f"unknown context `{sub.path[0]}`"
        if isinstance(sub, Call):
            arity = FUNCTIONS.get(sub.name)
            if arity is None:
                return f"unknown function `{sub.name}()`"
            least, most = arity
            if len(sub.args) < least or (most is not None and len(sub.args) > most):
                return f"`{sub.name}()` does not take {len(sub.args)} argument(s)"
    return None


def value_sources(node: Node) -> Iterator[ContextRef]:
    """The contexts whose text can end up in the expression's value. Comparisons, `!` and the
    boolean functions produce true/false; `&&`/`||` return an operand; format/join/toJSON/fromJSON
    and property access pass text through. A key read from a choice between objects
    (`(github.event.pull_request || github.event.issue).number`) is that key of each object."""
    if isinstance(node, ContextRef):
        yield node
    elif isinstance(node, Binary) and node.op in ("&&", "||"):
        yield from value_sources(node.left)
        yield from value_sources(node.right)
    elif isinstance(node, Call) and node.name in ("format", "join", "tojson", "fromjson", "case"):
        for arg in node.args:
            yield from value_sources(arg)
    elif isinstance(node, Access):
        choice = isinstance(node.base, Binary)
        for ref in value_sources(node.base):
            yield ContextRef((*ref.path, node.key)) if choice else ref
