"""Django migrations: the `operations` of `class Migration`, read from the AST.

Table names are Django's defaults (`<app folder>_<model>`, or `db_table` when the migration sets
it); column names add `_id` to foreign keys (or take `db_column`). Understood operations:
CreateModel, DeleteModel, RenameModel, AlterModelTable, AddField, RemoveField, RenameField,
AlterField, AddIndex, AddIndexConcurrently, RemoveIndexConcurrently, AddConstraint, RunSQL (read
by pglast, `reverse_sql` as the down direction), RunPython, and SeparateDatabaseAndState (only
`database_operations` touch the database; `state_operations` feed the field history).

An AddField without `default=` still fills existing rows when Django's schema editor has an
effective default for the field: '' for a string field with blank=True, now for `auto_now`.

An AlterField says what a field becomes, not what it was: `alter_field_effects` replays the earlier
migrations of the same app to tell a type change or a new NOT NULL from a help_text edit.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from posixpath import basename, dirname

from opsmith.parse import migration_python as py
from opsmith.parse import migration_sql as sql
from opsmith.parse.migration_ops import (
    CHECK,
    EXCLUSION,
    FOREIGN_KEY,
    UNIQUE,
    Default,
    FieldSpec,
    Kind,
    MigrationDoc,
    Note,
    Op,
)

_PARAMS: dict[str, tuple[str, ...]] = {
    "CreateModel": ("name", "fields", "options"),
    "DeleteModel": ("name",),
    "RenameModel": ("old_name", "new_name"),
    "AlterModelTable": ("name", "table"),
    "AddField": ("model_name", "name", "field"),
    "RemoveField": ("model_name", "name"),
    "AlterField": ("model_name", "name", "field"),
    "RenameField": ("model_name", "old_name", "new_name"),
    "AddIndex": ("model_name", "index"),
    "AddIndexConcurrently": ("model_name", "index"),
    "RemoveIndexConcurrently": ("model_name", "name"),
    "AddConstraint": ("model_name", "constraint"),
    "RunSQL": ("sql", "reverse_sql"),
    "RunPython": ("code", "reverse_code"),
    "SeparateDatabaseAndState": ("database_operations", "state_operations"),
}
_RELATIONS = frozenset({"ForeignKey", "OneToOneField"})
_VOLATILE_DB_DEFAULTS = frozenset({"RandomUUID"})
_NOT_NULL_Q = re.compile(r"^Q\(\s*(\w+)__isnull\s*=\s*False\s*\)$")
# Fields whose empty value is a string (Django's `empty_strings_allowed`); integer, date, UUID,
# JSON, boolean and relation fields are not among them, and neither are unknown custom classes.
_EMPTY_STRING_FIELDS = frozenset(
    {"CharField", "TextField", "SlugField", "EmailField", "URLField", "FileField", "ImageField"}
    | {"FilePathField", "CommaSeparatedIntegerField", "BinaryField", "CICharField", "CIEmailField"}
    | {"CITextField"}
)


@dataclass
class _Reader:
    doc: MigrationDoc
    app: str
    tx: int | None
    tables: dict[str, str] = field(default_factory=dict)  # model -> db_table set in this file

    def table(self, model: str | None) -> str:
        model = (model or "").lower()
        return self.tables.get(model) or (f"{self.app}_{model}" if self.app else model)


def parse_django(tree: ast.Module, relpath: str) -> MigrationDoc:
    folder = dirname(relpath)
    doc = MigrationDoc("django", django_app=folder)
    migration = next(
        (
            node
            for node in tree.body
            if isinstance(node, ast.ClassDef)
            and any((py.source(b).rsplit(".", 1)[-1]) == "Migration" for b in node.bases)
        ),
        None,
    )
    if migration is None:
        return doc
    attrs = {
        t.id: stmt.value
        for stmt in migration.body
        if isinstance(stmt, ast.Assign)
        for t in stmt.targets
        if isinstance(t, ast.Name)
    }
    atomic = not py.is_false(attrs.get("atomic"))
    reader = _Reader(doc, basename(dirname(folder)).lower(), 1 if atomic else None)
    operations = attrs.get("operations")
    if isinstance(operations, (ast.List, ast.Tuple)):
        _operations(reader, operations.elts, state_only=False)
    return doc


def _operations(reader: _Reader, calls: Iterable[ast.expr], *, state_only: bool) -> None:
    for call in calls:
        name = py.call_name(call)
        if not isinstance(call, ast.Call) or name not in _PARAMS:
            continue
        args = py.bind(call, _PARAMS[name])
        if name == "SeparateDatabaseAndState":
            for key, only in (("database_operations", state_only), ("state_operations", True)):
                listed = args.get(key)
                if isinstance(listed, (ast.List, ast.Tuple)):
                    _operations(reader, listed.elts, state_only=only)
            continue
        for op in _ops(reader, name, args, call.lineno, state_only=state_only):
            target = reader.doc.state_only if state_only else reader.doc.ops
            target.append(op if state_only else replace(op, tx=reader.tx))


def _ops(reader: _Reader, name: str, args: dict[str, ast.expr], line: int, *, state_only: bool) -> list[Op]:
    s = py.string
    model = s(args.get("model_name") or args.get("name"))
    table = reader.table(model)
    if name in ("RunSQL", "RunPython"):
        return [] if state_only else _run(reader, name, args, line)
    if name == "CreateModel":
        return _create_model(reader, args, line)
    if name == "DeleteModel":
        return [Op(Kind.DROP_TABLE, line, table, f"DeleteModel {model}")]
    if name in ("RenameModel", "AlterModelTable"):
        if name == "RenameModel":
            old, new = reader.table(s(args.get("old_name"))), reader.table(s(args.get("new_name")))
        else:
            old, new = table, (s(args.get("table")) or "").lower()
        return [Op(Kind.RENAME_TABLE, line, old, f"{name} {old} -> {new}", new_name=new)] if new else []
    if name in ("AddField", "AlterField"):
        spec = field_spec(args.get("field"))
        fname = s(args.get("name")) or ""
        if spec is None or spec.cls == "ManyToManyField":
            return []  # no column: a join table, created or altered on its own
        if name == "AddField":
            return _add_field(table, fname, spec, line, f"AddField {model}.{fname}")
        return [
            Op(
                Kind.ALTER_FIELD,
                line,
                table,
                f"AlterField {model}.{fname}",
                column=column_name(fname, spec),
                field=spec,
            )
        ]
    if name == "RemoveField":
        fname = s(args.get("name")) or ""
        return [Op(Kind.DROP_COLUMN, line, table, f"RemoveField {model}.{fname}", column=fname)]
    if name == "RenameField":
        old, new = s(args.get("old_name")) or "", s(args.get("new_name")) or ""
        return [
            Op(
                Kind.RENAME_COLUMN,
                line,
                table,
                f"RenameField {model}.{old} -> {new}",
                column=old,
                new_name=new,
            )
        ]
    if name in ("AddIndex", "AddIndexConcurrently"):
        index = args.get("index")
        index_name = s(py.keyword(index, "name"))
        return [
            Op(
                Kind.CREATE_INDEX,
                line,
                table,
                f"{name} {model} {index_name or ''}".strip(),
                constraint=index_name,
                concurrently=name == "AddIndexConcurrently",
            )
        ]
    if name == "RemoveIndexConcurrently":
        return [Op(Kind.DROP_INDEX, line, table, f"{name} {model}", concurrently=True)]
    return _add_constraint(table, model, args.get("constraint"), line)


def _run(reader: _Reader, name: str, args: dict[str, ast.expr], line: int) -> list[Op]:
    forward = "sql" if name == "RunSQL" else "code"
    backward = "reverse_sql" if name == "RunSQL" else "reverse_code"
    if backward not in args or py.literal(args[backward], "?") is None:
        reader.doc.no_way_back.append(Note(line, f"{name} without {backward}: it cannot be reversed"))
    if name == "RunPython":
        return []
    ops: list[Op] = []
    for key, down in ((forward, False), (backward, True)):
        for text, at in _sql_texts(args.get(key)):
            ops.extend(sql.embedded_ops(text, at, down=down, tx=reader.tx))
    return ops


def _sql_texts(node: ast.expr | None) -> list[tuple[str, int]]:
    """RunSQL's sql: a string, or a list of strings or (sql, params) pairs."""
    if node is None:
        return []
    if isinstance(node, (ast.List, ast.Tuple)):
        found = []
        for item in node.elts:
            first = item.elts[0] if isinstance(item, ast.Tuple) and item.elts else item
            text = py.string(first)
            if text is not None:
                found.append((text, first.lineno))
        return found
    text = py.string(node)
    return [(text, node.lineno)] if text is not None else []


