"""The operations of one migration: which tables it rebuilds with their rows."""

from __future__ import annotations

import subprocess
import sys

import pytest

from opsmith.parse.migration_ops import Kind, MigrationDoc
from opsmith.parse.migration_sql import ops_of, statements


def doc_of(sql: str) -> MigrationDoc:
    parsed = statements(sql)
    assert isinstance(parsed, list)
    doc = MigrationDoc("sql")
    for stmt in parsed:
        doc.ops.extend(ops_of(stmt, down=False, tx=None))
    return doc


def test_renamed_aside_recreated_and_refilled_is_a_rebuild() -> None:
    doc = doc_of(
        "ALTER TABLE tags RENAME TO tags_old; CREATE TABLE tags (id int);"
        "INSERT INTO tags SELECT id FROM tags_old; DROP TABLE tags_old;"
    )
    assert doc.rebuilt() == {"tags", "tags_old"}


def test_built_aside_and_renamed_over_the_dropped_original_is_a_rebuild() -> None:
    doc = doc_of(
        "CREATE TABLE tags_new (id int); INSERT INTO tags_new SELECT id FROM tags;"
        "DROP TABLE tags; ALTER TABLE tags_new RENAME TO tags;"
    )
    assert doc.rebuilt() == {"tags", "tags_new"}


def test_a_rename_without_the_rows_copied_back_is_not() -> None:
    recreated_empty = doc_of("ALTER TABLE tags RENAME TO tags_old; CREATE TABLE tags (id int);")
    copied_elsewhere = doc_of(
        "ALTER TABLE tags RENAME TO tags_old; CREATE TABLE labels (id int);"
        "INSERT INTO labels SELECT id FROM tags_old;"
    )
    assert recreated_empty.rebuilt() == frozenset()
    assert copied_elsewhere.rebuilt() == frozenset()


def test_copying_rows_is_no_schema_change() -> None:
    doc = doc_of("INSERT INTO archive SELECT * FROM orders;")
    assert [op.kind for op in doc.ops] == [Kind.COPY_ROWS]
    assert not doc.changes_schema()


# Each rename once looked through every other operation: 20,000 renames and tables took minutes.
_MANY_RENAMES = """
from opsmith.parse.migration_ops import Kind, MigrationDoc, Op

doc = MigrationDoc("sql")
for i in range(20_000):
    doc.ops.append(Op(Kind.RENAME_TABLE, 3 * i + 1, f"t{i}", "", new_name=f"t{i}_old"))
    doc.ops.append(Op(Kind.CREATE_TABLE, 3 * i + 2, f"t{i}", ""))
    doc.ops.append(Op(Kind.COPY_ROWS, 3 * i + 3, f"t{i}", "", from_table=f"t{i}_old" if i % 2 else "other"))
print(len(doc.rebuilt()))
"""


def test_many_renames_are_judged_in_linear_time() -> None:
    try:
        run = subprocess.run(
            [sys.executable, "-c", _MANY_RENAMES], capture_output=True, text=True, timeout=30, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.fail("rebuilt() looks through every operation for each rename")
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["20000"]  # the odd tables, with their renamed copies
