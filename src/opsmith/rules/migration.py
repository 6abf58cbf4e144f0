"""SQL migration rules MG001-MG012 (PostgreSQL semantics, PostgreSQL 11+ for defaults and 12+ for
the NOT NULL check shortcut).

Only the up direction is judged: down migrations (`*.down.sql`, Flyway `U` files, Alembic
`downgrade()`, Rails `down`/`dir.down`, Django `reverse_sql`, Liquibase `--rollback`) exist to
undo, and destructive statements there are expected. Operations on a table the same migration
creates are never findings: the table is empty and no running code uses it yet. The lock and
rewrite rules (MG004-MG007, MG011, MG012) are not applied to the migrations of an app that plainly
runs on another database (migration_database; MG013 says so once per folder).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from posixpath import basename, dirname, join

from opsmith.findings import Problem
from opsmith.parse.migration_ops import (
    CHECK,
    FOREIGN_KEY,
    INDEX_BUILDING,
    NOT_NULL,
    Default,
    Kind,
    MigrationDoc,
    Op,
)
from opsmith.rules import migration_advice as advice
from opsmith.rules.base import FileContext, RepoContext, Rule, file_rule, parse_error_rule, repo_rule
from opsmith.rules.migration_database import other_database
from opsmith.rules.migration_types import widens

FAMILY = "migration"

# The squawk rules that judge what each MG rule judges (named in the docs; used by the side-by-side
# test and bench/migrations_vs_squawk.py). MG009 looks across files, which squawk does not.
SQUAWK_EQUIVALENTS: dict[str, tuple[str, ...]] = {
    "MG001": ("ban-drop-column",),
    "MG002": ("renaming-column", "renaming-table"),
    "MG003": ("adding-required-field",),
    "MG004": ("changing-column-type",),
    "MG005": (
        "require-concurrent-index-creation",
        "disallowed-unique-constraint",
        "adding-serial-primary-key-field",
    ),
    "MG006": ("adding-foreign-key-constraint", "constraint-missing-not-valid"),
    "MG007": ("adding-not-nullable-field",),
    "MG008": ("ban-drop-table",),
    "MG009": (),
    "MG010": ("syntax-error",),
    "MG011": ("adding-field-with-default",),
    "MG012": ("ban-concurrent-index-creation-in-transaction",),
}


def _existing(doc: MigrationDoc, *kinds: Kind) -> Iterator[Op]:
    """Up operations of these kinds on tables (and columns) that existed before this migration."""
    for op, column_existed in doc.existing():
        if op.kind in kinds and (column_existed or op.kind is Kind.ADD_COLUMN):
            yield op


@file_rule(
    "MG001",
    "E",
    FAMILY,
    "DROP COLUMN while old code may still read it",
    fix="Stop using the column in code and deploy that first; drop it in a later migration.",
    docs="""
## What it does
Reports a column dropped in the up direction of a migration: `ALTER TABLE ... DROP COLUMN`, Alembic
`op.drop_column`, Django `RemoveField`, Rails `remove_column`/`remove_reference`/`t.remove`. Columns of
a table created in the same migration, and anything in a down migration, are left alone.

## Why it matters
Migrations run before (or while) the new code rolls out, so the old version is still serving. Every
query it makes that names the column, and every ORM that selects all mapped columns (Rails, Django,
SQLAlchemy models), fails from the moment the column is gone until the last old instance is
replaced; a rollback of the code cannot bring the data back.

## Example
```sql
ALTER TABLE orders DROP COLUMN legacy_status;
```

## Fix
Two deploys: first the code that no longer reads or writes the column (Rails:
`self.ignored_columns += ["legacy_status"]`; Django: remove the field with `SeparateDatabaseAndState`),
then, in a later migration, `ALTER TABLE orders DROP COLUMN legacy_status;`.

## Equivalent rules
squawk `ban-drop-column`; strong_migrations "removing a column"; django-migration-linter
"dropping columns".
""",
)
def mg001(doc: MigrationDoc, ctx: FileContext) -> Iterator[Problem]:
    for op in _existing(doc, Kind.DROP_COLUMN):
        yield Problem(
            f"`{op.what}` drops `{op.table}.{op.column}`: code still running may read it",
            op.line,
            fix=advice.drop_column(doc, op),
        )


@file_rule(
    "MG002",
    "E",
    FAMILY,
    "RENAME COLUMN or RENAME TABLE in one step",
    fix="Expand and contract: add the new name, backfill, switch the code, drop the old name later.",
    docs="""
