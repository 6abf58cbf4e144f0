"""Rails migrations (`db/migrate/*.rb`), read line by line: no Ruby parser is involved.

What this reader understands: the methods `change`, `up`, `down` (and `self.up`/`self.down`),
`reversible do |dir| dir.up/dir.down`, `up_only`, `disable_ddl_transaction!`, calls written one per
statement (continued over lines ending in `,` or an open bracket), with literal symbol or string
table and column names, option hashes (`null: false`, `algorithm: :concurrently`,
`foreign_key: { validate: false }`), `create_table`/`change_table` blocks (`t.string`, `t.remove`,
`t.rename`, `t.change`, `t.index`, `t.references`), and `execute` with a string or a heredoc (read
by pglast).
Its limits: names computed at run time (`remove_column table, col` with variables, loops over
`%i[...]`) are reported with the variable's name; metaprogramming, `say_with_time` helpers defined
elsewhere and `Rails.env` branches are not evaluated (both branches count); a one-line
`if ... then ... end` is not supported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from opsmith.parse import migration_sql as sql
from opsmith.parse.migration_ops import (
    CHECK,
    FOREIGN_KEY,
    Default,
    Kind,
    MigrationDoc,
    Note,
    Op,
)

_HEREDOC = re.compile(r"<<([~-]?)(['\"]?)([A-Z_][A-Z0-9_]*)\2")
_CALL = re.compile(r"^(?:(?P<recv>\w+)\.)?(?P<method>\w+[!?]?)(?:\s*\(|\s+|$)")
_BLOCK_OPEN = re.compile(r"(?:\bdo(?:\s*\|[^|]*\|)?)\s*$")
_KEYWORD_OPEN = re.compile(r"^(?:if|unless|case|while|until|begin|class|module|for)\b")
_DEF = re.compile(r"^def\s+(?:self\.)?(?P<name>\w+[!?]?)")
_END = re.compile(r"^end\b")
# The call ends at the first brace (`.*?` there would retry the body from every `{` of a long line).
_BRACE_BLOCK = re.compile(r"^(?P<call>[^{\n]*)\{\s*(?:\|[^|]*\|)?(?P<body>.*)\}\s*$")
_COLUMN_TYPES = frozenset(
    {
        "string",
        "text",
        "integer",
        "bigint",
        "smallint",
        "float",
        "decimal",
        "numeric",
        "datetime",
        "time",
        "date",
        "binary",
        "boolean",
        "json",
        "jsonb",
        "uuid",
        "timestamp",
        "timestamptz",
        "inet",
        "cidr",
        "citext",
        "hstore",
        "money",
        "bigserial",
        "serial",
    }
)
_SERIAL = frozenset({"serial", "bigserial", "primary_key"})
# Schema changes no rule judges: they still need a way back (MG009).
_OTHER_SCHEMA_CALLS = frozenset(
    {
        "add_timestamps",
        "remove_timestamps",
        "create_join_table",
        "drop_join_table",
        "enable_extension",
        "disable_extension",
        "create_enum",
        "drop_enum",
        "add_enum_value",
        "rename_enum",
        "rename_enum_value",
        "change_column_default",
        "change_column_comment",
        "change_table_comment",
        "rename_index",
        "remove_foreign_key",
        "remove_check_constraint",
        "create_schema",
        "drop_schema",
    }
)
_IRREVERSIBLE_IN_CHANGE = {
    "change_column": "`change_column` cannot be reversed (the old type is unknown)",
    "execute": "`execute` in `change` cannot be reversed: wrap it in `reversible` or use up/down",
}


MAX_DEPTH = 200  # blocks open at once; migrations nest a handful


class TooDeep(Exception):
    """Blocks nest deeper than MAX_DEPTH: a real migration never does, and reading one costs time
    in the square of its depth."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


@dataclass
class _Frame:
    kind: str  # "def", "block", "other"
    name: str = ""  # def name, or the block's call ("create_table", "dir.down", ...)
    table: str | None = None  # create_table/change_table: the table, bound to the block variable
    var: str | None = None  # the block variable (`t`)
    line: int = 0
    body: list[str] = field(default_factory=list)


@dataclass
class _Statement:
    text: str
    line: int
    heredoc: tuple[str, int] | None = None  # body and its first line


