"""A purpose-built reader for Terraform's HCL: blocks, attributes and expressions in one pass.

python-hcl2 builds a full Lark parse tree, which costs more than every Terraform rule together;
this reader builds `opsmith.parse.terraform`'s types straight from the text. It follows
python-hcl2's grammar (the reference): where that grammar accepts a shape (a line break before a
binary operator, elements with no separator in an object) this reader does too, so a file reads the
same whichever reader reads it. It raises `Unsupported` at anything else, that is at template
directives (`%{ if }`), strip markers (`${~`), duplicate attributes and every syntax error, and the
reference reader takes over: it reads the rare constructs and words the error.

Positions: a gap is spaces, tabs and carriage returns; a break is a line break or a comment (which
the grammar treats as a line break). Nothing skips trailing gaps, so after an expression `pos` is
where its last token ends and the expression's source text stops there.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from opsmith.parse.hcl_text import heredoc_value, number_value, unescape
from opsmith.parse.terraform import Attribute, Block, Expr

# A line break, or a comment: the grammar reads either as one line break.
_BREAK = r"\n|#[^\n]*\n|//[^\n]*\n|/\*.*?\*/"
_WORD_END = r"(?![a-zA-Z0-9_-])"
_SPACES = re.compile(r"[ \t\r]*")
_GAP = re.compile(rf"(?:[ \t\r]+|{_BREAK})*", re.DOTALL)
_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_-]*")
# What python-hcl2's lexer takes for one signed number: a sign, a digit, and more of the number.
_SIGNED_NUMBER = re.compile(r"-[0-9](?:[0-9]|\.[0-9]|[eE][+-]?[0-9])")
_SHORT_INDEX = re.compile(r"[0-9]+(?![a-zA-Z0-9_])")  # `list.0`
_NUMBER = re.compile(r"-?[0-9]+(?:(\.[0-9]+(?:[eE][+-]?[0-9]+)?)|([eE][+-]?[0-9]+))?")
# A binary operator, after at most one break; python-hcl2's post-lexer joins a break to the
# operator after it, except before `-`, which may start the next line's negative number.
_OPERATOR = re.compile(
    rf"[ \t\r]*(?P<brk>(?:{_BREAK})[ \t\r]*)?"
    r"(?P<op>\|\||&&|==|!=|<=|>=|[<>+*/%?-])",
    re.DOTALL,
)
_STRING_CHARS = re.compile(r'(?:[^"\\$%]|\\.|\$(?!\$?\{)|%(?!%?\{))+')
_ESCAPED_TEMPLATE = re.compile(r"(?:\$\$|%%)\{[^}]*\}")
# The closing marker's indent stays on its line: `\s*` there would rescan every blank line of the
# body. The body still reaches the first line that holds only the marker, as python-hcl2's does.
_HEREDOC = re.compile(r"<<-?([a-zA-Z][a-zA-Z0-9._-]*)\r?\n(?:[\s\S]*?\n)??[^\S\n]*\1\r?\n")
# Possessive: a gap of spaces and comments splits many ways, and retrying each is exponential.
_HEREDOC_OPENER = re.compile(r"(<<-?[a-zA-Z][a-zA-Z0-9._-]*)\r?\n")
_FOR_INTRO = re.compile(rf"for(?:[ \t\r]+|{_BREAK})++[a-zA-Z_]", re.DOTALL)
_KEYWORD_END = re.compile(_WORD_END)
# Words python-hcl2 reads as keywords where an object key or a collection's first item starts.
_KEYWORD = re.compile(rf"(?:for_each|for|in|if|else|endif|endfor){_WORD_END}")
_LITERAL_WORDS: dict[str, bool | None] = {"true": True, "false": False, "null": None}


class Unsupported(Exception):
    """The reader stops: python-hcl2 reads this file instead."""


class UnclosedHeredoc(Unsupported):
    """A heredoc whose marker never closes it: python-hcl2 would fail too, worded as here, but only
    after its lexer retried the rest of the file from every line (quadratic in blank lines)."""

    def __init__(self, opener: str, line: int, column: int) -> None:
        super().__init__(opener)
        self.message = f"unexpected `{opener}` (expected a value)"
        self.line = line
        self.column = column


def read(text: str) -> tuple[list[Block], dict[str, Attribute]]:
    """The top-level blocks and attributes of a `.tf` (or `.tfvars`) file."""
    return _Reader(text).file()


class _Reader:
    def __init__(self, text: str) -> None:
        self.source = text
        self.text = text + "\n"  # python-hcl2 appends one too: a last comment or heredoc ends
        self.pos = 0
        self.breaks = [m.start() for m in re.finditer("\n", self.text)]

    # positions ------------------------------------------------------------------------------
    def line(self, pos: int) -> int:
        return bisect_left(self.breaks, pos) + 1

    def char(self) -> str:
        return self.text[self.pos : self.pos + 1]

    def spaces(self) -> None:
        self.pos = _SPACES.match(self.text, self.pos).end()  # type: ignore[union-attr]

    def gap(self) -> None:
        """Skip spaces, line breaks and comments."""
        self.pos = _GAP.match(self.text, self.pos).end()  # type: ignore[union-attr]

    def expect(self, token: str) -> None:
        if not self.text.startswith(token, self.pos):
            raise Unsupported
        self.pos += len(token)

    def name(self) -> str:
        match = _NAME.match(self.text, self.pos)
        if match is None:
            raise Unsupported
        self.pos = match.end()
        return match.group()

    def keyword(self, word: str) -> bool:
        """Consume `word` when it stands here as a whole word."""
        if self.text.startswith(word, self.pos) and _KEYWORD_END.match(self.text, self.pos + len(word)):
            self.pos += len(word)
            return True
        return False

    def at_assignment(self) -> bool:
        """At `=` (not `==` or `=>`)."""
        return self.char() == "=" and self.text[self.pos + 1 : self.pos + 2] not in ("=", ">")

    def at_colon(self) -> bool:
        return self.char() == ":" and self.text[self.pos + 1 : self.pos + 2] != ":"

    def ref(self, start: int) -> Expr:
        return Expr("ref", self.line(start), self.source[start : self.pos])

    # structure ------------------------------------------------------------------------------
    def file(self) -> tuple[list[Block], dict[str, Attribute]]:
        blocks, attributes = self.body()
        if self.pos < len(self.text):
            raise Unsupported  # a `}` with nothing open
        return blocks, attributes

    def body(self) -> tuple[list[Block], dict[str, Attribute]]:
        """Attributes and blocks up to a `}` or the end of the text."""
        blocks: list[Block] = []
        attributes: dict[str, Attribute] = {}
        while True:
            self.gap()
            if self.pos >= len(self.text) or self.char() == "}":
                return blocks, attributes
            start = self.pos
            name = self.name()
            self.spaces()
            if self.at_assignment():
                self.pos += 1
                self.spaces()
                if name in attributes:
                    raise Unsupported  # the reference reader words the duplicate
                attributes[name] = Attribute(name, self.expression(), self.line(start))
            else:
                blocks.append(self.block(name, start))

    def block(self, kind: str, start: int) -> Block:
        labels: list[str] = []
        while True:
            self.spaces()
            if self.char() == '"':
                labels.append(self.string().string or "")
            elif _NAME.match(self.text, self.pos):
                labels.append(self.name())
            else:
                break
        self.gap()
        self.expect("{")
        blocks, attributes = self.body()
        end = self.pos
        self.expect("}")
        return Block(kind, tuple(labels), self.line(start), self.line(end), attributes, blocks)

    # expressions ----------------------------------------------------------------------------
    def expression(self) -> Expr:
        """A conditional, or a chain of binary operations (kept as `ref`), or one operand."""
        start = self.pos
        first = self.unary()
        while True:
            match = _OPERATOR.match(self.text, self.pos)
            if match is None:
                return first
            op = match.group("op")
            after = match.end()
            if (match.group("brk") and op == "-") or (op == "/" and self.text[after : after + 1] in "/*"):
                return first
            if op == "-" and _SIGNED_NUMBER.match(self.text, after - 1):
                raise Unsupported  # python-hcl2 reads `a -12` as `a` then the number `-12`
            self.pos = after
            self.gap()
            if op == "?":
                self.expression()
                self.colon_and_expression()
                return self.ref(start)
            self.unary()
            first = self.ref(start)

    def colon_and_expression(self) -> None:
        """`: expression` (a conditional's else branch, a `for` body), line breaks allowed around."""
        self.gap()
        if not self.at_colon():
            raise Unsupported
        self.pos += 1
        self.gap()
        self.expression()

    def unary(self) -> Expr:
        start = self.pos
        op = self.char()
        if op not in ("-", "!") or (op == "-" and self.text[self.pos + 1 : self.pos + 2].isdigit()):
            return self.term()  # `-1` is one number token
        self.pos += 1
        self.spaces()
        if self.char() == "-":
            raise Unsupported  # python-hcl2 reads no sign after a sign
        operand = self.term()
        value = operand.value
        if (
            op == "-"
            and operand.kind == "literal"
            and isinstance(value, int | float)
            and not isinstance(value, bool)
        ):
            return Expr("literal", self.line(start), self.source[start : self.pos], -value)
        return self.ref(start)

    def term(self) -> Expr:
        """An operand with its attribute accesses, indexes and splats."""
        start = self.pos
        expr = self.operand()
        while True:
            resume = self.pos
            self.spaces()
            rest = self.text[self.pos : self.pos + 3]
            if rest.startswith(".*") or rest == "[*]":
                self.pos += 2 if rest.startswith(".*") else 3
            elif rest.startswith(".") and not rest.startswith(".."):
                self.pos += 1
                self.spaces()
                index = _SHORT_INDEX.match(self.text, self.pos)
                if index is not None:
                    self.pos = index.end()
                else:
                    self.name()
            elif rest.startswith("["):
                self.pos += 1
                self.gap()
                self.expression()
                self.gap()
                self.expect("]")
            else:
                self.pos = resume
                return expr
            expr = self.ref(start)

    def operand(self) -> Expr:
        start = self.pos
        char = self.char()
        if char == '"':
            return self.string()
        if char == "(":
            self.pos += 1
            self.gap()
            inner = self.expression()
            self.gap()
            self.expect(")")
            return inner
        if char == "[":
            return self.collection(start, "]")
        if char == "{":
            return self.collection(start, "}")
        if char == "<":
            return self.heredoc(start)
        number = _NUMBER.match(self.text, self.pos)
        if number is not None:
            self.pos = number.end()
            raw = number.group()
            value = number_value(raw, is_float=_is_float(number))
            return Expr("literal", self.line(start), raw, value)
        word = self.name()
        after_name = self.pos
        if self.text.startswith("::", self.pos):
            self.pos += 2
            word += "::" + self.name()
            self.expect("::")
            word += "::" + self.name()
        self.spaces()
        if self.char() == "(":
            return self.call(start, word)
        if "::" in word:
            raise Unsupported
        self.pos = after_name
        if word in _LITERAL_WORDS:
            return Expr("literal", self.line(start), word, _LITERAL_WORDS[word])
        return self.ref(start)

    def call(self, start: int, name: str) -> Expr:
        self.pos += 1
        self.gap()
        args: list[Expr] = []
        while self.char() != ")":
            args.append(self.expression())
            self.spaces()
            if self.text.startswith("...", self.pos):
                self.pos += 3
                self.gap()
                break
            before_break = self.pos
            self.gap()
            if self.char() != ",":
                break
            broken = self.pos != before_break
            self.pos += 1
            self.gap()
            if broken and self.char() == ")":
                raise Unsupported  # python-hcl2 reads no line break before a trailing comma
        self.expect(")")
        return Expr("call", self.line(start), self.source[start : self.pos], items=tuple(args), name=name)

    def collection(self, start: int, closer: str) -> Expr:
        """A tuple `[...]`, an object `{...}`, or a `for` expression in either."""
        self.pos += 1
        self.gap()
        if _FOR_INTRO.match(self.text, self.pos):
            return self.for_expression(start, closer)
        if closer == "]" and self.keyword("for"):
            raise Unsupported
        items: list[Expr] = []
        entries: list[tuple[str, Expr]] = []
        while self.char() != closer:
            if closer == "]":
                items.append(self.expression())
            else:
                entries.append(self.entry())
            self.gap()
            if self.char() == ",":
                self.pos += 1
                self.gap()
            elif closer == "]" and self.char() != closer:
                raise Unsupported
        self.pos += 1
        line, source = self.line(start), self.source[start : self.pos]
        if closer == "]":
            return Expr("tuple", line, source, items=tuple(items))
        return Expr("object", line, source, entries=tuple(entries))

    def entry(self) -> tuple[str, Expr]:
        keyword = _KEYWORD.match(self.text, self.pos)
        if keyword is not None:
            self.pos = keyword.end()
            name = keyword.group()
        else:
            key = self.expression()
            name = key.string if key.string is not None else key.source.strip()
        self.spaces()
        if not (self.at_assignment() or self.at_colon()):
            raise Unsupported
        self.pos += 1
        self.spaces()
        return name, self.expression()

    def for_expression(self, start: int, closer: str) -> Expr:
        self.pos += 3
        self.gap()
        self.name()
        self.spaces()
        if self.char() == ",":
            self.pos += 1
            self.spaces()
            self.name()
        self.gap()
        if not self.keyword("in"):
            raise Unsupported
        self.gap()
        self.expression()
        self.colon_and_expression()
        if closer == "}":
            self.spaces()
            self.expect("=>")
            self.gap()
            self.expression()
            self.gap()
            if self.text.startswith("...", self.pos):
                self.pos += 3
        self.gap()
        if self.keyword("if"):
            self.gap()
            self.expression()
            self.gap()
        self.expect(closer)
        return self.ref(start)

    def string(self) -> Expr:
        """A quoted string: a literal, or a template when it interpolates."""
        start = self.pos
        self.pos += 1
        parts: list[str] = []
        template = False
        while True:
            chars = _STRING_CHARS.match(self.text, self.pos)
            if chars is not None:
                parts.append(unescape(chars.group()))
                self.pos = chars.end()
            char = self.char()
            if char == '"':
                self.pos += 1
                break
            escaped = _ESCAPED_TEMPLATE.match(self.text, self.pos)
            if escaped is not None:
                parts.append(escaped.group()[1:])
                self.pos = escaped.end()
            elif self.text.startswith("${", self.pos) and self.text[self.pos + 2 : self.pos + 3] != "~":
                self.pos += 2
                self.spaces()
                self.expression()
                self.spaces()
                self.expect("}")
                template = True
            elif chars is None:
                raise Unsupported  # a directive, a line break after `\`, or the end of the text
        line, source = self.line(start), self.source[start : self.pos]
        return Expr("template", line, source) if template else Expr("literal", line, source, "".join(parts))

    def heredoc(self, start: int) -> Expr:
        match = _HEREDOC.match(self.text, self.pos)
        if match is None:
            opener = _HEREDOC_OPENER.match(self.text, self.pos)
            if opener is None:
                raise Unsupported
            column = self.pos - self.text.rfind("\n", 0, self.pos)
            raise UnclosedHeredoc(opener.group(1), self.line(self.pos), column)
        self.pos = match.end()
        value = heredoc_value(match.group())
        line, source = self.line(start), self.source[start : self.pos]
        return Expr("template", line, source) if value is None else Expr("literal", line, source, value)


def _is_float(number: re.Match[str] | None) -> bool:
    return number is not None and bool(number.group(1) or number.group(2))