def _create_model(reader: _Reader, args: dict[str, ast.expr], line: int) -> list[Op]:
    model = (py.string(args.get("name")) or "").lower()
    options = py.literal(args.get("options"), {})
    if isinstance(options, dict) and isinstance(options.get("db_table"), str):
        reader.tables[model] = options["db_table"].lower()
    table = reader.table(model)
    ops = [Op(Kind.CREATE_TABLE, line, table, f"CreateModel {model}")]
    fields = args.get("fields")
    for item in fields.elts if isinstance(fields, (ast.List, ast.Tuple)) else ():
        if isinstance(item, ast.Tuple) and len(item.elts) == 2:
            fname, spec = py.string(item.elts[0]), field_spec(item.elts[1])
            if fname and spec is not None and spec.cls != "ManyToManyField":
                ops.extend(_add_field(table, fname, spec, item.lineno, f"CreateModel {model}.{fname}"))
    return ops


def _add_field(table: str, name: str, spec: FieldSpec, line: int, what: str) -> list[Op]:
    column = column_name(name, spec)
    default, rewrite = Default.NONE, None
    db_default = spec.kwargs.get("db_default")
    if "default" in spec.kwargs or db_default is not None or _implied_default(spec):
        default = Default.CONSTANT  # Django computes it once, for every existing row
    if isinstance(db_default, str) and db_default.split("(")[0].rsplit(".", 1)[-1] in _VOLATILE_DB_DEFAULTS:
        default, rewrite = Default.VOLATILE, f"`db_default={db_default}` is evaluated for every existing row"
    not_null = not spec.flag("null") and not spec.flag("primary_key")
    ops = [
        Op(
            Kind.ADD_COLUMN,
            line,
            table,
            what,
            column=column,
            type_name=spec.cls,
            not_null=not_null,
            default=default,
            rewrite=rewrite,
            field=spec,
        )
    ]
    relation = spec.cls in _RELATIONS
    if relation and spec.flag("db_constraint", True):
        ops.append(
            Op(
                Kind.ADD_CONSTRAINT,
                line,
                table,
                what,
                column=column,
                constraint_type=FOREIGN_KEY,
                constraint=f"{table}_{column}_fk",
            )
        )
    if spec.flag("unique") or spec.cls == "OneToOneField":
        ops.append(Op(Kind.ADD_CONSTRAINT, line, table, what, column=column, constraint_type=UNIQUE))
    elif spec.flag("db_index", relation):
        ops.append(Op(Kind.CREATE_INDEX, line, table, what, column=column))
    return ops


