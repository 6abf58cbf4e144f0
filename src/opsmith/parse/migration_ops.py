"""What a schema migration does, whatever tool wrote it: a list of typed operations.

Every reader (raw SQL through pglast, Alembic and Django through Python's AST, Rails through a
line scanner) turns its file into `Op`s on PostgreSQL table and column names, so the MG rules judge
one shape. Each `Op` knows its line, its direction (up, or down = undo), and the transaction it runs
in, when the tool makes that certain.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime


class Kind(enum.Enum):
    CREATE_TABLE = "create table"
    DROP_TABLE = "drop table"
    RENAME_TABLE = "rename table"
    ADD_COLUMN = "add column"
    DROP_COLUMN = "drop column"
    RENAME_COLUMN = "rename column"
    ALTER_TYPE = "alter column type"
    SET_NOT_NULL = "set not null"
    CREATE_INDEX = "create index"
    DROP_INDEX = "drop index"
    ADD_CONSTRAINT = "add constraint"
    VALIDATE_CONSTRAINT = "validate constraint"
    ALTER_FIELD = "alter field"  # Django AlterField: judged against the field's earlier definition
    COPY_ROWS = "copy rows"  # INSERT INTO t SELECT ... FROM other: data, but it tells a table rebuild
    OTHER = "other schema change"  # DDL no rule judges (CREATE VIEW, SET DEFAULT, CREATE FUNCTION...)


class Default(enum.Enum):
    """What ADD COLUMN puts in existing rows, as PostgreSQL 11+ does it."""

    NONE = "none"  # NULL: no rewrite, but NOT NULL then fails on a non-empty table
    CONSTANT = "constant"  # stored once in the catalog: no rewrite
    VOLATILE = "volatile"  # computed per row (random(), a sequence, identity): rewrites the table


# Constraint kinds held in Op.constraint_type
FOREIGN_KEY = "foreign key"
CHECK = "check"
UNIQUE = "unique"
PRIMARY_KEY = "primary key"
EXCLUSION = "exclusion"
NOT_NULL = "not null"  # PostgreSQL 18 `ADD CONSTRAINT ... NOT NULL col NOT VALID`
INDEX_BUILDING = frozenset({UNIQUE, PRIMARY_KEY, EXCLUSION})


@dataclass(frozen=True)
class FieldSpec:
    """A Django model field as written in a migration: `models.CharField(max_length=20, null=True)`."""

    cls: str  # class name without module: "CharField"
    kwargs: dict[str, object]  # literal values; other expressions as their source text
    args: tuple[str, ...] = ()  # positional arguments as source text (ForeignKey's target)

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.kwargs.get(name, default)
        return value if isinstance(value, bool) else default


@dataclass(frozen=True)
class Op:
    kind: Kind
    line: int
    table: str  # PostgreSQL table name, lower-cased, without schema
    what: str  # the statement as the author wrote it, shortened for messages
    column: str | None = None
    new_name: str | None = None  # renames
    type_name: str | None = None  # ALTER_TYPE target, ADD_COLUMN type
    old_type: str | None = None  # ALTER_TYPE: the type before, when the migration says (existing_type)
    not_null: bool = False  # ADD_COLUMN ... NOT NULL
    default: Default = Default.NONE  # ADD_COLUMN
    rewrite: str | None = None  # why an ADD_COLUMN default is computed per row
    constraint: str | None = None  # constraint or index name (or a stand-in key)
    constraint_type: str | None = None  # FOREIGN_KEY, CHECK, UNIQUE, ...
    not_valid: bool = False  # ADD_CONSTRAINT ... NOT VALID
    not_null_column: str | None = None  # a CHECK (col IS NOT NULL) or NOT NULL constraint's column
    concurrently: bool = False  # CREATE/DROP INDEX CONCURRENTLY
    tx: int | None = None  # the transaction it runs in; None: none, or not known
    down: bool = False  # part of the undo direction
    field: FieldSpec | None = None  # Django ADD_COLUMN/ALTER_FIELD/CREATE_TABLE: the new field
    from_table: str | None = None  # COPY_ROWS: the table the rows are read from


@dataclass(frozen=True)
class Note:
    """A fact about the file that is not an operation (e.g. an empty downgrade())."""

    line: int | None
    message: str


@dataclass
class MigrationDoc:
    tool: str  # one of TOOLS
    ops: list[Op] = field(default_factory=list)
    down_file: bool = False  # the whole file undoes another (`*.down.sql`, Flyway `U`)
    no_way_back: list[Note] = field(default_factory=list)  # MG009 facts seen in this file
    statements: int = 0  # statements that run (SQL files); 0 with ops empty means an empty file
    django_app: str | None = None  # Django: the app folder (migrations of one app share state)
    state_only: list[Op] = field(default_factory=list)  # Django: changes to its model state only
    written: datetime | None = None  # when it was written, where the tool records it (migration_dates)

    def up(self) -> Iterator[Op]:
        return (op for op in self.ops if not op.down)

    def changes_schema(self) -> bool:
        """Whether the up direction changes the schema: data fixes (UPDATE, INSERT) and
        VALIDATE CONSTRAINT leave nothing that a down migration would have to undo."""
        return any(op.kind not in NOT_SCHEMA for op in self.up())

    def rebuilt(self) -> frozenset[str]:
        """Tables this migration rebuilds under the same name, rows copied: renamed away, created
        again and filled from the renamed copy (`RENAME t TO t_old; CREATE TABLE t; INSERT INTO t
        SELECT ... FROM t_old`), or built aside, filled, and renamed over the dropped original
        (`CREATE TABLE t_new; INSERT INTO t_new SELECT ... FROM t; DROP TABLE t; RENAME t_new TO
        t`), the way SQLite changes a table. Running code finds the table and its rows throughout."""
        up = list(self.up())
        copies = {(op.table, op.from_table) for op in up if op.kind is Kind.COPY_ROWS}
        # Where each table is last created and first dropped: one pass, not one per rename.
        last_created = {op.table: at for at, op in enumerate(up) if op.kind is Kind.CREATE_TABLE}
        first_dropped = {
            op.table: at for at, op in reversed(list(enumerate(up))) if op.kind is Kind.DROP_TABLE
        }
        found: set[str] = set()
        for at, op in enumerate(up):
            if op.kind is not Kind.RENAME_TABLE or not op.new_name:
                continue
            old, new = op.table, op.new_name
            recreated = last_created.get(old, -1) > at
            replaced = first_dropped.get(new, at) < at
            if (old, new) in copies and (recreated or replaced):
                found.update((old, new))  # the other name only ever holds a copy
        return frozenset(found)

    def existing(self) -> Iterator[tuple[Op, bool]]:
        """Up operations on tables that existed before this migration, in order, each with whether
        its column existed too. A table this migration created (or renamed into being) earlier, or
        a column it added earlier, is new: empty, unknown to running code, cheap to lock. Order
        matters: `DROP TABLE t; CREATE TABLE t (...)` still loses t's data."""
        made: set[str] = set()
        added: set[tuple[str, str | None]] = set()
        for op in self.up():
            if op.table in made:
                if op.kind is Kind.RENAME_TABLE and op.new_name:
                    made.add(op.new_name)
                continue
            if op.kind is Kind.CREATE_TABLE:
                made.add(op.table)
                continue
            yield op, (op.table, op.column) not in added
            if op.kind is Kind.ADD_COLUMN:
                added.add((op.table, op.column))

    def on_existing_table(self) -> Iterator[Op]:
        return (op for op, _column_existed in self.existing())


# Operations that leave the schema as it was: nothing a down migration would have to undo.
NOT_SCHEMA = frozenset({Kind.VALIDATE_CONSTRAINT, Kind.COPY_ROWS})

TOOLS = {
    "updown": "golang-migrate / sqlx / diesel",
    "flyway": "Flyway",
    "liquibase": "Liquibase",
    "goose": "goose",
    "dbmate": "dbmate",
    "sql-migrate": "sql-migrate",
    "sql": "plain SQL",
    "alembic": "Alembic",
    "django": "Django",
    "rails": "Rails",
}
