"""Raw PostgreSQL read by pglast (PostgreSQL's own parser), turned into migration `Op`s.

pglast is imported on first use, so a repository without SQL never loads it. Positions pglast
reports (statement starts, node locations, error positions) are character offsets into the text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from opsmith.parse.errors import ParseFailure
from opsmith.parse.migration_ops import (
    CHECK,
    EXCLUSION,
    FOREIGN_KEY,
    NOT_NULL,
    PRIMARY_KEY,
    UNIQUE,
    Default,
    Kind,
    Op,
)

# Functions whose value differs per row: a DEFAULT calling one makes ADD COLUMN rewrite the table.
VOLATILE_FUNCTIONS = frozenset(
    {
        "random",
        "random_normal",
        "gen_random_uuid",
        "gen_random_bytes",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "uuidv4",
        "uuidv7",
        "clock_timestamp",
        "timeofday",
        "nextval",
    }
)
_SERIAL_TYPES = frozenset({"serial", "bigserial", "smallserial", "serial2", "serial4", "serial8"})
# Flyway/Liquibase placeholders and psql meta-commands: blanked (same length) before parsing.
_PLACEHOLDER = re.compile(r"\$\{[\w.-]+\}")
_PSQL_META = re.compile(r"^[ \t]*\\.*$", re.MULTILINE)
# Text that is SQL, but not PostgreSQL's: such a file is not judged at all.
_OTHER_DIALECT = re.compile(
    r"`\w+`|\bENGINE\s*=|\bAUTO_INCREMENT\b|\bAUTOINCREMENT\b|\bON\s+CLUSTER\b"
    r"|^[ \t]*PRAGMA\b|^[ \t]*GO[ \t\r]*$|^[ \t]*DELIMITER\b"  # `^\s*` would rescan blank lines
    r"|\bUNSIGNED\b|\bNVARCHAR\b|\[dbo\]|\bALTER\s+TABLE\s+\S+\s+MODIFY\b|,\s*MODIFY\b",
    re.IGNORECASE | re.MULTILINE,
)
# Statements that change data or session state, not the schema.
_NOT_DDL = frozenset(
    {
        "SelectStmt",
        "InsertStmt",
        "UpdateStmt",
        "DeleteStmt",
        "MergeStmt",
        "CopyStmt",
        "VariableSetStmt",
        "VariableShowStmt",
        "TransactionStmt",
        "NotifyStmt",
        "DoStmt",
        "LockStmt",
        "ExplainStmt",
        "CallStmt",
        "VacuumStmt",
    }
)
_SKIP = re.compile(r"(?:\s+|--[^\n]*|/\*.*?\*/)+", re.DOTALL)


@dataclass(frozen=True)
class Statement:
    node: Any  # a pglast.ast node
    start: int  # character offset of its first token
    line: int
    text: str  # its source text


class Lines:
    """Character offset -> 1-based line, for one text."""

    def __init__(self, text: str, first_line: int = 1) -> None:
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self._first = first_line

    def at(self, offset: int) -> int:
        return bisect_right(self._starts, offset) - 1 + self._first


def blank_templating(text: str) -> str:
    """Placeholders and psql meta-commands replaced by blanks of the same length (offsets hold)."""
    text = _PLACEHOLDER.sub(lambda m: "_" * len(m.group()), text)
    return _PSQL_META.sub(lambda m: " " * len(m.group()), text)


def other_dialect(text: str) -> bool:
    return bool(_OTHER_DIALECT.search(text))


def statements(text: str, first_line: int = 1) -> list[Statement] | ParseFailure:
    from pglast import parse_sql
    from pglast.parser import ParseError

    lines = Lines(text, first_line)
    try:
        raw = parse_sql(text)
    except ParseError as exc:
        message = str(exc.args[0]) if exc.args else str(exc)
        where = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None
        line = lines.at(where) if where is not None else _last_line(text, first_line)
        return ParseFailure(message, line)
    found = []
    for rs in raw:
        begin = rs.stmt_location or 0
        skipped = _SKIP.match(text, begin)
        start = skipped.end() if skipped else begin
        end = begin + rs.stmt_len if rs.stmt_len else len(text)
        found.append(Statement(rs.stmt, start, lines.at(start), text[start:end]))
    return found


def _last_line(text: str, first_line: int) -> int:
    """Where "syntax error at end of input" points: the last line that holds anything."""
    lines = text.rstrip().splitlines()
    return first_line + max(len(lines) - 1, 0)


def embedded_ops(sql: str, first_line: int, *, down: bool, tx: int | None) -> list[Op]:
    """Ops of SQL written inside another language (op.execute, RunSQL, execute <<~SQL). SQL that
    pglast rejects is left alone here: it may be templated, or meant for another database."""
    parsed = statements(blank_templating(sql), first_line)
    if isinstance(parsed, ParseFailure):
        return []
    return [op for stmt in parsed for op in ops_of(stmt, down=down, tx=tx)]


def transaction_change(stmt: Statement) -> str | None:
    """ "begin" or "end" for statements that open or close an explicit transaction block."""
    from pglast.enums import TransactionStmtKind as K

    if type(stmt.node).__name__ != "TransactionStmt":
        return None
    if stmt.node.kind in (K.TRANS_STMT_BEGIN, K.TRANS_STMT_START):
        return "begin"
    if stmt.node.kind in (K.TRANS_STMT_COMMIT, K.TRANS_STMT_ROLLBACK, K.TRANS_STMT_PREPARE):
        return "end"
    return None


def ops_of(stmt: Statement, *, down: bool, tx: int | None) -> list[Op]:
    return [replace(op, down=down, tx=tx) for op in _describe(stmt)]


def _describe(stmt: Statement) -> Iterator[Op]:
    from pglast.enums import ObjectType

    node = stmt.node
    name = type(node).__name__
    if name == "CreateStmt":
        table = node.relation.relname
        yield _op(Kind.CREATE_TABLE, stmt.line, table, f"CREATE TABLE {table}")
        for element in node.tableElts or ():  # the columns' types, for later type changes (MG004)
            if type(element).__name__ == "ColumnDef" and element.typeName is not None:
                type_name = _type_text(element.typeName)
                what = f"CREATE TABLE {table} ({element.colname} {type_name})"
                line = _line_at(stmt, element.location)
                yield _op(Kind.ADD_COLUMN, line, table, what, column=element.colname, type_name=type_name)
    elif name == "InsertStmt":
        yield from _copy_rows(stmt)
    elif name == "CreateTableAsStmt" and node.objtype == ObjectType.OBJECT_TABLE:
        table = node.into.rel.relname
        yield _op(Kind.CREATE_TABLE, stmt.line, table, f"CREATE TABLE {table} AS ...")
    elif name == "DropStmt":
        yield from _drop(stmt)
    elif name == "RenameStmt":
        yield from _rename(stmt)
    elif name == "IndexStmt":
        yield _index(stmt)
    elif name == "AlterTableStmt" and node.objtype == ObjectType.OBJECT_TABLE:
        for cmd in node.cmds or ():
            yield from _alter_cmd(stmt, node.relation.relname, cmd)
    elif name not in _NOT_DDL:
        yield _op(Kind.OTHER, stmt.line, "", name)


def _copy_rows(stmt: Statement) -> Iterator[Op]:
    """`INSERT INTO t SELECT ... FROM other`: rows copied from one table (a rebuild, with renames)."""
    select = stmt.node.selectStmt
    sources: list[Any] = list(getattr(select, "fromClause", None) or ())
    if len(sources) == 1 and type(sources[0]).__name__ == "RangeVar":
        table, source = stmt.node.relation.relname, sources[0].relname
        what = f"INSERT INTO {table} SELECT ... FROM {source}"
        yield _op(Kind.COPY_ROWS, stmt.line, table, what, from_table=source.lower())


def _op(kind: Kind, line: int, table: str, what: str, **extra: Any) -> Op:
    return Op(kind, line, table.lower(), what, **extra)


def _drop(stmt: Statement) -> Iterator[Op]:
    from pglast.enums import ObjectType

    node = stmt.node
    kinds = {ObjectType.OBJECT_TABLE: Kind.DROP_TABLE, ObjectType.OBJECT_INDEX: Kind.DROP_INDEX}
    kind = kinds.get(node.removeType)
    if kind is None:
        return
    for names in node.objects or ():
        target = names[-1].sval
        if kind is Kind.DROP_TABLE:
            yield _op(kind, stmt.line, target, f"DROP TABLE {target}")
        else:
            word = " CONCURRENTLY" if node.concurrent else ""
            yield _op(
                kind,
                stmt.line,
                "",
                f"DROP INDEX{word} {target}",
                constraint=target,
                concurrently=bool(node.concurrent),
            )


def _rename(stmt: Statement) -> Iterator[Op]:
    from pglast.enums import ObjectType

    node = stmt.node
    if node.relation is None:
        return
    table = node.relation.relname
    if node.renameType == ObjectType.OBJECT_TABLE:
        yield _op(
            Kind.RENAME_TABLE,
            stmt.line,
            table,
            f"ALTER TABLE {table} RENAME TO {node.newname}",
            new_name=node.newname.lower(),
        )
    elif node.renameType == ObjectType.OBJECT_COLUMN and node.relationType == ObjectType.OBJECT_TABLE:
        yield _op(
            Kind.RENAME_COLUMN,
            stmt.line,
            table,
            f"ALTER TABLE {table} RENAME COLUMN {node.subname} TO {node.newname}",
            column=node.subname,
            new_name=node.newname,
        )


def _index(stmt: Statement) -> Op:
    node = stmt.node
    table = node.relation.relname
    unique = "UNIQUE " if node.unique else ""
    conc = "CONCURRENTLY " if node.concurrent else ""
    return _op(
        Kind.CREATE_INDEX,
        stmt.line,
        table,
        f"CREATE {unique}INDEX {conc}{node.idxname or ''} ON {table}".replace("  ", " "),
        constraint=node.idxname,
        concurrently=bool(node.concurrent),
    )


# ALTER TABLE clauses that name one column or constraint: (kind, where the clause is, what it says,
# the Op field the name goes to); `{name}` stands for the name
_NAMED_CLAUSES = {
    "AT_DropColumn": (
        Kind.DROP_COLUMN,
        r"DROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?\"?{name}\b",
        "DROP COLUMN {name}",
        "column",
    ),
    "AT_SetNotNull": (
        Kind.SET_NOT_NULL,
        r"ALTER\s+(?:COLUMN\s+)?\"?{name}\"?\s+SET\s+NOT\s+NULL",
        "ALTER COLUMN {name} SET NOT NULL",
        "column",
    ),
    "AT_ValidateConstraint": (
        Kind.VALIDATE_CONSTRAINT,
        r"VALIDATE\s+CONSTRAINT\s+\"?{name}\b",
        "VALIDATE CONSTRAINT {name}",
        "constraint",
    ),
}


def _alter_cmd(stmt: Statement, table: str, cmd: Any) -> Iterator[Op]:
    from pglast.enums import AlterTableType as AT

    sub = cmd.subtype
    named = _NAMED_CLAUSES.get(sub.name)
    if named is not None:
        kind, pattern, clause, target = named
        line = _find(stmt, pattern.replace("{name}", re.escape(cmd.name)))
        what = f"ALTER TABLE {table} {clause.replace('{name}', cmd.name)}"
        yield _op(kind, line, table, what, **{target: cmd.name})
    elif sub == AT.AT_AddColumn:
        yield from _add_column(stmt, table, cmd.def_)
    elif sub == AT.AT_AlterColumnType:
        type_name = _type_text(cmd.def_.typeName)
        line = _find(stmt, rf"ALTER\s+(?:COLUMN\s+)?\"?{re.escape(cmd.name)}\"?\s+(?:SET\s+DATA\s+)?TYPE\b")
        what = f"ALTER TABLE {table} ALTER COLUMN {cmd.name} TYPE {type_name}"
        yield _op(Kind.ALTER_TYPE, line, table, what, column=cmd.name, type_name=type_name)
    elif sub == AT.AT_AddConstraint:
        yield from _add_constraint(stmt, table, cmd.def_)
    else:
        yield _op(Kind.OTHER, stmt.line, table, f"ALTER TABLE {table} ({sub.name})")


def _add_column(stmt: Statement, table: str, coldef: Any) -> Iterator[Op]:
    from pglast.enums import ConstrType as C

    column = coldef.colname
    type_name = _type_text(coldef.typeName)
    line = _line_at(stmt, coldef.location)
    not_null = bool(coldef.is_not_null)
    default, rewrite = Default.NONE, None
    if type_name.lower() in _SERIAL_TYPES:
        default, rewrite = Default.VOLATILE, f"`{type_name}` numbers every existing row from a sequence"
    inline: list[Op] = []
    for con in coldef.constraints or ():
        if con.contype in (C.CONSTR_NOTNULL, C.CONSTR_PRIMARY):
            not_null = True
        if con.contype == C.CONSTR_DEFAULT:
            default, rewrite = _judge_default(con.raw_expr)
        elif con.contype == C.CONSTR_IDENTITY:
            default, rewrite = Default.VOLATILE, "an identity column numbers every existing row"
        elif con.contype == C.CONSTR_GENERATED and con.generated_kind != "v":
            default, rewrite = Default.VOLATILE, "a stored generated column is computed for every row"
        elif con.contype == C.CONSTR_FOREIGN:
            inline.append(
                _op(
                    Kind.ADD_CONSTRAINT,
                    _line_at(stmt, con.location, line),
                    table,
                    f"ALTER TABLE {table} ADD COLUMN {column} ... REFERENCES {con.pktable.relname}",
                    constraint=con.conname or f"{table}_{column}_fkey",
                    constraint_type=FOREIGN_KEY,
                    column=column,
                )
            )
        elif con.contype in (C.CONSTR_UNIQUE, C.CONSTR_PRIMARY):
            kind = UNIQUE if con.contype == C.CONSTR_UNIQUE else PRIMARY_KEY
            inline.append(
                _op(
                    Kind.ADD_CONSTRAINT,
                    _line_at(stmt, con.location, line),
                    table,
                    f"ALTER TABLE {table} ADD COLUMN {column} ... {kind.upper()}",
                    constraint=con.conname,
                    constraint_type=kind,
                    column=column,
                )
            )
    yield _op(
        Kind.ADD_COLUMN,
        line,
        table,
        f"ALTER TABLE {table} ADD COLUMN {column} {type_name}",
        column=column,
        type_name=type_name,
        not_null=not_null,
        default=default,
        rewrite=rewrite,
    )
    yield from inline


def _judge_default(expr: Any) -> tuple[Default, str | None]:
    if type(expr).__name__ == "A_Const" and expr.isnull:
        return Default.NONE, None
    for func in _function_names(expr(skip_none=True)):
        if func in VOLATILE_FUNCTIONS:
            return Default.VOLATILE, f"`{func}()` is evaluated for every existing row"
    return Default.CONSTANT, None


def _function_names(tree: Any) -> Iterator[str]:
    if isinstance(tree, dict):
        if tree.get("@") == "FuncCall":
            yield tree["funcname"][-1]["sval"].lower()
        for value in tree.values():
            yield from _function_names(value)
    elif isinstance(tree, (list, tuple)):
        for item in tree:
            yield from _function_names(item)


def judge_default_sql(expr_sql: str) -> tuple[Default, str | None]:
    """A DEFAULT written as SQL text (Alembic `server_default=sa.text(...)`)."""
    expr = _expression(expr_sql)
    return (Default.CONSTANT, None) if expr is None else _judge_default(expr)


def _add_constraint(stmt: Statement, table: str, con: Any) -> Iterator[Op]:
    from pglast.enums import ConstrType as C

    kinds = {
        C.CONSTR_FOREIGN: FOREIGN_KEY,
        C.CONSTR_CHECK: CHECK,
        C.CONSTR_UNIQUE: UNIQUE,
        C.CONSTR_PRIMARY: PRIMARY_KEY,
        C.CONSTR_EXCLUSION: EXCLUSION,
        C.CONSTR_NOTNULL: NOT_NULL,
    }
    kind = kinds.get(con.contype)
    if kind is None or (kind in (UNIQUE, PRIMARY_KEY) and con.indexname):
        return  # `UNIQUE USING INDEX idx`: the index was built beforehand
    line = _line_at(stmt, con.location)
    not_null_column = None
    if kind == CHECK:
        not_null_column = is_not_null_test(con.raw_expr)
    elif kind == NOT_NULL:
        not_null_column = con.keys[0].sval if con.keys else None
        if not con.skip_validation:  # PostgreSQL 18: the same as SET NOT NULL
            yield _op(
                Kind.SET_NOT_NULL,
                line,
                table,
                f"ALTER TABLE {table} ADD CONSTRAINT {con.conname or ''} NOT NULL {not_null_column}",
                column=not_null_column,
            )
            return
    valid = " NOT VALID" if con.skip_validation else ""
    yield _op(
        Kind.ADD_CONSTRAINT,
        line,
        table,
        f"ALTER TABLE {table} ADD CONSTRAINT {con.conname or ''} {kind.upper()}{valid}".replace("  ", " "),
        constraint=con.conname,
        constraint_type=kind,
        not_valid=bool(con.skip_validation),
        not_null_column=not_null_column,
    )


def is_not_null_test(expr: Any) -> str | None:
    """The column of a `col IS NOT NULL` expression."""
    from pglast.enums import NullTestType

    if type(expr).__name__ != "NullTest" or expr.nulltesttype != NullTestType.IS_NOT_NULL:
        return None
    arg = expr.arg
    if type(arg).__name__ == "ColumnRef" and len(arg.fields) == 1:
        return str(arg.fields[0].sval)
    return None


def not_null_check_column(condition_sql: str) -> str | None:
    """The column of a CHECK condition written as text, when it is `col IS NOT NULL`."""
    expr = _expression(condition_sql)
    return None if expr is None else is_not_null_test(expr)


def _expression(text: str) -> Any:
    """One SQL expression written as text, as a pglast node (None when it is not one)."""
    parsed = statements(f"SELECT ({text})")
    if isinstance(parsed, ParseFailure) or len(parsed) != 1:
        return None
    targets = getattr(parsed[0].node, "targetList", None)
    return targets[0].val if targets and len(targets) == 1 else None


def _deparse(node: Any) -> str:
    from pglast.stream import RawStream

    return str(RawStream()(node))


# A type's text by what the type is written as. Deparsing costs about 50 µs a column, and a
# migration of thousands of columns names the same few types again and again.
_TYPE_TEXTS: dict[tuple[Any, ...], str] = {}
_TYPE_TEXTS_KEPT = 4096


def _type_text(node: Any) -> str:
    key = _type_key(node)
    if key is None:
        return _deparse(node)
    text = _TYPE_TEXTS.get(key)
    if text is None:
        if len(_TYPE_TEXTS) >= _TYPE_TEXTS_KEPT:
            _TYPE_TEXTS.clear()
        text = _TYPE_TEXTS[key] = _deparse(node)
    return text


def _type_key(node: Any) -> tuple[Any, ...] | None:
    """Everything of a TypeName that its text depends on, when it is only names and constants;
    None for anything else (deparsed each time)."""
    try:
        names = tuple(name.sval for name in node.names)
        mods = tuple((type(mod.val).__name__, _constant(mod.val)) for mod in node.typmods or ())
        bounds = tuple(bound.ival for bound in node.arrayBounds or ())
    except AttributeError:  # a modifier or bound that is not a constant
        return None
    return names, mods, bounds, bool(node.setof), bool(node.pct_type)


def _constant(value: Any) -> Any:
    for field in ("ival", "fval", "sval", "boolval", "bsval"):
        if hasattr(value, field):
            return getattr(value, field)
    raise AttributeError(type(value).__name__)


def _line_at(stmt: Statement, location: int | None, fallback: int | None = None) -> int:
    if location is None or location < stmt.start:
        return fallback or stmt.line
    return stmt.line + stmt.text[: location - stmt.start].count("\n")


def _find(stmt: Statement, pattern: str) -> int:
    """The line of the clause matching `pattern` inside the statement (its first line otherwise)."""
    match = re.search(pattern, stmt.text, re.IGNORECASE)
    return stmt.line + stmt.text[: match.start()].count("\n") if match else stmt.line