def _implied_default(spec: FieldSpec) -> bool:
    """Whether Django's schema editor fills existing rows without a `default=`, as its
    `_effective_default` does: '' (b'' for binary) for a string field with blank=True and
    null=False, the current time for `auto_now`/`auto_now_add`."""
    if spec.flag("auto_now") or spec.flag("auto_now_add"):
        return True
    return spec.cls in _EMPTY_STRING_FIELDS and spec.flag("blank") and not spec.flag("null")


def _add_constraint(table: str, model: str | None, node: ast.expr | None, line: int) -> list[Op]:
    kind = py.call_name(node) if node is not None else None
    if not isinstance(node, ast.Call) or kind is None:
        return []
    name = py.string(py.keyword(node, "name"))
    what = f"AddConstraint {model} {name or kind}"
    if kind == "CheckConstraint":
        check = py.keyword(node, "check") or py.keyword(node, "condition")
        match = _NOT_NULL_Q.match(py.source(check)) if check is not None else None
        return [
            Op(
                Kind.ADD_CONSTRAINT,
                line,
                table,
                what,
                constraint=name,
                constraint_type=CHECK,
                not_null_column=match.group(1) if match else None,
            )
        ]
    if kind == "UniqueConstraint":
        if py.keyword(node, "condition") is not None:  # a partial unique index
            return [Op(Kind.CREATE_INDEX, line, table, what, constraint=name)]
        return [Op(Kind.ADD_CONSTRAINT, line, table, what, constraint=name, constraint_type=UNIQUE)]
    if kind == "ExclusionConstraint":
        return [Op(Kind.ADD_CONSTRAINT, line, table, what, constraint=name, constraint_type=EXCLUSION)]
    return []


def field_spec(node: ast.expr | None) -> FieldSpec | None:
    cls = py.call_name(node) if node is not None else None
    if not isinstance(node, ast.Call) or cls is None:
        return None
    kwargs: dict[str, object] = {}
    for kw in node.keywords:
        if kw.arg is not None:
            value = py.literal(kw.value, _Source(py.source(kw.value)))
            kwargs[kw.arg] = str(value) if isinstance(value, _Source) else value
    return FieldSpec(cls, kwargs, tuple(py.source(a) for a in node.args))


class _Source(str):
    """A keyword value that is not a literal, kept as its source text."""


def column_name(name: str, spec: FieldSpec) -> str:
    db_column = spec.kwargs.get("db_column")
    if isinstance(db_column, str):
        return db_column
    return f"{name}_id" if spec.cls in _RELATIONS else name


# --- AlterField against the field's history -------------------------------------------------------

