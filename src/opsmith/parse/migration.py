"""Schema migrations of the common tools, read into one shape (`MigrationDoc`, see migration_ops).

- SQL files: golang-migrate / sqlx (`*.up.sql`, `*.down.sql`; also `*_up.sql`, `*_down.sql`),
  diesel (`up.sql`, `down.sql`),
  Flyway (`V1__x.sql`, undo `U1__x.sql`, repeatable `R__x.sql`), Liquibase formatted SQL
  (`--liquibase formatted sql`, `--changeset`, `--rollback`), goose (`-- +goose Up/Down`), dbmate
  (`-- migrate:up/down`), sql-migrate (`-- +migrate Up/Down`), and plain `migrations/*.sql`. Read by
  pglast; a file pglast rejects is a parse failure at the line it points to, unless the text is
  plainly another database's dialect (MySQL backticks and MODIFY, ClickHouse ON CLUSTER, SQLite
  PRAGMA, T-SQL GO...) or sits in a folder named for another database (`mysql/`, `sqlite/`...):
  then the file is not judged at all.
- Python: Alembic revisions (migration_alembic) and Django migrations (migration_django).
- Ruby: Rails migrations (migration_rails).

Each migration also carries the date its tool recorded, if any (migration_dates), from which the
MG rules tell a table created days before from an old one.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from opsmith.audit.source import SourceFile
from opsmith.parse import migration_sql as sql
from opsmith.parse.errors import ParseFailure
from opsmith.parse.migration_dates import written
from opsmith.parse.migration_ops import NOT_SCHEMA, MigrationDoc, Note

_FLYWAY = re.compile(r"^(?P<kind>[VUR])(?:\d[\w.]*)?__.+\.sql$")
_UP_DOWN = re.compile(r"(?:^|[._])(?P<dir>up|down)\.sql$", re.IGNORECASE)
# Folders that say which database their SQL is for (`db/mysql/001_x.sql`).
OTHER_DATABASE_DIR = re.compile(
    r"(?:^|/)(mysql|mariadb|clickhouse|sqlite3?|mssql|sqlserver|oracle)/", re.IGNORECASE
)
_LIQUIBASE = re.compile(r"\A\s*--\s*liquibase\s+formatted\s+sql", re.IGNORECASE)
_CHANGESET = re.compile(r"^\s*--\s*changeset\s+\S+", re.IGNORECASE)
_ROLLBACK = re.compile(r"^\s*--\s*rollback\b", re.IGNORECASE)
_NO_TX_ATTR = re.compile(r"runInTransaction\s*:\s*false", re.IGNORECASE)


@dataclass(frozen=True)
class _Sections:
    """Up/down markers of tools that keep both directions in one SQL file."""

    tool: str
    up: re.Pattern[str]
    down: re.Pattern[str]
    no_transaction: re.Pattern[str]


_SECTIONED = (
    _Sections(
        "goose",
        re.compile(r"^[ \t]*--\s*\+goose\s+Up\b", re.IGNORECASE | re.MULTILINE),
        re.compile(r"^[ \t]*--\s*\+goose\s+Down\b", re.IGNORECASE | re.MULTILINE),
        re.compile(r"^[ \t]*--\s*\+goose\s+NO\s+TRANSACTION\b", re.IGNORECASE | re.MULTILINE),
    ),
    _Sections(
        "dbmate",
        re.compile(r"^[ \t]*--\s*migrate:up\b", re.MULTILINE),
        re.compile(r"^[ \t]*--\s*migrate:down\b", re.MULTILINE),
        re.compile(r"^[ \t]*--\s*migrate:up\b.*\btransaction:false", re.MULTILINE),
    ),
    _Sections(
        "sql-migrate",
        re.compile(r"^[ \t]*--\s*\+migrate\s+Up\b", re.MULTILINE),
        re.compile(r"^[ \t]*--\s*\+migrate\s+Down\b", re.MULTILINE),
        re.compile(r"^[ \t]*--\s*\+migrate\s+Up\b.*\bnotransaction\b", re.MULTILINE),
    ),
)


def parse(source: SourceFile) -> MigrationDoc | ParseFailure | None:
    doc = _parse(source)
    if isinstance(doc, MigrationDoc):
        doc.written = written(source.name, source.text)
    return doc


def _parse(source: SourceFile) -> MigrationDoc | ParseFailure | None:
    name = source.name
    if name.endswith(".sql"):
        return _parse_sql_file(source)
    if name.endswith(".py"):
        return _parse_python(source)
    if name.endswith(".rb"):
        from opsmith.parse.migration_rails import MAX_DEPTH, TooDeep, parse_rails

        if "ActiveRecord::Migration" not in source.text:
            return None
        try:
            return parse_rails(source.text)
        except TooDeep as exc:
            return ParseFailure(f"blocks nest more than {MAX_DEPTH} deep", exc.line)
    return None


def _parse_python(source: SourceFile) -> MigrationDoc | ParseFailure | None:
    try:
        tree = ast.parse(source.text)
    except SyntaxError as exc:
        return ParseFailure(f"Python syntax error: {exc.msg}", exc.lineno, exc.offset)
    except ValueError as exc:  # source holding NUL characters
        return ParseFailure(str(exc), 1)
    except (MemoryError, RecursionError):  # CPython's parser overflows its stack on deep nesting
        return ParseFailure("the file is nested too deeply for Python's parser", None)
    text = source.text
    if "migrations.Migration" in text or re.search(r"^from django\b|^import django\b", text, re.MULTILINE):
        from opsmith.parse.migration_django import parse_django

        return parse_django(tree, source.relpath)
    # `[ \t]*`, not `\s*`: that crossed lines, retrying a run of blank lines from each of them.
    if re.search(r"^[ \t]*(?:from alembic\b|import alembic\b|def upgrade\b)", text, re.MULTILINE):
        from opsmith.parse.migration_alembic import parse_alembic

        return parse_alembic(tree)
    return None


def _tool_of(name: str, text: str) -> tuple[str, bool]:
    """(tool, down_file) from the file name and its marker comments."""
    flyway = _FLYWAY.match(name)
    if flyway:
        return "flyway", flyway.group("kind") == "U"
    up_down = _UP_DOWN.search(name)
    if up_down:
        return "updown", up_down.group("dir").lower() == "down"
    if _LIQUIBASE.match(text):
        return "liquibase", False
    for sections in _SECTIONED:
        if sections.up.search(text):
            return sections.tool, False
    return "sql", False


def _parse_sql_file(source: SourceFile) -> MigrationDoc | ParseFailure | None:
    text = source.text
    tool, down_file = _tool_of(source.name, text)
    parsed = sql.statements(sql.blank_templating(text))
    if isinstance(parsed, ParseFailure):
        return None if sql.other_dialect(text) or OTHER_DATABASE_DIR.search(source.relpath) else parsed
    doc = MigrationDoc(tool, down_file=down_file)
    reader = _SqlReader(doc, source.lines, text)
    for stmt in parsed:
        reader.add(stmt)
    reader.finish()
    return doc


class _SqlReader:
    """Assigns each statement its direction and transaction, as the tool will run it."""

    def __init__(self, doc: MigrationDoc, lines: list[str], text: str) -> None:
        self.doc = doc
        self.lines = lines
        self.explicit: int | None = None  # id of an open BEGIN ... COMMIT block
        self.next_tx = 1
        self.down_from: int | None = None  # first line of the down section
        self.section_tx: int | None = None  # the transaction the tool opens for the file
        self.changesets: list[tuple[int, int | None, bool]] = []  # (line, tx, has rollback)
        self.up_statements = 0
        self.down_statements = 0
        self.sections = next((s for s in _SECTIONED if s.tool == doc.tool), None)
        if self.sections is not None:
            down = self.sections.down.search(text)
            self.down_from = text[: down.start()].count("\n") + 1 if down else None
            if not self.sections.no_transaction.search(text):
                self.section_tx = self._new_tx()
        elif doc.tool == "flyway" and not re.search(r"\bCONCURRENTLY\b", text, re.IGNORECASE):
            self.section_tx = self._new_tx()  # Flyway runs a file with CONCURRENTLY outside one
        elif doc.tool == "liquibase":
            self._read_changesets()

    def _new_tx(self) -> int:
        self.next_tx += 1
        return self.next_tx - 1

    def _read_changesets(self) -> None:
        for number, line in enumerate(self.lines, 1):
            if _CHANGESET.match(line):
                tx = None if _NO_TX_ATTR.search(line) else self._new_tx()
                self.changesets.append((number, tx, False))
            elif _ROLLBACK.match(line) and self.changesets:
                at, tx, _ = self.changesets[-1]
                self.changesets[-1] = (at, tx, True)

    def _tool_tx(self, line: int) -> int | None:
        if self.doc.tool == "liquibase":
            before = [tx for at, tx, _ in self.changesets if at <= line]
            return before[-1] if before else None
        return self.section_tx

    def add(self, stmt: sql.Statement) -> None:
        change = sql.transaction_change(stmt)
        if change == "begin":
            self.explicit = self._new_tx()
            return
        if change == "end":
            self.explicit = None
            return
        down = self.doc.down_file or (self.down_from is not None and stmt.line >= self.down_from)
        if down:
            self.down_statements += 1
        else:
            self.up_statements += 1
        tx = self.explicit if self.explicit is not None else self._tool_tx(stmt.line)
        self.doc.ops.extend(sql.ops_of(stmt, down=down, tx=tx))

    def finish(self) -> None:
        doc = self.doc
        doc.statements = self.up_statements + self.down_statements
        notes = doc.no_way_back
        if self.sections is not None and doc.changes_schema():
            marker = "`-- +goose Down`" if doc.tool == "goose" else "a down section"
            if self.down_from is None:
                notes.append(Note(1, f"no {marker}: this migration cannot be rolled back"))
            elif self.down_statements == 0:
                notes.append(Note(self.down_from, "the down section is empty: rolling back does nothing"))
        for at, _tx, has_rollback in self.changesets:
            if not has_rollback and self._changes_schema(at):
                notes.append(Note(at, "changeset without a `--rollback`: Liquibase cannot undo it"))

    def _changes_schema(self, changeset_line: int) -> bool:
        following = [at for at, _, _ in self.changesets if at > changeset_line]
        end = following[0] if following else len(self.lines) + 1
        return any(changeset_line < op.line < end and op.kind not in NOT_SCHEMA for op in self.doc.up())
