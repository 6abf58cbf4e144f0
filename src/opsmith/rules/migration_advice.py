"""The safe, multi-step change each MG finding asks for, written for the statement and the tool
that holds it, so a reviewer can follow it step by step."""

from __future__ import annotations

from opsmith.parse.migration_ops import INDEX_BUILDING, MigrationDoc, Op

_OUTSIDE_TX = {
    "alembic": "`op.create_index(..., postgresql_concurrently=True)` inside "
    "`with op.get_context().autocommit_block():` (it cannot run in Alembic's transaction)",
    "django": "`AddIndexConcurrently` (django.contrib.postgres.operations) in a migration with "
    "`atomic = False`",
    "rails": "`algorithm: :concurrently` (`index: { algorithm: :concurrently }` on add_reference) and "
    "`disable_ddl_transaction!` in the migration class",
    "goose": "`CONCURRENTLY`, in a file marked `-- +goose NO TRANSACTION`",
    "dbmate": "`CONCURRENTLY`, under `-- migrate:up transaction:false`",
    "sql-migrate": "`CONCURRENTLY`, under `-- +migrate Up notransaction`",
    "liquibase": "`CONCURRENTLY`, in a changeset marked `runInTransaction:false`",
    "flyway": "`CONCURRENTLY`, alone in its migration (Flyway then runs it outside a transaction)",
}
_OUTSIDE_TX_SQL = "`CONCURRENTLY`, with no BEGIN/COMMIT around it, alone in its migration file"

_NOT_VALID = {
    "alembic": "`postgresql_not_valid=True` on `op.create_foreign_key`/`op.create_check_constraint`, then "
    '`op.execute("ALTER TABLE {t} VALIDATE CONSTRAINT {c}")` in a later revision',
    "django": "a `RunSQL` that adds it `NOT VALID` (inside `SeparateDatabaseAndState`, with the "
    "AddConstraint/AddField as the state operation), then a later migration running "
    "`ALTER TABLE {t} VALIDATE CONSTRAINT {c}`",
    "rails": "`validate: false` (`add_foreign_key`/`add_check_constraint`, or "
    "`foreign_key: { validate: false }`), then `validate_foreign_key`/`validate_check_constraint` "
    "in a later migration",
}
_NOT_VALID_SQL = (
    "`ALTER TABLE {t} ADD CONSTRAINT {c} ... NOT VALID;` (only new rows are checked, brief lock), "
    "then in a later migration `ALTER TABLE {t} VALIDATE CONSTRAINT {c};` (scans without blocking writes)"
)

_ROLLBACK = {
    "alembic": "Write `downgrade()` with the reverse operations and test "
    "`alembic upgrade head && alembic downgrade -1 && alembic upgrade head` in CI.",
    "django": "Give `RunSQL` a `reverse_sql` and `RunPython` a `reverse_code` (`migrations.RunSQL.noop` / "
    "`migrations.RunPython.noop` when there is truly nothing to undo), and test "
    "`manage.py migrate <app> <previous>` in CI.",
    "rails": "Use reversible forms in `change` (`remove_column` with its type, `drop_table` with its block, "
    "`reversible` around `execute`) or write `down`; test with `rails db:migrate:redo`.",
    "updown": "Add the matching `.down.sql` that undoes this migration, and run up, down, up in CI.",
    "goose": "Add a `-- +goose Down` section that undoes the up section, and test `goose down` in CI.",
    "dbmate": "Fill the `-- migrate:down` section, and test `dbmate rollback` in CI.",
    "sql-migrate": "Fill the `-- +migrate Down` section, and test `sql-migrate down` in CI.",
    "liquibase": "Add `--rollback <SQL>` lines to the changeset (or `--rollback empty` when nothing is to "
    "undo), and test `liquibase update-testing-rollback` in CI.",
}
_CANNOT = " If it truly cannot be undone, say so with `opsmith: ignore[MG009]` and the reason."


def _name(op: Op) -> str:
    return op.new_name or "<new_name>"


def drop_column(doc: MigrationDoc, op: Op) -> str:
    col = f"`{op.table}.{op.column}`"
    first = {
        "rails": f'add `self.ignored_columns += ["{op.column}"]` to the model and deploy it',
        "django": f"remove the field from the model but keep the column (a `SeparateDatabaseAndState` "
        f"whose state operation is the RemoveField; make {col} nullable or give it a db_default so "
        "inserts still work) and deploy it",
    }.get(doc.tool, f"deploy code that no longer reads or writes {col}")
    return (
        f"1) {first}; 2) once every running instance has it, drop {col} in a later migration "
        "(after a backup if its data may be needed)."
    )


def rename(doc: MigrationDoc, op: Op) -> str:
    if op.column is None:
        old, new = op.table, _name(op)
        return (
            f"1) in one migration rename the table and leave a view under the old name: "
            f"`ALTER TABLE {old} RENAME TO {new}; CREATE VIEW {old} AS SELECT * FROM {new};` (a simple "
            f"view is updatable, so old code keeps reading and writing); 2) deploy code that uses `{new}`; "
            f"3) drop the view `{old}` in a later migration."
        )
    old, new, table = op.column, _name(op), op.table
    ignore = f' (Rails: `self.ignored_columns += ["{old}"]`)' if doc.tool == "rails" else ""
    return (
        f"Expand and contract instead of renaming: 1) add `{table}.{new}` with the same type, nullable; "
        f"2) deploy code that writes both `{old}` and `{new}` (or a trigger keeping them in sync) and "
        f"backfill `{new}` from `{old}` in batches; 3) deploy code that reads only `{new}`{ignore}; "
        f"4) drop `{old}` in a later migration."
    )


