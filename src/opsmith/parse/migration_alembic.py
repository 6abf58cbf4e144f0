"""Alembic revisions: the `op.*` calls of `upgrade()` (up) and `downgrade()` (down), from the AST.

Understood: add_column (nullable, server_default, ForeignKey, Identity/Computed), drop_column,
alter_column (type_, nullable, new_column_name), rename_table, create_table, drop_table,
create_index / drop_index (postgresql_concurrently), create_foreign_key and
create_check_constraint (postgresql_not_valid), create_unique_constraint, create_primary_key,
execute("SQL") (read by pglast), the same on `batch_op` inside `with op.batch_alter_table(...)`,
and `with op.get_context().autocommit_block():`, whose operations run outside the transaction.
Helpers called from upgrade() are not followed.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace

from opsmith.parse import migration_python as py
from opsmith.parse import migration_sql as sql
from opsmith.parse.migration_ops import (
    CHECK,
    FOREIGN_KEY,
    PRIMARY_KEY,
    UNIQUE,
    Default,
    Kind,
    MigrationDoc,
    Note,
    Op,
)

_PARAMS: dict[str, tuple[str, ...]] = {
    "add_column": ("table_name", "column"),
    "drop_column": ("table_name", "column_name"),
    "alter_column": ("table_name", "column_name"),
    "rename_table": ("old_table_name", "new_table_name"),
    "create_table": ("table_name",),
    "drop_table": ("table_name",),
    "create_index": ("index_name", "table_name", "columns"),
    "drop_index": ("index_name", "table_name"),
    "create_foreign_key": ("constraint_name", "source_table", "referent_table", "local_cols", "remote_cols"),
    "create_check_constraint": ("constraint_name", "table_name", "condition"),
    "create_unique_constraint": ("constraint_name", "table_name", "columns"),
    "create_primary_key": ("constraint_name", "table_name", "columns"),
    "execute": ("sqltext",),
}
_TABLE_PARAMS = ("table_name", "source_table")
_NOT_SCHEMA = frozenset(
    {"get_context", "get_bind", "f", "batch_alter_table", "inline_literal", "run_async", "invoke"}
)


@dataclass(frozen=True)
class _Scope:
    down: bool
    tx: int | None
    receivers: dict[str, str | None]  # `op` -> None; a batch_op variable -> its table


def parse_alembic(tree: ast.Module) -> MigrationDoc:
    doc = MigrationDoc("alembic")
    functions = {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith(("upgrade", "downgrade"))
    }
    for number, (name, fn) in enumerate(sorted(functions.items(), key=lambda kv: kv[1].lineno), 1):
        scope = _Scope(down=name.startswith("downgrade"), tx=number, receivers={"op": None})
        _visit(doc, fn.body, scope)
    upgrade, downgrade = functions.get("upgrade"), functions.get("downgrade")
    if upgrade is not None and doc.changes_schema():
        if downgrade is None:
            doc.no_way_back.append(Note(upgrade.lineno, "this revision has no downgrade()"))
        elif py.does_nothing(downgrade.body):
            doc.no_way_back.append(
                Note(downgrade.lineno, "downgrade() does nothing: this revision cannot be rolled back")
            )
    return doc


def _visit(doc: MigrationDoc, body: list[ast.stmt], scope: _Scope) -> None:
    for stmt in body:
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            _visit(doc, stmt.body, _enter(stmt, scope))
        elif isinstance(stmt, (ast.If, ast.For, ast.While, ast.Try)):
            for part in ("body", "orelse", "finalbody"):
                _visit(doc, getattr(stmt, part, []), scope)
            for handler in getattr(stmt, "handlers", []):
                _visit(doc, handler.body, scope)
        elif not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for call in py.calls_in(stmt):
                _call(doc, call, scope)


def _enter(stmt: ast.With | ast.AsyncWith, scope: _Scope) -> _Scope:
    receivers = dict(scope.receivers)
    tx = scope.tx
    for item in stmt.items:
        expr = item.context_expr
        name = py.call_name(expr)
        if name == "autocommit_block":
            tx = None
        elif name == "batch_alter_table" and isinstance(expr, ast.Call):
            table = py.string(py.bind(expr, ("table_name",)).get("table_name"))
            if isinstance(item.optional_vars, ast.Name) and table:
                receivers[item.optional_vars.id] = table
    return replace(scope, tx=tx, receivers=receivers)


def _call(doc: MigrationDoc, call: ast.Call, scope: _Scope) -> None:
    func = call.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
        return
    if func.value.id not in scope.receivers or func.attr in _NOT_SCHEMA:
        return
    if func.attr not in _PARAMS:  # drop_index, drop_constraint, create_table_comment...
        doc.ops.append(Op(Kind.OTHER, call.lineno, "", py.short_source(call), down=scope.down, tx=scope.tx))
        return
    batch_table = scope.receivers[func.value.id]
    params = _PARAMS[func.attr]
    if batch_table is not None:
        params = tuple(p for p in params if p not in _TABLE_PARAMS)
    args = py.bind(call, params)
    table = batch_table or py.string(args.get("table_name") or args.get("source_table")) or ""
    what = py.short_source(call)
    for op in _ops(func.attr, args, table.lower(), call.lineno, what, scope=scope):
        doc.ops.append(replace(op, down=scope.down, tx=scope.tx))


def _ops(
    attr: str, args: dict[str, ast.expr], table: str, line: int, what: str, *, scope: _Scope
) -> list[Op]:
    s = py.string
    if attr == "execute":
        return sql.embedded_ops(s(args.get("sqltext")) or "", line, down=scope.down, tx=scope.tx)
    if attr == "add_column":
        column = args.get("column")
        return _add_column(column, table, line, what) if isinstance(column, ast.Call) else []
    if attr == "drop_column":
        return [Op(Kind.DROP_COLUMN, line, table, what, column=s(args.get("column_name")))]
    if attr == "alter_column":
        return _alter_column(args, table, line, what)
    if attr == "rename_table":
        new = s(args.get("new_table_name")) or ""
        return [
            Op(
                Kind.RENAME_TABLE,
                line,
                (s(args.get("old_table_name")) or "").lower(),
                what,
                new_name=new.lower(),
            )
        ]
    if attr in ("create_table", "drop_table"):
        kind = Kind.CREATE_TABLE if attr == "create_table" else Kind.DROP_TABLE
        return [Op(kind, line, table, what)]
    if attr in ("create_index", "drop_index"):
        kind = Kind.CREATE_INDEX if attr == "create_index" else Kind.DROP_INDEX
        return [
            Op(
                kind,
                line,
                table,
                what,
                constraint=s(args.get("index_name")),
                concurrently=py.is_true(args.get("postgresql_concurrently")),
            )
        ]
    kinds = {
        "create_foreign_key": FOREIGN_KEY,
        "create_check_constraint": CHECK,
        "create_unique_constraint": UNIQUE,
        "create_primary_key": PRIMARY_KEY,
    }
    condition = s(args.get("condition"))
    return [
        Op(
            Kind.ADD_CONSTRAINT,
            line,
            table,
            what,
            constraint=s(args.get("constraint_name")),
            constraint_type=kinds[attr],
            not_valid=py.is_true(args.get("postgresql_not_valid")),
            not_null_column=sql.not_null_check_column(condition) if condition else None,
        )
    ]


def _add_column(column: ast.Call, table: str, line: int, what: str) -> list[Op]:
    args = py.bind(column, ("name", "type_"))
    name = py.string(args.get("name"))
    nullable = args.get("nullable")
    not_null = py.is_false(nullable) or (nullable is None and py.is_true(args.get("primary_key")))
    default, rewrite = _server_default(args.get("server_default"))
    ops: list[Op] = []
    for extra in column.args:
        kind = py.call_name(extra)
        if kind == "Identity" or (kind == "Computed" and not py.is_false(py.keyword(extra, "persisted"))):
            default, rewrite = Default.VOLATILE, f"`{kind}()` computes a value for every existing row"
        elif kind == "ForeignKey":
            ops.append(
                Op(
                    Kind.ADD_CONSTRAINT,
                    line,
                    table,
                    what,
                    column=name,
                    constraint_type=FOREIGN_KEY,
                    constraint=f"{table}_{name}_fkey",
                )
            )
    type_name = py.source(args["type_"]) if "type_" in args else None
    add = Op(
        Kind.ADD_COLUMN,
        line,
        table,
        what,
        column=name,
        type_name=type_name,
        not_null=not_null,
        default=default,
        rewrite=rewrite,
    )
    return [add, *ops]


def _server_default(node: ast.expr | None) -> tuple[Default, str | None]:
    if node is None or py.literal(node, "?") is None:
        return Default.NONE, None
    text = py.string(node)
    if text is not None:
        wrapped = isinstance(node, ast.Call)  # sa.text("now()"): SQL; a bare string is a literal value
        return sql.judge_default_sql(text) if wrapped else (Default.CONSTANT, None)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        func = node.func.attr.lower()  # sa.func.gen_random_uuid()
        if func in sql.VOLATILE_FUNCTIONS:
            return Default.VOLATILE, f"`{func}()` is evaluated for every existing row"
    return Default.CONSTANT, None


def _alter_column(args: dict[str, ast.expr], table: str, line: int, what: str) -> list[Op]:
    column = py.string(args.get("column_name"))
    ops = []
    if "type_" in args:
        old = py.source(args["existing_type"]) if "existing_type" in args else None
        new = py.source(args["type_"])
        ops.append(Op(Kind.ALTER_TYPE, line, table, what, column=column, type_name=new, old_type=old))
    if py.is_false(args.get("nullable")):
        ops.append(Op(Kind.SET_NOT_NULL, line, table, what, column=column))
    new_name = py.string(args.get("new_column_name"))
    if new_name:
        ops.append(Op(Kind.RENAME_COLUMN, line, table, what, column=column, new_name=new_name))
    return ops