## What it does
Reports renames of existing columns and tables: `ALTER TABLE ... RENAME COLUMN`, `ALTER TABLE ...
RENAME TO`, Alembic `op.alter_column(new_column_name=...)` and `op.rename_table`, Django `RenameField`,
`RenameModel` and `AlterModelTable`, Rails `rename_column`, `rename_table`, `t.rename`. A table
renamed aside, created again under its name and refilled from the renamed copy in the same
migration (`INSERT INTO t SELECT ... FROM t_old`, the way SQLite changes a table) is a rebuild,
not a rename: running code finds its table and rows throughout, so it is not reported.

## Why it matters
The rename is instant in the database, but the code is not: until every instance runs the new
version, the old one queries a name that no longer exists and fails, and a code rollback fails the
same way in reverse. Error: it breaks the production release while it rolls out.

## Example
```sql
ALTER TABLE users RENAME COLUMN name TO full_name;
```

## Fix
Expand and contract: add `full_name`, backfill it and keep both in sync while code writes both,
switch reads to `full_name`, and drop `name` in a later migration. For a table, rename it and
leave an updatable view under the old name (`CREATE VIEW old AS SELECT * FROM new`) until old code
is gone.

## Equivalent rules
squawk `renaming-column` and `renaming-table`; strong_migrations "renaming a column/table".
""",
)
def mg002(doc: MigrationDoc, ctx: FileContext) -> Iterator[Problem]:
    rebuilt = doc.rebuilt()
    for op in _existing(doc, Kind.RENAME_COLUMN, Kind.RENAME_TABLE):
        if op.kind is Kind.RENAME_TABLE and op.table in rebuilt:
            continue
        target = f"`{op.table}.{op.column}`" if op.column else f"table `{op.table}`"
        yield Problem(
            f"`{op.what}` renames {target} to `{op.new_name}`: the running code still uses the old name",
            op.line,
            fix=advice.rename(doc, op),
        )


@file_rule(
    "MG003",
    "E",
    FAMILY,
    "ADD COLUMN NOT NULL without a DEFAULT",
    fix="Give the column a constant DEFAULT, or add it nullable, backfill, then enforce NOT NULL.",
    docs="""
## What it does
Reports a column added as NOT NULL with no database default to a table that already exists
(`ADD COLUMN ... NOT NULL`, Alembic `sa.Column(..., nullable=False)` without `server_default`, Django
`AddField` without `null=True` or a default, Rails `add_column ..., null: false` without `default:`).

## Why it matters
On a table with rows the statement fails outright (existing rows would be NULL), so the deploy
stops half-way; on an empty staging table it passes, which is how it reaches production. Even
when it succeeds, old code that inserts rows without the new column starts failing.

## Example
```sql
ALTER TABLE orders ADD COLUMN currency text NOT NULL;
```

## Fix
```sql
ALTER TABLE orders ADD COLUMN currency text NOT NULL DEFAULT 'EUR';  -- PostgreSQL 11+: no rewrite
```
or add it nullable, backfill, and add NOT NULL later with a validated CHECK (see MG007).

## Equivalent rules
squawk `adding-required-field`; strong_migrations "adding a column with a non-null constraint".
""",
)
def mg003(doc: MigrationDoc, ctx: FileContext) -> Iterator[Problem]:
    for op in _existing(doc, Kind.ADD_COLUMN):
        if op.not_null and op.default is Default.NONE:
            yield Problem(
                f"`{op.what}` adds `{op.table}.{op.column}` as NOT NULL with no default: it fails on a "
                "table with rows, and old code inserting without it breaks",
                op.line,
                fix=advice.required_column(doc, op),
            )


@repo_rule(
    "MG004",
    "E",
    FAMILY,
    "ALTER COLUMN TYPE rewrites the table",
    fix="Add a new column of the new type, backfill, switch the code, drop the old column later.",
    docs="""
## What it does
Reports a change of an existing column's type: `ALTER COLUMN ... TYPE`, Alembic
`op.alter_column(type_=...)`, Rails `change_column`/`t.change`, and Django `AlterField` when the
app's earlier migrations show the field had another database type (an `AlterField` that only
changes `help_text`, `choices` or a varchar's length upwards is not reported; one whose earlier
definition is unknown is not either). Widening a character column is not reported either when the
earlier type is known (from the folder's earlier migrations, or Alembic's `existing_type`):
`varchar(n)` to a larger `n`, to unbounded `varchar` or to `text`, which PostgreSQL 12+ does in
the catalog without touching a row. A change whose earlier type is unknown is reported: most type
changes rewrite.

