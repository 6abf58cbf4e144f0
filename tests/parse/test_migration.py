"""Migration files of every tool read into one shape: tool, direction, transactions, way back."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsmith.audit.source import SourceFile
from opsmith.parse.errors import ParseFailure
from opsmith.parse.migration import parse
from opsmith.parse.migration_ops import Kind, MigrationDoc

CASES = Path(__file__).resolve().parents[1] / "rules" / "cases" / "migration"


def doc_of(relpath: str, text: str) -> MigrationDoc:
    parsed = parse(SourceFile(relpath, text))
    assert isinstance(parsed, MigrationDoc), parsed
    return parsed


@pytest.mark.parametrize(
    ("relpath", "text", "tool", "down_file"),
    [
        ("db/migrations/000001_init.up.sql", "SELECT 1;", "updown", False),
        ("db/migrations/000001_init.down.sql", "SELECT 1;", "updown", True),
        ("migrations/2024-01-01-000000_x/up.sql", "SELECT 1;", "updown", False),
        ("migrations/2024-01-01-000000_x/down.sql", "SELECT 1;", "updown", True),
        ("backend/migrations/0001_create-users_up.sql", "SELECT 1;", "updown", False),
        ("backend/migrations/0001_create-users_down.sql", "SELECT 1;", "updown", True),
        ("migrations/0001_markdown.sql", "SELECT 1;", "sql", False),
        ("db/migration/V2__orders.sql", "SELECT 1;", "flyway", False),
        ("db/migration/V2.1__orders.sql", "SELECT 1;", "flyway", False),
        ("db/migration/U2__orders.sql", "SELECT 1;", "flyway", True),
        ("db/migration/R__views.sql", "SELECT 1;", "flyway", False),
        (
            "db/changelog/1.sql",
            "\n-- liquibase formatted sql\n--changeset a:1\nSELECT 1;",
            "liquibase",
            False,
        ),
        ("migrations/00001_x.sql", "-- +goose Up\nSELECT 1;", "goose", False),
        ("db/migrations/20240101_x.sql", "-- migrate:up\nSELECT 1;\n-- migrate:down\n", "dbmate", False),
        ("migrations/1_x.sql", "-- +migrate Up\nSELECT 1;", "sql-migrate", False),
        ("migrations/0001_x.sql", "SELECT 1;", "sql", False),
    ],
)
def test_tool_and_direction_come_from_the_name_and_markers(
    relpath: str, text: str, tool: str, down_file: bool
) -> None:
    doc = doc_of(relpath, text)
    assert (doc.tool, doc.down_file) == (tool, down_file)


def test_parse_error_line_counts_characters_not_bytes() -> None:
    text = "-- déjà vu: ünïcode before the error\nSELECT 'é';\nSELEC 2;\n"
    failure = parse(SourceFile("migrations/0001_x.sql", text))
    assert isinstance(failure, ParseFailure)
    assert failure.line == 3 and "SELEC" in failure.message


def test_error_at_end_of_input_points_at_the_last_line_with_text() -> None:
    failure = parse(SourceFile("migrations/0001_x.sql", "CREATE TABLE t (\n  id int,\n\n\n"))
    assert isinstance(failure, ParseFailure) and failure.line == 2


def test_placeholders_and_psql_meta_commands_do_not_break_parsing() -> None:
    text = "\\set ON_ERROR_STOP on\nALTER TABLE ${schema}.orders\n  DROP COLUMN ${column_prefix}legacy;\n"
    doc = doc_of("db/migration/V3__x.sql", text)
    assert [(op.kind, op.table, op.line) for op in doc.ops] == [(Kind.DROP_COLUMN, "orders", 3)]


@pytest.mark.parametrize(
    "text",
    [
        "CREATE TABLE `users` (`id` int) ENGINE=InnoDB;",
        "PRAGMA foreign_keys = ON;\nCREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT);",
        "CREATE TABLE [dbo].[t] (id INT)\nGO\n",
        "ALTER TABLE users MODIFY name VARCHAR(200) NOT NULL;",
        "ALTER TABLE t ADD COLUMN a int, MODIFY b text;",
        "ALTER TABLE events ON CLUSTER main ADD COLUMN region String;",
        "CREATE TABLE e (id UInt64) ENGINE = MergeTree ORDER BY id;",
    ],
)
def test_sql_of_another_database_is_not_judged(text: str) -> None:
    assert parse(SourceFile("migrations/0001_x.sql", text)) is None


def test_sql_that_does_not_parse_in_a_folder_named_for_another_database_is_not_judged() -> None:
    text = "CREATE TABLE t (id INTEGER PRIMARY KEY ASC ON CONFLICT FAIL);"
    assert parse(SourceFile("db/sqlite/0002_x.sql", text)) is None
    assert isinstance(parse(SourceFile("db/migrations/0002_x.sql", text)), ParseFailure)


def test_another_dialect_that_pglast_reads_is_still_read() -> None:
    doc = doc_of("migrations/0001_x.sql", "ALTER TABLE t DROP COLUMN c;")
    assert [op.kind for op in doc.ops] == [Kind.DROP_COLUMN]


@pytest.mark.parametrize("text", ["", "\n\n", "-- only a comment\n", "/* block */"])
def test_empty_sql_is_a_document_without_statements(text: str) -> None:
    doc = doc_of("db/migrations/1_x.up.sql", text)
    assert doc.ops == [] and doc.statements == 0 and not doc.changes_schema()


def test_explicit_transaction_blocks_get_their_own_ids() -> None:
    text = (
        "BEGIN;\nCREATE INDEX CONCURRENTLY a ON t (x);\nCOMMIT;\n"
        "CREATE INDEX CONCURRENTLY b ON t (y);\n"
        "START TRANSACTION;\nCREATE INDEX c ON t (z);\nROLLBACK;\n"
    )
    ops = doc_of("db/migrations/1_x.up.sql", text).ops
    assert [op.constraint for op in ops] == ["a", "b", "c"]
    assert ops[0].tx is not None and ops[1].tx is None and ops[2].tx not in (None, ops[0].tx)


def test_goose_wraps_the_file_in_a_transaction_unless_told_not_to() -> None:
    body = "-- +goose Up\nCREATE INDEX CONCURRENTLY i ON t (x);\n-- +goose Down\nDROP INDEX i;\n"
    wrapped = doc_of("migrations/00001_x.sql", body)
    assert wrapped.ops[0].tx is not None and not wrapped.ops[0].down
    assert wrapped.ops[1].down
    plain = doc_of("migrations/00001_x.sql", "-- +goose NO TRANSACTION\n" + body)
    assert plain.ops[0].tx is None


def test_flyway_runs_a_file_with_concurrently_outside_a_transaction() -> None:
    assert doc_of("V1__a.sql", "CREATE INDEX CONCURRENTLY i ON t (x);").ops[0].tx is None
    assert doc_of("V1__a.sql", "CREATE INDEX i ON t (x);").ops[0].tx is not None


def test_liquibase_changesets_are_transactions_and_need_a_rollback() -> None:
    text = (
        "--liquibase formatted sql\n"
        "--changeset a:1\nALTER TABLE t ADD COLUMN x int;\n--rollback ALTER TABLE t DROP COLUMN x;\n"
        "--changeset a:2 runInTransaction:false\nCREATE INDEX CONCURRENTLY i ON t (x);\n"
        "--changeset a:3\nUPDATE t SET x = 1;\n"
    )
    doc = doc_of("db/changelog/1.sql", text)
    first, index = doc.ops
    assert first.tx is not None and index.tx is None
    # the rollback SQL is a comment: never read as a statement of the up direction
    assert all(op.kind is not Kind.DROP_COLUMN for op in doc.ops)
    # changeset 3 only changes data: nothing to undo
    assert [(n.line, "rollback" in n.message) for n in doc.no_way_back] == [(5, True)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-- +goose Up\nALTER TABLE t ADD COLUMN x int;\n", [1]),
        ("-- +goose Up\nUPDATE t SET x = 1;\n", []),
        ("-- migrate:up\nALTER TABLE t ADD COLUMN x int;\n\n-- migrate:down\n", [4]),
        ("-- migrate:up\nALTER TABLE t ADD COLUMN x int;\n-- migrate:down\nALTER TABLE t DROP COLUMN x;", []),
    ],
)
def test_sectioned_files_need_a_down_section_when_the_schema_changes(text: str, expected: list[int]) -> None:
    doc = doc_of("migrations/20240101_x.sql", text)
    assert [n.line for n in doc.no_way_back] == expected


def test_python_syntax_error_is_a_parse_failure_at_its_line() -> None:
    failure = parse(
        SourceFile("alembic/versions/a.py", "from alembic import op\n\ndef upgrade(:\n    pass\n")
    )
    assert isinstance(failure, ParseFailure) and failure.line == 3


@pytest.mark.parametrize(
    ("relpath", "text"),
    [
        ("alembic/versions/helpers.py", "def util():\n    return 1\n"),
        ("db/migrate/20240101_x.rb", "puts 'not a migration'\n"),
        ("migrations/x.txt", "anything"),
    ],
)
def test_files_that_are_not_migrations_after_all(relpath: str, text: str) -> None:
    assert parse(SourceFile(relpath, text)) is None


def _case_files() -> list[Path]:
    return sorted(
        p for p in CASES.rglob("*") if p.suffix in (".sql", ".py", ".rb") and p.name != "__init__.py"
    )


@pytest.mark.parametrize("path", _case_files(), ids=lambda p: str(p.relative_to(CASES)))
def test_truncated_migrations_never_raise(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", errors="replace")
    relpath = path.relative_to(CASES).as_posix()
    for cut in range(0, len(text), max(1, len(text) // 23)):
        result = parse(SourceFile(relpath, text[:cut]))
        assert result is None or isinstance(result, (MigrationDoc, ParseFailure))


def test_postgresql_that_does_not_parse_is_a_failure_even_when_it_mentions_modify() -> None:
    text = "-- modify the orders table\nALTER TABLE orders ADD COLUMN note text\nSELEC 1;\n"
    assert isinstance(parse(SourceFile("migrations/0003_x.sql", text)), ParseFailure)
