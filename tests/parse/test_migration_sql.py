"""PostgreSQL statements (through pglast) turned into migration operations."""

from __future__ import annotations

import pytest

from opsmith.parse.errors import ParseFailure
from opsmith.parse.migration_ops import CHECK, FOREIGN_KEY, NOT_NULL, UNIQUE, Default, Kind, Op
from opsmith.parse.migration_sql import (
    embedded_ops,
    judge_default_sql,
    not_null_check_column,
    ops_of,
    statements,
)


def ops(sql: str) -> list[Op]:
    parsed = statements(sql)
    assert not isinstance(parsed, ParseFailure), parsed
    return [op for stmt in parsed for op in ops_of(stmt, down=False, tx=None)]


def test_statement_lines_skip_the_comments_before_them() -> None:
    parsed = statements("SELECT 1;\n\n-- why\n/* more\n why */\nALTER TABLE t DROP COLUMN c;")
    assert not isinstance(parsed, ParseFailure)
    assert [s.line for s in parsed] == [1, 6]


def test_each_clause_of_a_multi_line_alter_table_gets_its_own_line() -> None:
    found = ops(
        "ALTER TABLE orders\n"
        "  ADD COLUMN note text,\n"
        "  DROP COLUMN legacy,\n"
        '  ALTER COLUMN "total" TYPE bigint,\n'
        "  ALTER COLUMN customer_id SET NOT NULL,\n"
        "  ADD CONSTRAINT c CHECK (total > 0),\n"
        "  VALIDATE CONSTRAINT d;"
    )
    assert [(op.kind, op.line) for op in found] == [
        (Kind.ADD_COLUMN, 2),
        (Kind.DROP_COLUMN, 3),
        (Kind.ALTER_TYPE, 4),
        (Kind.SET_NOT_NULL, 5),
        (Kind.ADD_CONSTRAINT, 6),
        (Kind.VALIDATE_CONSTRAINT, 7),
    ]
    assert found[2].type_name == "bigint" and found[2].column == "total"


def test_renames_drops_and_creates() -> None:
    found = ops(
        "ALTER TABLE a RENAME COLUMN x TO y; ALTER TABLE public.a RENAME TO b;"
        "DROP TABLE c, d CASCADE; CREATE TABLE e (id int); CREATE TABLE f AS SELECT 1;"
        "DROP INDEX CONCURRENTLY i;"
    )
    assert [(op.kind, op.table, op.column, op.new_name) for op in found] == [
        (Kind.RENAME_COLUMN, "a", "x", "y"),
        (Kind.RENAME_TABLE, "a", None, "b"),
        (Kind.DROP_TABLE, "c", None, None),
        (Kind.DROP_TABLE, "d", None, None),
        (Kind.CREATE_TABLE, "e", None, None),
        (Kind.ADD_COLUMN, "e", "id", None),  # the new table's column, for its type
        (Kind.CREATE_TABLE, "f", None, None),
        (Kind.DROP_INDEX, "", None, None),
    ]
    assert found[-1].concurrently


@pytest.mark.parametrize(
    ("column", "default", "rewrite"),
    [
        ("x int DEFAULT 0", Default.CONSTANT, None),
        ("x timestamptz DEFAULT now()", Default.CONSTANT, None),
        ("x timestamptz DEFAULT CURRENT_TIMESTAMP", Default.CONSTANT, None),
        ("x int DEFAULT NULL", Default.NONE, None),
        ("x int", Default.NONE, None),
        ("x uuid DEFAULT gen_random_uuid()", Default.VOLATILE, "gen_random_uuid"),
        ("x float DEFAULT coalesce(random(), 0)", Default.VOLATILE, "random"),
        ("x timestamptz DEFAULT clock_timestamp()", Default.VOLATILE, "clock_timestamp"),
        ("x bigserial", Default.VOLATILE, "bigserial"),
        ("x int GENERATED ALWAYS AS IDENTITY", Default.VOLATILE, "identity"),
        ("x int GENERATED ALWAYS AS (y * 2) STORED", Default.VOLATILE, "generated"),
    ],
)
def test_add_column_defaults_are_judged_as_postgresql_11_does(
    column: str, default: Default, rewrite: str | None
) -> None:
    (op,) = [o for o in ops(f"ALTER TABLE t ADD COLUMN {column};") if o.kind is Kind.ADD_COLUMN]
    assert op.default is default
    assert (rewrite is None and op.rewrite is None) or (rewrite and rewrite in (op.rewrite or ""))


def test_add_column_not_null_and_inline_constraints() -> None:
    found = ops("ALTER TABLE t ADD COLUMN x bigint NOT NULL REFERENCES u (id), ADD COLUMN y text UNIQUE;")
    assert [(op.kind, op.constraint_type) for op in found] == [
        (Kind.ADD_COLUMN, None),
        (Kind.ADD_CONSTRAINT, FOREIGN_KEY),
        (Kind.ADD_COLUMN, None),
        (Kind.ADD_CONSTRAINT, UNIQUE),
    ]
    assert found[0].not_null and not found[2].not_null