## Why it matters
Most type changes rewrite the whole table and its indexes under an ACCESS EXCLUSIVE lock: no reads
and no writes for the duration, minutes on a large table. Old code may also send values the new
type rejects, or read values it cannot parse. Error: an outage of the table in production.

## Example
```sql
ALTER TABLE events ALTER COLUMN id TYPE bigint;
```

## Fix
Add `id_new bigint`, keep it in sync (trigger or dual writes), backfill in batches, switch the code,
then drop the old column. To widen a character column, write the earlier length where opsmith
can see it (the migration that created it, or `existing_type=`), or use `text`.

## Equivalent rules
squawk `changing-column-type`; strong_migrations "changing the type of a column".
""",
)
def mg004(repo: RepoContext) -> Iterator[Problem]:
    earlier = _earlier_types(repo)
    for path, doc, op in _with_django_effects(repo, Kind.ALTER_TYPE):
        if widens(op.old_type or earlier.get((path, op.line, op.table, op.column or "")), op.type_name):
            continue
        yield Problem(
            f"`{op.what}` changes the type of `{op.table}.{op.column}`: the table is rewritten under an "
            "exclusive lock, and old code may not handle the new type",
            op.line,
            fix=advice.change_type(doc, op),
            path=path,
        )


@repo_rule(
    "MG005",
    "W",
    FAMILY,
    "CREATE INDEX without CONCURRENTLY on an existing table",
    fix="Create the index CONCURRENTLY, outside a transaction.",
    docs="""
## What it does
Reports an index built on an existing table in a way that blocks writes: `CREATE INDEX` without
`CONCURRENTLY`, `ADD CONSTRAINT ... UNIQUE`/`PRIMARY KEY`/`EXCLUDE` (which build their index the
same way) unless attached `USING INDEX`, Alembic `op.create_index` without
`postgresql_concurrently=True`, Django `AddIndex` (not `AddIndexConcurrently`) and the index that
`AddField` creates for a foreign key or `db_index`/`unique`, Rails `add_index`/`add_reference`
without `algorithm: :concurrently`. Not applied to an app on another database (see MG013).

## Why it matters
A plain CREATE INDEX holds a SHARE lock for the whole build: reads go on, but every INSERT, UPDATE
and DELETE on the table waits, often for minutes on a large table, and requests time out. Warning:
harmless on small tables, an incident on large ones.

## Example
```sql
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
```

## Fix
```sql
-- in a migration that runs outside a transaction
CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);
```
For a unique constraint, build `CREATE UNIQUE INDEX CONCURRENTLY` first, then
`ADD CONSTRAINT ... UNIQUE USING INDEX`.

## Equivalent rules
squawk `require-concurrent-index-creation`, `disallowed-unique-constraint`,
`adding-serial-primary-key-field`; strong_migrations "adding an index non-concurrently".
""",
)
def mg005(repo: RepoContext) -> Iterator[Problem]:
    return _on_postgresql(repo, _blocking_index_builds)


def _blocking_index_builds(doc: MigrationDoc) -> Iterator[Problem]:
    for op in doc.on_existing_table():
        if op.kind is Kind.CREATE_INDEX and not op.concurrently:
            yield Problem(
                f"`{op.what}` builds an index on `{op.table}` while blocking writes to it",
                op.line,
                fix=advice.index(doc, op),
            )
        elif op.kind is Kind.ADD_CONSTRAINT and op.constraint_type in INDEX_BUILDING:
            yield Problem(
                f"`{op.what}` builds a {op.constraint_type} index on `{op.table}` while blocking writes",
                op.line,
                fix=advice.index(doc, op),
            )


@repo_rule(
    "MG006",
    "W",
    FAMILY,
    "ADD FOREIGN KEY or CHECK without NOT VALID",
    fix="Add the constraint NOT VALID, then VALIDATE CONSTRAINT in a later migration.",
    docs="""