def parse_rails(text: str) -> MigrationDoc:
    doc = MigrationDoc("rails")
    statements = list(_statements(text.splitlines()))
    tx: int | None = None if any(s.text == "disable_ddl_transaction!" for s in statements) else 1
    reader = _Reader(doc, tx)
    for stmt in statements:
        reader.read(stmt)
    reader.finish()
    return doc


def _statements(lines: list[str]) -> Iterator[_Statement]:
    """Logical statements: comments dropped, continuation lines joined, heredoc bodies attached."""
    i = 0
    while i < len(lines):
        start = i
        text = _strip_comment(lines[i]).strip()
        depth, quote = _brackets_after(text, 0, None)
        i += 1
        while text and (text.endswith((",", "\\", "(", "[", "{")) or depth > 0):
            if i >= len(lines):
                break
            piece = " " + _strip_comment(lines[i]).strip()
            text = text.rstrip("\\") + piece
            # Only the new piece is scanned: rescanning the whole statement for each joined line
            # made an unclosed bracket quadratic in the rest of the file.
            depth, quote = _brackets_after(piece, depth, quote)
            i += 1
        heredoc = None
        match = _HEREDOC.search(text)
        if match:
            body_start = i
            while i < len(lines) and lines[i].strip() != match.group(3):
                i += 1
            heredoc = ("\n".join(lines[body_start:i]), body_start + 1)
            i += 1
        if text:
            yield _Statement(text, start + 1, heredoc)


def _scan(text: str, chars: str, quote: str | None = None) -> Iterator[tuple[int, str, bool, str | None]]:
    """Each of `chars` in `text`: its position, itself, whether it is code rather than inside a
    string literal, and the literal's quote open after it (`quote`: the one open before `text`).
    Only those characters and quotes are visited: a loop over every character cost seconds per MB."""
    for found in _interesting(chars).finditer(text):
        pos = found.start()
        char = text[pos]
        quote, code = _step(char, text[pos - 1] if pos else "", quote)
        yield pos, char, code, quote


@cache
def _interesting(chars: str) -> re.Pattern[str]:
    return re.compile("[" + re.escape(chars + "\"'") + "]")


def _step(char: str, before: str, quote: str | None) -> tuple[str | None, bool]:
    """The string literal open after `char` (its quote), and whether `char` is code."""
    if quote:
        return (None if char == quote and before != "\\" else quote), False
    if char in "\"'":
        return char, False
    return None, True


def _brackets_after(text: str, depth: int, quote: str | None) -> tuple[int, str | None]:
    """Open brackets and string literal at the end of `text`, continuing from those before it."""
    for _, char, code, open_quote in _scan(text, "()[]{}", quote):
        quote = open_quote
        if code:
            depth += (char in "([{") - (char in ")]}")
    return depth, quote


def _strip_comment(line: str) -> str:
    if "#" not in line:
        return line
    for pos, char, code, _ in _scan(line, "#"):
        if code and char == "#" and line[pos + 1 : pos + 2] != "{":
            return line[:pos]
    return line


def split_args(text: str) -> list[str]:
    """Top-level comma-separated arguments of a Ruby call (brackets and strings respected)."""
    parts, depth, start = [], 0, 0
    for pos, char, code, _ in _scan(text, "()[]{},"):
        if not code:
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:pos].strip())
            start = pos + 1
    last = text[start:].strip()
    return [*parts, last] if last else parts