def test_constraints_and_not_valid() -> None:
    found = ops(
        "ALTER TABLE t ADD CONSTRAINT a FOREIGN KEY (x) REFERENCES u (id) NOT VALID;"
        "ALTER TABLE t ADD CONSTRAINT b CHECK (email IS NOT NULL) NOT VALID;"
        "ALTER TABLE t ADD CONSTRAINT c UNIQUE USING INDEX c_idx;"
        "ALTER TABLE t ADD CONSTRAINT d PRIMARY KEY (id);"
        "ALTER TABLE t ADD CONSTRAINT e NOT NULL email NOT VALID;"
        "ALTER TABLE t ADD CONSTRAINT f NOT NULL email;"
    )
    assert [
        (op.kind, op.constraint, op.constraint_type, op.not_valid, op.not_null_column) for op in found
    ] == [
        (Kind.ADD_CONSTRAINT, "a", FOREIGN_KEY, True, None),
        (Kind.ADD_CONSTRAINT, "b", CHECK, True, "email"),
        (Kind.ADD_CONSTRAINT, "d", "primary key", False, None),
        (Kind.ADD_CONSTRAINT, "e", NOT_NULL, True, "email"),
        (Kind.SET_NOT_NULL, None, None, False, None),
    ]


def test_data_statements_are_not_operations_but_other_ddl_is() -> None:
    found = ops(
        "UPDATE t SET x = 1; INSERT INTO t VALUES (1); SET lock_timeout = '2s';"
        "CREATE VIEW v AS SELECT 1; ALTER TABLE t ALTER COLUMN x SET DEFAULT 0;"
    )
    assert [op.kind for op in found] == [Kind.OTHER, Kind.OTHER]


def test_embedded_sql_takes_the_host_line_and_ignores_what_it_cannot_read() -> None:
    found = embedded_ops("\n  ALTER TABLE t DROP COLUMN c;\n", 40, down=True, tx=3)
    assert [(op.kind, op.line, op.down, op.tx) for op in found] == [(Kind.DROP_COLUMN, 41, True, 3)]
    assert embedded_ops("ALTER TABLE {table} DROP COLUMN c", 1, down=False, tx=None) == []
    assert embedded_ops("", 1, down=False, tx=None) == []


@pytest.mark.parametrize(
    ("condition", "column"),
    [("email IS NOT NULL", "email"), ("email IS NULL", None), ("length(email) > 0", None), ("(", None)],
)
def test_not_null_check_column(condition: str, column: str | None) -> None:
    assert not_null_check_column(condition) == column


def test_default_written_as_text() -> None:
    assert judge_default_sql("gen_random_uuid()")[0] is Default.VOLATILE
    assert judge_default_sql("'x'")[0] is Default.CONSTANT
    assert judge_default_sql("not sql at all (")[0] is Default.CONSTANT


def test_rows_copied_from_one_table_and_the_columns_of_a_new_table() -> None:
    found = ops(
        "CREATE TABLE t (id bigint, name varchar(20), CONSTRAINT u UNIQUE (name));"
        "INSERT INTO t (id, name) SELECT id, name FROM public.t_old;"
        "INSERT INTO t VALUES (1, 'a');"
        "INSERT INTO t SELECT * FROM a JOIN b USING (id);"
    )
    assert [(op.kind, op.table, op.column, op.type_name, op.from_table) for op in found] == [
        (Kind.CREATE_TABLE, "t", None, None, None),
        (Kind.ADD_COLUMN, "t", "id", "bigint", None),
        (Kind.ADD_COLUMN, "t", "name", "varchar(20)", None),
        (Kind.COPY_ROWS, "t", None, None, "t_old"),
    ]


def test_a_type_written_again_is_deparsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A table of thousands of columns spent most of its audit deparsing the same few types."""
    from opsmith.parse import migration_sql

    deparsed: list[object] = []
    real = migration_sql._deparse
    monkeypatch.setattr(migration_sql, "_TYPE_TEXTS", {})
    monkeypatch.setattr(migration_sql, "_deparse", lambda node: deparsed.append(node) or real(node))
    types = [
        "varchar(255)",
        "numeric(10,2)",
        "int[]",
        "interval day to second(3)",
        "timestamptz",
        "mytype('x')",
    ]
    columns = ", ".join(f"c{i} {types[i % len(types)]}" for i in range(3000))
    found = ops(f"CREATE TABLE t ({columns});\nALTER TABLE t ALTER COLUMN c0 TYPE varchar(255);")
    typed = [op.type_name for op in found if op.type_name]
    assert typed[:6] == [
        "varchar(255)",
        "numeric(10, 2)",
        "integer[]",
        "interval day to second (3)",
        "timestamptz",
        "mytype('x')",
    ]
    assert typed[-1] == "varchar(255)" and len(typed) == 3001
    assert len(deparsed) == len(types)