## What it does
Reports a foreign key or CHECK constraint added to an existing table without `NOT VALID` (SQL,
Alembic `postgresql_not_valid=True`, Rails `validate: false`; Django has no option for it, so its
`AddConstraint(CheckConstraint)` and new foreign keys are reported), including a foreign key
declared on an added column. It also reports `VALIDATE CONSTRAINT` run in the same transaction
as the `ADD CONSTRAINT ... NOT VALID` it validates, which gains nothing. Not applied to an app on
another database (see MG013).

## Why it matters
Adding a validated constraint scans the whole table while holding a lock that blocks writes (for a
foreign key, on both tables; for a CHECK, reads too). With NOT VALID the constraint applies to new
rows at once and `VALIDATE CONSTRAINT` later scans under a lock that lets reads and writes
continue. In one transaction, though, the first lock is held until commit, so the scan blocks
everything anyway. Warning: the lock lasts as long as the scan, brief on a new or small table.

## Example
```sql
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk
  FOREIGN KEY (customer_id) REFERENCES customers (id);
```

## Fix
```sql
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk
  FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;
-- next migration
ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;
```

## Equivalent rules
squawk `adding-foreign-key-constraint` and `constraint-missing-not-valid`; strong_migrations
"adding a foreign key" and "adding a check constraint".
""",
)
def mg006(repo: RepoContext) -> Iterator[Problem]:
    return _on_postgresql(repo, _validated_constraints)


def _validated_constraints(doc: MigrationDoc) -> Iterator[Problem]:
    for op in doc.on_existing_table():
        if op.kind is Kind.ADD_CONSTRAINT and op.constraint_type in (FOREIGN_KEY, CHECK) and not op.not_valid:
            yield Problem(
                f"`{op.what}` adds a {op.constraint_type} constraint, verified against every row of "
                f"`{op.table}` while writes wait",
                op.line,
                fix=advice.not_valid(doc, op),
            )
    added_not_valid = {
        (op.table, op.constraint): op
        for op in doc.up()
        if op.kind is Kind.ADD_CONSTRAINT and op.not_valid and op.tx is not None
    }
    for op in doc.on_existing_table():
        added = added_not_valid.get((op.table, op.constraint))
        if op.kind is Kind.VALIDATE_CONSTRAINT and added is not None and added.tx == op.tx:
            yield Problem(
                f"`{op.what}` runs in the same transaction as the ADD CONSTRAINT ... NOT VALID at line "
                f"{added.line}: its lock is still held, so the validation blocks `{op.table}`",
                op.line,
                fix=advice.validate_later(doc, op),
            )


@repo_rule(
    "MG007",
    "W",
    FAMILY,
    "SET NOT NULL on an existing column",
    fix="Add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it later, then SET NOT NULL (PostgreSQL 12+).",
    docs="""