_VARCHAR = {
    "CharField": None,
    "EmailField": 254,
    "URLField": 200,
    "SlugField": 50,
    "FileField": 100,
    "ImageField": 100,
    "FilePathField": 100,
}
_DB_TYPES = {
    **dict.fromkeys(_VARCHAR, "varchar"),
    "TextField": "text",
    **dict.fromkeys(("IntegerField", "PositiveIntegerField", "AutoField"), "integer"),
    **dict.fromkeys(("SmallIntegerField", "PositiveSmallIntegerField", "SmallAutoField"), "smallint"),
    **dict.fromkeys(("BigIntegerField", "PositiveBigIntegerField", "BigAutoField"), "bigint"),
    **dict.fromkeys(("BooleanField", "NullBooleanField"), "boolean"),
    "DateTimeField": "timestamp with time zone",
    "DateField": "date",
    "TimeField": "time",
    "DurationField": "interval",
    "DecimalField": "numeric",
    "FloatField": "double precision",
    "UUIDField": "uuid",
    "JSONField": "jsonb",
    "BinaryField": "bytea",
    "GenericIPAddressField": "inet",
}


@dataclass(frozen=True)
class _DbType:
    name: str
    size: tuple[object, ...] = ()

    def __str__(self) -> str:
        return f"{self.name}({', '.join(map(str, self.size))})" if self.size else self.name


def _db_type(spec: FieldSpec) -> _DbType | None:
    name = _DB_TYPES.get(spec.cls)
    if name == "varchar":
        return _DbType(name, (spec.kwargs.get("max_length", _VARCHAR[spec.cls]),))
    if name == "numeric":
        return _DbType(name, (spec.kwargs.get("max_digits"), spec.kwargs.get("decimal_places")))
    return _DbType(name) if name else None


def _needs_rewrite(old: _DbType, new: _DbType) -> bool:
    """PostgreSQL changes varchar(n) to a longer varchar or to text, and raises a numeric's
    precision at the same scale, without touching the rows; every other change rewrites them."""
    if old == new:
        return False
    if old.name == "varchar" and new.name == "text":
        return False
    if old.name == new.name == "varchar":
        (was,), (now,) = old.size, new.size
        return not (now is None or (isinstance(was, int) and isinstance(now, int) and now >= was))
    if old.name == new.name == "numeric":
        (p1, s1), (p2, s2) = old.size, new.size
        return not (isinstance(p1, int) and isinstance(p2, int) and p2 >= p1 and s1 == s2)
    return True


def alter_field_effects(app_docs: Sequence[tuple[str, MigrationDoc]]) -> dict[tuple[str, int], list[Op]]:
    """For each AlterField of one app's migrations (given in order), the SQL-level changes it makes
    against the field as the earlier migrations defined it: ALTER_TYPE and SET_NOT_NULL ops.
    AlterFields whose earlier definition is unknown are left out."""
    state: dict[tuple[str, str], FieldSpec] = {}
    effects: dict[tuple[str, int], list[Op]] = {}
    for path, doc in app_docs:
        for op in sorted([*doc.ops, *doc.state_only], key=lambda o: o.line):
            if op.down:
                continue
            if op.kind is Kind.ALTER_FIELD and op.field is not None and op.column:
                before = state.get((op.table, op.column))
                changes = _changes(op, before, op.field) if before is not None else []
                if changes:
                    effects.setdefault((path, op.line), []).extend(changes)
            _track(state, op)
    return effects


def _changes(op: Op, before: FieldSpec, after: FieldSpec) -> list[Op]:
    found = []
    old, new = _db_type(before), _db_type(after)
    if old is not None and new is not None and _needs_rewrite(old, new):
        found.append(
            replace(op, kind=Kind.ALTER_TYPE, type_name=str(new), what=f"{op.what} ({old} -> {new})")
        )
    if before.flag("null") and not after.flag("null"):
        found.append(replace(op, kind=Kind.SET_NOT_NULL, what=f"{op.what} (null=True -> null=False)"))
    return found


def _track(state: dict[tuple[str, str], FieldSpec], op: Op) -> None:
    if op.kind in (Kind.ADD_COLUMN, Kind.ALTER_FIELD) and op.field is not None and op.column:
        state[(op.table, op.column)] = op.field
    elif op.kind in (Kind.DROP_COLUMN, Kind.RENAME_COLUMN) and op.column:
        key = next(((op.table, c) for c in (op.column, f"{op.column}_id") if (op.table, c) in state), None)
        spec = state.pop(key, None) if key else None
        if op.kind is Kind.RENAME_COLUMN and spec is not None and op.new_name:
            state[(op.table, column_name(op.new_name, spec))] = spec
    elif op.kind is Kind.RENAME_TABLE and op.new_name:
        for table, column in list(state):
            if table == op.table:
                state[(op.new_name, column)] = state.pop((table, column))
    elif op.kind is Kind.DROP_TABLE:
        for key in [k for k in state if k[0] == op.table]:
            del state[key]