def required_column(doc: MigrationDoc, op: Op) -> str:
    col, table = op.column, op.table
    how_default = {
        "alembic": "`server_default=sa.text(...)` (the Python-side `default=` is not a database default)",
        "django": "`default=` (or `db_default=`)",
        "rails": "`default:`",
    }.get(doc.tool, "`DEFAULT <constant>`")
    return (
        f"Either give `{col}` a constant {how_default}: PostgreSQL 11+ adds it without rewriting "
        f"`{table}`; or add it nullable, backfill existing rows in batches, then enforce NOT NULL "
        f"in later migrations (`CHECK ({col} IS NOT NULL) NOT VALID`, VALIDATE, SET NOT NULL); and deploy "
        f"code that writes `{col}` before it becomes required."
    )


def change_type(doc: MigrationDoc, op: Op) -> str:
    col, table, new_type = op.column, op.table, op.type_name or "<new type>"
    return (
        f"Expand and contract: 1) add `{table}.{col}_new` of type {new_type}; 2) deploy code that writes "
        f"both columns (or a trigger) and backfill `{col}_new` in batches; 3) switch reads to `{col}_new`; "
        f"4) drop `{col}` in a later migration (rename afterwards only if old code is gone). A varchar "
        "that only gets longer, or becomes text, is not rewritten: then silence this line with "
        "`opsmith: ignore[MG004]`."
    )


def index(doc: MigrationDoc, op: Op) -> str:
    how = _OUTSIDE_TX.get(doc.tool, _OUTSIDE_TX_SQL)
    if op.constraint_type in INDEX_BUILDING:
        col = op.column or "<columns>"
        idx = f"{op.table}_{op.column or 'cols'}_key"
        return (
            f"Build the index first without blocking writes (`CREATE UNIQUE INDEX CONCURRENTLY {idx} "
            f"ON {op.table} ({col});`, using {how}), then attach it: `ALTER TABLE {op.table} ADD "
            f"CONSTRAINT <name> {(op.constraint_type or 'unique').upper()} USING INDEX {idx};` "
            "(a brief lock, no scan)."
        )
    if doc.tool == "django" and op.what.startswith("AddField"):
        return (
            "Add the field with `db_index=False` here, then build the index in its own migration with "
            f"{how}: writes continue while it builds."
        )
    return f"Build the index with {how}: writes continue while it builds."


def not_valid(doc: MigrationDoc, op: Op) -> str:
    template = _NOT_VALID.get(doc.tool, _NOT_VALID_SQL)
    filled = template.replace("{t}", op.table).replace("{c}", op.constraint or "<name>")
    return f"Add it with {filled}."


def validate_later(doc: MigrationDoc, op: Op) -> str:
    return (
        f"Move `VALIDATE CONSTRAINT {op.constraint}` to a later migration: the lock taken by ADD "
        "CONSTRAINT is held until the transaction commits, so validating in the same transaction scans "
        f"`{op.table}` while writes wait."
    )


def set_not_null(doc: MigrationDoc, op: Op) -> str:
    t, c = op.table, op.column
    check = f"{t}_{c}_not_null"
    if doc.tool == "rails":
        return (
            f'1) `add_check_constraint :{t}, "{c} IS NOT NULL", name: "{check}", validate: false`; '
            f'2) in a later migration `validate_check_constraint :{t}, name: "{check}"`, then '
            f"`change_column_null :{t}, :{c}, false` (PostgreSQL 12+ skips the scan) and "
            f'`remove_check_constraint :{t}, name: "{check}"`. Backfill NULLs before step 1.'
        )
    return (
        f"1) backfill NULLs in batches; 2) `ALTER TABLE {t} ADD CONSTRAINT {check} CHECK ({c} IS NOT NULL) "
        f"NOT VALID;` 3) in a later migration `ALTER TABLE {t} VALIDATE CONSTRAINT {check};` (no write "
        f"lock), then `ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL;` (PostgreSQL 12+ uses the valid check "
        f"instead of scanning) and `ALTER TABLE {t} DROP CONSTRAINT {check};`."
    )


def drop_table(doc: MigrationDoc, op: Op) -> str:
    t = op.table
    return (
        f"1) remove every use of `{t}` from the code and deploy that; 2) back up its data "
        f"(`pg_dump --table={t}`); 3) drop it in a later migration (or first rename it to "
        f"`{t}_deprecated` for a release, so a forgotten reader fails loudly and can be restored fast)."
    )


def rewrite_default(doc: MigrationDoc, op: Op) -> str:
    t, c = op.table, op.column
    return (
        f"1) add `{c}` with no default (or a constant one); 2) `ALTER TABLE {t} ALTER COLUMN {c} SET "
        "DEFAULT ...` for new rows (no rewrite); 3) backfill existing rows in batches; 4) add NOT NULL "
        "later with a validated CHECK if needed."
    )


def outside_transaction(doc: MigrationDoc, op: Op) -> str:
    return f"Run it with {_OUTSIDE_TX.get(doc.tool, _OUTSIDE_TX_SQL)}."


def rollback(tool: str) -> str:
    return _ROLLBACK.get(tool, "Write and test the down migration.") + _CANNOT