## What it does
Reports NOT NULL added to an existing column: `ALTER COLUMN ... SET NOT NULL`, Alembic
`op.alter_column(nullable=False)`, Rails `change_column_null ..., false`, Django `AlterField` from
`null=True` to `null=False` (known from the app's earlier migrations). Not reported: columns added
in the same migration, and a SET NOT NULL preceded in the same file by a valid
`CHECK (col IS NOT NULL)` (added without NOT VALID, or validated with `VALIDATE CONSTRAINT`; the
check may have been added NOT VALID in an earlier migration), which PostgreSQL 12+ uses instead of
scanning the table; and apps on another database (see MG013).

## Why it matters
SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock: neither reads nor writes get
through until every row has been checked. If a NULL is left, the migration fails after that wait.
Warning: the wait grows with the table.

## Example
```sql
ALTER TABLE users ALTER COLUMN email SET NOT NULL;
```

## Fix
```sql
ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;
-- next migration
ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;
ALTER TABLE users ALTER COLUMN email SET NOT NULL;   -- no scan on PostgreSQL 12+
ALTER TABLE users DROP CONSTRAINT users_email_not_null;
```

## Equivalent rules
squawk `adding-not-nullable-field`; strong_migrations "setting NOT NULL on an existing column".
""",
)
def mg007(repo: RepoContext) -> Iterator[Problem]:
    not_null_checks = {
        (op.table, op.constraint): op.not_null_column
        for _path, doc in repo.documents(FAMILY)
        for op in doc.ops
        if op.kind is Kind.ADD_CONSTRAINT and op.not_null_column and op.constraint
    }
    proofs: dict[str, dict[tuple[str, str | None], _Proofs]] = {}
    for path, doc, op in _with_django_effects(repo, Kind.SET_NOT_NULL):
        if path not in proofs:
            proofs[path] = _not_null_proofs(doc, not_null_checks)
        if not _proven_not_null(proofs[path].get((op.table, op.column)), op.line):
            yield Problem(
                f"`{op.what}` makes `{op.table}.{op.column}` NOT NULL: the whole table is scanned while "
                "reads and writes wait",
                op.line,
                fix=advice.set_not_null(doc, op),
                path=path,
            )


@dataclass
class _Proofs:
    """The operations of one migration that settle whether a column holds no NULL, in order: the
    lowest line so far of each (a running minimum) and what each says."""

    lowest: list[int] = field(default_factory=list)
    verdicts: list[bool] = field(default_factory=list)


def _not_null_proofs(
    doc: MigrationDoc, checks: dict[tuple[str, str | None], str | None]
) -> dict[tuple[str, str | None], _Proofs]:
    """Each (table, column)'s proofs, gathered in one pass so that a migration of many SET NOT NULL
    is not read again for each."""
    proofs: dict[tuple[str, str | None], _Proofs] = {}
    for op in doc.up():
        if op.kind is Kind.ADD_CONSTRAINT and not op.not_valid:
            column, verdict = op.not_null_column, op.constraint_type in (CHECK, NOT_NULL)
        elif op.kind is Kind.VALIDATE_CONSTRAINT:
            column, verdict = checks.get((op.table, op.constraint)), True
        else:
            continue
        found = proofs.setdefault((op.table, column), _Proofs())
        found.lowest.append(min(op.line, found.lowest[-1]) if found.lowest else op.line)
        found.verdicts.append(verdict)
    return proofs


def _proven_not_null(proofs: _Proofs | None, line: int) -> bool:
    """A valid CHECK (col IS NOT NULL) exists on the column earlier in this migration: the first
    proof in order on a line up to `line` decides (the running minimum falls, so it is a bisection)."""
    if proofs is None:
        return False
    at = bisect_left(proofs.lowest, -line, key=lambda lowest: -lowest)
    return at < len(proofs.verdicts) and proofs.verdicts[at]


@file_rule(
    "MG008",
    "E",
    FAMILY,
    "DROP TABLE",
    fix="Remove every use of the table and deploy first; back it up; drop it in a later migration.",
    docs="""
## What it does
Reports a table dropped in the up direction: `DROP TABLE`, Alembic `op.drop_table`, Django
`DeleteModel`, Rails `drop_table`. A table created in the same migration is exempt, and so is one
the migration rebuilds with its rows (built aside from `INSERT INTO t_new SELECT ... FROM t`, then
renamed over the dropped original; or the renamed-aside copy dropped once the rows are back).

## Why it matters
The running version of the code may still query the table, and the data is gone for good: rolling
the code back does not bring it back, only a restore from backup does. Error: data loss and a
broken release in production.

## Example
```sql
DROP TABLE legacy_invoices;
```

## Fix
Remove every reader and writer from the code and deploy; dump the table
(`pg_dump --table=legacy_invoices`); drop it in a later migration, ideally after a release with
the table renamed so a forgotten reader shows up.

## Equivalent rules
squawk `ban-drop-table`; strong_migrations "removing a table" (via `drop_table`).
""",
)
def mg008(doc: MigrationDoc, ctx: FileContext) -> Iterator[Problem]:
    rebuilt = doc.rebuilt()
    for op in _existing(doc, Kind.DROP_TABLE):
        if op.table in rebuilt:
            continue
        yield Problem(
            f"`{op.what}` drops `{op.table}` and its data while code still running may use it",
            op.line,
            fix=advice.drop_table(doc, op),
        )


@repo_rule(
    "MG009",
    "W",
    FAMILY,
    "Migration with no tested way back",
    fix="Write the down migration and test up, down, up in CI.",
    docs="""
## What it does
Reports migrations that cannot be rolled back with the tool that runs them: an Alembic revision
whose `downgrade()` only holds `pass` (or is missing); a golang-migrate/sqlx `N_x.up.sql` (or diesel
`up.sql`) with no matching down file, or an empty down file; a goose/dbmate/sql-migrate file with no
or an empty down section; a Liquibase formatted-SQL changeset without `--rollback`; a Rails migration
with `up` but no `down`, or irreversible calls in
`change` (`remove_column` without a type, `change_column`, `execute`, `drop_table` without a block,
`change_column_default` without `from:`/`to:`); a Django `RunSQL` without `reverse_sql` or
`RunPython` without `reverse_code`. Flyway is forward-only by design (undo is a separate paid
feature) and plain SQL folders have no down convention: neither is judged. Merge revisions that do
nothing either way are exempt, and so is a Rails `down` that raises
`ActiveRecord::IrreversibleMigration`: that is the explicit, reviewed statement that the change
cannot be undone, which is what this rule asks for when a way back is impossible.

## Why it matters
When a deploy goes wrong, the fastest safe exit is to roll back code and schema together. A
migration without a working down step turns that into a hand-written fix under pressure, and a down
step that was never run is not much better.

## Example
```python
def downgrade() -> None:
    pass
```

## Fix
```python
def downgrade() -> None:
    op.drop_index("ix_orders_customer_id", table_name="orders")
    op.drop_column("orders", "customer_id")
```
and run `upgrade`, `downgrade -1`, `upgrade` in CI. When a change truly cannot be undone (data is
deleted), say so explicitly with `opsmith: ignore[MG009]` and the reason.

## Equivalent rules
None in squawk (it reads one file at a time); strong_migrations and django-migration-linter flag
some irreversible operations.
""",
)
def mg009(repo: RepoContext) -> Iterator[Problem]:
    docs = dict(repo.documents(FAMILY))
    for path, doc in docs.items():
        for note in doc.no_way_back:
            yield Problem(note.message, note.line, fix=advice.rollback(doc.tool), path=path)
        if doc.tool != "updown":
            continue
        if doc.down_file:
            up = docs.get(_sibling(path, "down", "up") or "")
            if doc.statements == 0 and up is not None and up.changes_schema():
                yield Problem(
                    "this down migration is empty: rolling back does nothing",
                    1,
                    fix=advice.rollback(doc.tool),
                    path=path,
                )
            continue
        down = _sibling(path, "up", "down")
        if down is not None and doc.changes_schema() and not repo.exists(down):
            yield Problem(
                f"no `{basename(down)}` next to it: this migration cannot be rolled back",
                1,
                fix=advice.rollback(doc.tool),
                path=path,
            )


def _sibling(path: str, this: str, other: str) -> str | None:
    """`1_x.up.sql` -> `1_x.down.sql` (and diesel's `up.sql` -> `down.sql`), or the reverse."""
    name = basename(path)
    if name.lower().endswith(f".{this}.sql"):
        return join(dirname(path), name[: -len(f".{this}.sql")] + f".{other}.sql")
    if name.lower() == f"{this}.sql":
        return join(dirname(path), f"{other}.sql")
    return None


MG010 = parse_error_rule(
    "MG010",
    FAMILY,
    "Migration",
    docs="""
## What it does
Reports a migration file that does not parse: SQL that PostgreSQL's own parser (through pglast)
rejects, with the line of the error, or a Python (Alembic, Django) migration with a syntax error.
SQL written plainly for another database (MySQL backticks, `ENGINE=` and `MODIFY`, ClickHouse
`ON CLUSTER`, SQLite `PRAGMA`, T-SQL `GO`), or kept in a folder named for one (`mysql/`,
`mariadb/`, `sqlite/`, `clickhouse/`), is not judged at all, and neither is SQL embedded in
Python or Ruby strings, which may be templated.

## Why it matters
A migration that does not parse fails at deploy time, after earlier migrations of the same release
have already run, leaving the schema half-way between two versions.

## Example
```sql
ALTER TABLE orders ADD COLUMN note text
ALTER TABLE orders DROP COLUMN legacy;   -- missing semicolon above
```

## Fix
Correct the statement; `psql --single-transaction -f file.sql` against a scratch database shows the
same error.

## Equivalent rules
squawk reports parse errors (`syntax-error`); hadolint's DL1000 is the Dockerfile counterpart.
""",
)


@repo_rule(
    "MG011",
    "W",
    FAMILY,
    "ADD COLUMN whose default is computed per row rewrites the table",
    fix="Add the column without that default, SET DEFAULT for new rows, backfill in batches.",
    docs="""
## What it does
Reports a column added to an existing table with a default PostgreSQL must compute for every
existing row: a volatile function (`gen_random_uuid()`, `random()`, `clock_timestamp()`,
`nextval()`...), a `serial`/`bigserial` type, an identity column, or a stored generated column.
Constant defaults, and stable ones such as `now()`, are fine since PostgreSQL 11: they are stored
once in the catalog. Not applied to an app on another database (see MG013).

## Why it matters
Such a default rewrites the whole table and its indexes under an ACCESS EXCLUSIVE lock, blocking
reads and writes for as long as it takes; the statement looks as harmless as a constant default.
Warning: the rewrite's length depends on the table's size.

## Example
```sql
ALTER TABLE orders ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid();
```

## Fix
```sql
ALTER TABLE orders ADD COLUMN public_id uuid;
ALTER TABLE orders ALTER COLUMN public_id SET DEFAULT gen_random_uuid();  -- new rows only
-- backfill existing rows in batches, then NOT NULL via a validated CHECK (MG007)
```

## Equivalent rules
squawk `adding-field-with-default`; strong_migrations "adding a column with a volatile default".
""",
)
def mg011(repo: RepoContext) -> Iterator[Problem]:
    return _on_postgresql(repo, _rewriting_defaults)


def _rewriting_defaults(doc: MigrationDoc) -> Iterator[Problem]:
    for op in _existing(doc, Kind.ADD_COLUMN):
        if op.default is Default.VOLATILE:
            yield Problem(
                f"`{op.what}` rewrites `{op.table}` under an exclusive lock: {op.rewrite}",
                op.line,
                fix=advice.rewrite_default(doc, op),
            )


@repo_rule(
    "MG012",
    "W",
    FAMILY,
    "CONCURRENTLY inside a transaction",
    fix="Run the concurrent index operation outside a transaction, as the tool allows.",
    docs="""
## What it does
Reports `CREATE INDEX CONCURRENTLY` and `DROP INDEX CONCURRENTLY` (in any of their forms) that will
run inside a transaction: between BEGIN and COMMIT, or in a tool that wraps each migration in one
(Alembic outside `autocommit_block()`, Django without `atomic = False`, Rails without
`disable_ddl_transaction!`, goose without `NO TRANSACTION`, dbmate without `transaction:false`,
Liquibase without `runInTransaction:false`). Not applied to an app on another database (see
MG013): `CONCURRENTLY` is PostgreSQL's.

## Why it matters
PostgreSQL refuses concurrent index operations in a transaction block, so the migration fails at
deploy time, after the ones before it in the release have run. It usually passes locally only when
the developer ran the statement by hand.

## Example
```python
def upgrade() -> None:
    op.create_index("ix_orders_customer_id", "orders", ["customer_id"], postgresql_concurrently=True)
```

## Fix
```python
def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.create_index("ix_orders_customer_id", "orders", ["customer_id"],
                        postgresql_concurrently=True)
```

## Equivalent rules
squawk `ban-concurrent-index-creation-in-transaction`.
""",
)
def mg012(repo: RepoContext) -> Iterator[Problem]:
    return _on_postgresql(repo, _concurrent_in_transaction)


def _concurrent_in_transaction(doc: MigrationDoc) -> Iterator[Problem]:
    for op in doc.up():
        if op.kind in (Kind.CREATE_INDEX, Kind.DROP_INDEX) and op.concurrently and op.tx is not None:
            yield Problem(
                f"`{op.what}` runs inside the migration's transaction, where PostgreSQL refuses "
                "CONCURRENTLY: the migration fails",
                op.line,
                fix=advice.outside_transaction(doc, op),
            )


@repo_rule(
    "MG013",
    "I",
    FAMILY,
    "Migrations of an app on another database: PostgreSQL lock rules not applied",
    fix="Nothing to change; if the app runs on PostgreSQL, name it where the database is configured.",
    docs="""
## What it does
Says once per migration folder that the PostgreSQL lock and rewrite rules (MG004, MG005, MG006,
MG007, MG011, MG012) were not applied to it, because the repository shows the app runs on another
database: a folder named `mysql/`, `mariadb/`, `sqlite/` or `clickhouse/`, the adapters in Rails'
`config/database.yml` (or its `.sample`) and the Gemfile's drivers, Django settings' `ENGINE`,
`alembic.ini`'s `sqlalchemy.url`, or `DATABASE_URL` schemes and database images in `.env`
examples and compose files, looked for from the migration folder upwards. An app whose evidence
names PostgreSQL among other databases is judged as a PostgreSQL app. The rules about breaking
the running code (MG001, MG002, MG003, MG008) still apply: old code breaks on any database.

## Why it matters
SQLite, MySQL and ClickHouse lock and rewrite tables in their own ways; judging their migrations
by PostgreSQL's rules gives advice that is wrong for them (and `CONCURRENTLY` does not exist
there). Info, because nothing is wrong: it only tells you what was not checked.

## Example
A Rails app whose `config/database.yml` says `adapter: sqlite3` and whose Gemfile has no `pg`:
its `db/migrate/` gets this note and no MG005 for `add_index`.

## Fix
Nothing to fix. If the app does run on PostgreSQL in production, name it where the repository
configures the database (an adapter, an ENGINE, a `postgres://` URL) and the rules apply again.

## Equivalent rules
None: squawk assumes PostgreSQL, strong_migrations reads the adapter Rails is connected to.
""",
)
def mg013(repo: RepoContext) -> Iterator[Problem]:
    folders: dict[str, str] = {}
    for path, _doc in repo.documents(FAMILY):
        folder = dirname(path)
        folders[folder] = min(folders.get(folder, path), path)
    for folder, database in sorted(other_database(repo).items()):
        yield Problem(
            f"the migrations in `{folder or '.'}/` are for {database.name} ({database.evidence} says so): "
            "the PostgreSQL lock rules MG004-MG007, MG011 and MG012 were not applied to them",
            None,
            path=folders[folder],
        )


def _on_postgresql(
    repo: RepoContext, check: Callable[[MigrationDoc], Iterator[Problem]]
) -> Iterator[Problem]:
    """`check` over each migration, except those of an app that runs on another database."""
    docs = repo.documents(FAMILY)
    other = other_database(repo)
    for path, doc in docs:
        if dirname(path) not in other:
            yield from (replace(problem, path=path) for problem in check(doc))


def _earlier_types(repo: RepoContext) -> dict[tuple[str, int, str, str], str]:
    """For each up operation that sets a column's type, the type the column had just before, as
    the migrations of its folder (in file name order) and the lines before it in its file wrote it."""
    folders: dict[str, list[tuple[str, MigrationDoc]]] = {}
    for path, doc in repo.documents(FAMILY):
        folders.setdefault(dirname(path), []).append((path, doc))
    earlier: dict[tuple[str, int, str, str], str] = {}
    for docs in folders.values():
        known: dict[tuple[str, str], str] = {}
        for path, doc in sorted(docs, key=lambda pd: basename(pd[0])):
            for op in doc.up():
                if op.kind not in (Kind.ADD_COLUMN, Kind.ALTER_TYPE) or not op.column or not op.type_name:
                    continue
                column = (op.table, op.column)
                if op.kind is Kind.ALTER_TYPE and column in known:
                    earlier[(path, op.line, op.table, op.column)] = known[column]
                known[column] = op.type_name
    return earlier


def _with_django_effects(repo: RepoContext, kind: Kind) -> Iterator[tuple[str, MigrationDoc, Op]]:
    """Up ops of `kind` on existing tables and columns, plus what Django AlterFields amount to."""
    docs: list[tuple[str, MigrationDoc]] = list(repo.documents(FAMILY))
    effects: dict[tuple[str, int], list[Op]] = {}
    apps: dict[str, list[tuple[str, MigrationDoc]]] = {}
    for path, doc in docs:
        if doc.django_app is not None:
            apps.setdefault(doc.django_app, []).append((path, doc))
    if apps:
        from opsmith.parse.migration_django import alter_field_effects

        for app_docs in apps.values():
            effects.update(alter_field_effects(sorted(app_docs, key=lambda pd: basename(pd[0]))))
    other = other_database(repo)
    for path, doc in docs:
        if dirname(path) in other:
            continue
        alter_lines = sorted({op.line for op in _existing(doc, Kind.ALTER_FIELD)})
        derived = [e for line in alter_lines for e in effects.get((path, line), ()) if e.kind is kind]
        for op in sorted([*_existing(doc, kind), *derived], key=lambda o: o.line):
            yield path, doc, op


RULES: tuple[Rule[MigrationDoc], ...] = (
    mg001,
    mg002,
    mg003,
    mg004,
    mg005,
    mg006,
    mg007,
    mg008,
    mg009,
    MG010,
    mg011,
    mg012,
    mg013,
)