def value(token: str) -> object:
    """A Ruby literal: :sym and strings -> str, true/false -> bool, nil -> None, {..} -> dict;
    anything else stays as its source text."""
    token = token.strip()
    if re.fullmatch(r":\w+[!?]?", token):
        return token[1:]
    if re.fullmatch(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'", token):
        return token[1:-1]
    if token in ("true", "false"):
        return token == "true"
    if token == "nil":
        return None
    if token.startswith("{") and token.endswith("}"):
        return options(split_args(token[1:-1]))[1]
    return token


def options(args: list[str]) -> tuple[list[object], dict[str, object]]:
    """Positional values and keyword options (`key: v`, `:key => v`, `"key" => v`)."""
    positional: list[object] = []
    keywords: dict[str, object] = {}
    for arg in args:
        kw = re.match(r"^(\w+[!?]?):\s+(.*)$|^(\w+):(?!:)(.*)$", arg, re.DOTALL)
        arrow = re.match(r"^(:\w+|\"\w+\"|'\w+')\s*=>\s*(.*)$", arg, re.DOTALL)
        if kw and not arg.startswith(":"):
            key, raw = (kw.group(1), kw.group(2)) if kw.group(1) else (kw.group(3), kw.group(4))
            keywords[key] = value(raw)
        elif arrow:
            keywords[str(value(arrow.group(1)))] = value(arrow.group(2))
        else:
            positional.append(value(arg))
    return positional, keywords


class _Reader:
    def __init__(self, doc: MigrationDoc, tx: int | None) -> None:
        self.doc = doc
        self.tx = tx
        self.stack: list[_Frame] = []
        self.defs: dict[str, _Frame] = {}

    # --- structure -------------------------------------------------------------------------------
    def read(self, stmt: _Statement) -> None:
        if len(self.stack) > MAX_DEPTH:  # each statement looks through every open block
            raise TooDeep(stmt.line)
        text = stmt.text
        if _END.match(text):
            if self.stack:
                frame = self.stack.pop()
                if frame.kind == "def":
                    self.defs[frame.name] = frame
            return
        if self.stack:
            self.stack[-1].body.append(text)
        definition = _DEF.match(text)
        if definition:
            if not re.search(r"\)\s*=|^def\s+[\w.]+\s*=", text):  # endless defs close themselves
                self.stack.append(_Frame("def", definition.group("name"), line=stmt.line))
            return
        if _KEYWORD_OPEN.match(text):
            self.stack.append(_Frame("other", text.split()[0], line=stmt.line))
            return
        brace = _BRACE_BLOCK.match(text)
        if brace and re.search(r"\b(?:up|down|up_only)\s*$", brace.group("call").strip()):
            frame = _Frame("block", brace.group("call").strip(), line=stmt.line)
            self.stack.append(frame)
            self.statement(_Statement(brace.group("body").strip(), stmt.line, stmt.heredoc))
            self.stack.pop()
            return
        block = _BLOCK_OPEN.search(text)
        call_text = text[: block.start()].strip() if block else text
        if block:
            self.stack.append(self._block(call_text, text[block.start() :], stmt.line))
        self.statement(_Statement(call_text, stmt.line, stmt.heredoc), opens_block=bool(block))

    def _block(self, call_text: str, opener: str, line: int) -> _Frame:
        var = re.search(r"\|\s*(\w+)", opener)
        match = _CALL.match(call_text)
        name = ""
        table = None
        if match:
            name = (
                f"{match.group('recv')}.{match.group('method')}"
                if match.group("recv")
                else match.group("method")
            )
            positional, _ = options(split_args(_args_text(call_text, match)))
            if match.group("method") in ("create_table", "change_table") and positional:
                table = str(positional[0]).lower()
        return _Frame("block", name, table=table, var=var.group(1) if var else None, line=line)

    def _method(self) -> str | None:
        return next((f.name for f in reversed(self.stack) if f.kind == "def"), None)

    def _down(self) -> bool:
        if self._method() == "down":
            return True
        return any(f.kind == "block" and f.name.endswith(".down") for f in self.stack)

    def _reversible_context(self) -> bool:
        """Inside `reversible`/`up_only`, or in up/down methods: Rails needs no inverse there."""
        if self._method() in ("up", "down"):
            return True
        return any(
            f.kind == "block" and f.name.split(".")[-1] in ("reversible", "up", "down", "up_only")
            for f in self.stack
        )

    def _table_block(self) -> _Frame | None:
        return next((f for f in reversed(self.stack) if f.table is not None), None)

    # --- statements --------------------------------------------------------------------------------
    def statement(self, stmt: _Statement, opens_block: bool = False) -> None:
        method = self._method()
        if method not in ("change", "up", "down"):
            return
        match = _CALL.match(stmt.text)
        if not match:
            return
        positional, opts = options(split_args(_args_text(stmt.text, match)))
        recv, name = match.group("recv"), match.group("method")
        table_block = self._table_block()
        if recv is not None:
            if table_block is None or recv != table_block.var or table_block.table is None:
                return
            positional = [table_block.table, *positional]
            if table_block.name.endswith("create_table"):
                # columns of a new table: no rule judges them, but a later type change needs the type
                if name in _COLUMN_TYPES and len(positional) > 1:
                    column = _At(stmt.line, table_block.table, stmt.text[:100], self._down())
                    typed = column(Kind.ADD_COLUMN, column=_s(positional, 1), type_name=_typed(name, opts))
                    self.doc.ops.append(replace(typed, tx=self.tx))
                return
            name = _TABLE_METHODS.get(name, "add_column" if name in _COLUMN_TYPES else name)
            if name == "add_column" and match.group("method") in _COLUMN_TYPES:
                positional = [
                    positional[0],
                    positional[1] if len(positional) > 1 else "",
                    match.group("method"),
                    *positional[2:],
                ]
        ops = _ops(name, positional, opts, stmt, down=self._down())
        self.doc.ops.extend(replace(op, tx=self.tx) for op in ops)
        if method == "change" and not self._reversible_context():
            reason = _irreversible(name, positional, opts, opens_block)
            if reason:
                self.doc.no_way_back.append(Note(stmt.line, reason))

    def finish(self) -> None:
        while self.stack:  # unterminated blocks: keep what was read
            frame = self.stack.pop()
            if frame.kind == "def":
                self.defs[frame.name] = frame
        up, down = self.defs.get("up"), self.defs.get("down")
        if up is None or not self.doc.changes_schema():
            return
        # A `down` that raises IrreversibleMigration is the author saying so on purpose: Rails'
        # own idiom for a change that cannot be undone, which MG009's docs ask for.
        if down is None:
            self.doc.no_way_back.append(
                Note(up.line, "`up` without `down`: this migration cannot be rolled back")
            )


_TABLE_METHODS = {
    "remove": "remove_column",
    "rename": "rename_column",
    "change": "change_column",
    "index": "add_index",
    "references": "add_reference",
    "belongs_to": "add_reference",
    "column": "add_column",
    "remove_references": "remove_reference",
    "check_constraint": "add_check_constraint",
    "foreign_key": "add_foreign_key",
}


def _args_text(text: str, match: re.Match[str]) -> str:
    rest = text[match.end() :].strip()
    if text[: match.end()].rstrip().endswith("(") and rest.endswith(")"):
        rest = rest[:-1]
    return rest


def _irreversible(name: str, positional: list[object], opts: dict[str, object], block: bool) -> str | None:
    if name in _IRREVERSIBLE_IN_CHANGE:
        return _IRREVERSIBLE_IN_CHANGE[name]
    if name == "remove_column" and len(positional) < 3 and "type" not in opts:
        return "`remove_column` without the column type cannot be reversed"
    if name == "remove_columns" and "type" not in opts:
        return "`remove_columns` without `type:` cannot be reversed"
    if name == "drop_table" and not block:
        return "`drop_table` without the table's definition block cannot be reversed"
    if name == "change_column_default" and not ("from" in opts and "to" in opts):
        return "`change_column_default` without `from:` and `to:` cannot be reversed"
    return None


def _s(items: list[object], index: int) -> str:
    return str(items[index]) if len(items) > index and items[index] is not None else ""


@dataclass(frozen=True)
class _At:
    """Where a Rails call is and what it works on: makes its Ops."""

    line: int
    table: str
    what: str
    down: bool

    def __call__(self, kind: Kind, **extra: Any) -> Op:
        return Op(kind, self.line, self.table, self.what, down=self.down, **extra)


def _ops(
    name: str, pos: list[object], opts: dict[str, object], stmt: _Statement, *, down: bool
) -> Iterator[Op]:
    what = stmt.text if len(stmt.text) <= 100 else stmt.text[:97] + "..."
    table = _s(pos, 0).lower()
    op = _At(stmt.line, table, what, down)
    if name == "execute":
        body = stmt.heredoc or (_s(pos, 0), stmt.line)
        yield from sql.embedded_ops(body[0], body[1], down=down, tx=None)
    elif name == "create_table":
        yield op(Kind.CREATE_TABLE)
    elif name == "drop_table":
        yield op(Kind.DROP_TABLE)
    elif name == "rename_table":
        yield op(Kind.RENAME_TABLE, new_name=_s(pos, 1).lower())
    elif name == "add_column":
        yield _add_column(op, pos, opts)
    elif name in ("remove_column", "remove_columns"):
        for column in pos[1:] if name == "remove_columns" else pos[1:2]:
            yield op(Kind.DROP_COLUMN, column=str(column))
    elif name == "remove_reference":
        yield op(Kind.DROP_COLUMN, column=f"{_s(pos, 1)}_id")
    elif name == "rename_column":
        yield op(Kind.RENAME_COLUMN, column=_s(pos, 1), new_name=_s(pos, 2))
    elif name == "change_column":
        yield op(Kind.ALTER_TYPE, column=_s(pos, 1), type_name=_typed(_s(pos, 2), opts))
    elif name == "change_column_null" and pos[2:3] == [False]:
        yield op(Kind.SET_NOT_NULL, column=_s(pos, 1))
    elif name in ("add_index", "remove_index"):
        kind = Kind.CREATE_INDEX if name == "add_index" else Kind.DROP_INDEX
        yield op(kind, constraint=_name(opts), concurrently=opts.get("algorithm") == "concurrently")
    elif name in ("add_reference", "add_belongs_to"):
        yield from _add_reference(op, pos, opts)
    elif name == "add_foreign_key":
        key = _name(opts) or f"fk:{table}->{_s(pos, 1).lower()}"
        yield op(
            Kind.ADD_CONSTRAINT,
            constraint=key,
            constraint_type=FOREIGN_KEY,
            not_valid=opts.get("validate") is False,
        )
    elif name == "add_check_constraint":
        expr = _s(pos, 1)
        yield op(
            Kind.ADD_CONSTRAINT,
            constraint=_name(opts),
            constraint_type=CHECK,
            not_valid=opts.get("validate") is False,
            not_null_column=sql.not_null_check_column(expr),
        )
    elif name in ("validate_foreign_key", "validate_check_constraint", "validate_constraint"):
        validated = _name(opts) or (f"fk:{table}->{_s(pos, 1).lower()}" if len(pos) > 1 else None)
        yield op(Kind.VALIDATE_CONSTRAINT, constraint=validated)
    elif name in _OTHER_SCHEMA_CALLS:
        yield op(Kind.OTHER)


def _name(opts: dict[str, object]) -> str | None:
    name = opts.get("name")
    return str(name) if name is not None else None


def _typed(column_type: str, opts: dict[str, object]) -> str:
    """A Rails column type with its length: `:string, limit: 50` -> `string(50)`."""
    limit = opts.get("limit")
    return f"{column_type}({limit})" if isinstance(limit, str) and limit.isdigit() else column_type


def _add_column(op: _At, pos: list[object], opts: dict[str, object]) -> Op:
    column_type = _s(pos, 2)
    default, rewrite = Default.NONE, None
    raw = opts.get("default")
    if column_type in _SERIAL:
        default, rewrite = Default.VOLATILE, f"`:{column_type}` numbers every existing row from a sequence"
    elif isinstance(raw, str) and raw.startswith("->"):
        inner = re.search(r"[\"'](.*)[\"']", raw)
        default, rewrite = sql.judge_default_sql(inner.group(1)) if inner else (Default.CONSTANT, None)
    elif "default" in opts and raw is not None:
        default = Default.CONSTANT
    return op(
        Kind.ADD_COLUMN,
        column=_s(pos, 1),
        type_name=_typed(column_type, opts),
        not_null=opts.get("null") is False,
        default=default,
        rewrite=rewrite,
    )


def _add_reference(op: _At, pos: list[object], opts: dict[str, object]) -> Iterator[Op]:
    column = f"{_s(pos, 1)}_id"
    yield op(Kind.ADD_COLUMN, column=column, type_name="bigint", not_null=opts.get("null") is False)
    index = opts.get("index", True)
    if index is not False:
        concurrently = isinstance(index, dict) and index.get("algorithm") == "concurrently"
        yield op(Kind.CREATE_INDEX, column=column, concurrently=concurrently)
    fk = opts.get("foreign_key")
    if fk is not None and fk is not False:
        not_valid = isinstance(fk, dict) and fk.get("validate") is False
        yield op(
            Kind.ADD_CONSTRAINT,
            column=column,
            constraint_type=FOREIGN_KEY,
            not_valid=not_valid,
            constraint=f"fk:{_s(pos, 0).lower()}->{_s(pos, 1).lower()}s",
        )
