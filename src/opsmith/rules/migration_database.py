"""Which database a migration folder's application runs on, from what the repository says.

The MG lock rules describe PostgreSQL: its rewrites, its lock levels, its `CONCURRENTLY`. A Rails
app on SQLite or a Django app on MySQL locks differently, so judging its migrations that way
gives false alarms. The evidence, looked for in the migration folder's ancestors: a folder named
for a database, Rails' `config/database.yml` adapters and Gemfile drivers, Django settings'
`ENGINE`, `alembic.ini`'s `sqlalchemy.url`, and `DATABASE_URL` schemes in `.env` examples and
compose files. A folder is known to use another database only when the evidence names no
PostgreSQL at all: an app that can run on several databases, PostgreSQL among them, is judged.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from posixpath import basename, dirname

from opsmith.context import RepoContext

FAMILY = "migration"
POSTGRESQL = "PostgreSQL"
_NAMES = {
    "postgres": POSTGRESQL,
    "postgresql": POSTGRESQL,
    "postgis": POSTGRESQL,
    "pg": POSTGRESQL,
    "pgsql": POSTGRESQL,
    "psycopg": POSTGRESQL,
    "psycopg2": POSTGRESQL,
    "asyncpg": POSTGRESQL,
    "mysql": "MySQL",
    "mysql2": "MySQL",
    "trilogy": "MySQL",
    "mariadb": "MySQL",
    "pymysql": "MySQL",
    "sqlite": "SQLite",
    "sqlite3": "SQLite",
    "clickhouse": "ClickHouse",
    "oracle": "Oracle",
    "mssql": "SQL Server",
    "sqlserver": "SQL Server",
}
# Folder names that say which database the SQL under them is for (`db/mysql/001_init.sql`).
_FOLDERS = frozenset(
    {"postgres", "postgresql", "pg", "pgsql", "mysql", "mariadb", "sqlite", "sqlite3", "clickhouse", "mssql"}
    | {"sqlserver", "oracle"}
)
_ADAPTER = re.compile(r"^\s*adapter:\s*['\"]?(\w+)", re.MULTILINE)
_GEM = re.compile(r"^\s*gem\s+['\"](pg|mysql2|trilogy|sqlite3)['\"]", re.MULTILINE)
_DJANGO_ENGINE = re.compile(r"django\.db\.backends\.(\w+)|django\.contrib\.gis\.db\.backends\.(\w+)")
_URL = re.compile(r"\b(postgres(?:ql)?|mysql|mariadb|sqlite|clickhouse|oracle|mssql)(?:\+\w+)?://")
_IMAGE = re.compile(
    r"^\s*image:\s*['\"]?(?:[\w.-]+/)*(postgres(?:ql)?|postgis|mysql|mariadb|clickhouse)(?:-server)?[:@'\"\s]",
    re.MULTILINE,
)
_RAILS_CONFIG = ("database.yml", "database.yml.sample", "database.yml.example", "database.yml.dist")
_ENV_FILES = frozenset({".env.example", ".env.sample", ".env.template", ".env.dist", "example.env"})
_COMPOSE = re.compile(r"^(?:docker-)?compose(?:[.-][\w.-]+)?\.ya?ml$")


@dataclass(frozen=True)
class Database:
    name: str  # "SQLite", "MySQL"...
    evidence: str  # the file (or folder) that says so


# Several rules ask in one run: the answer is worked out once per repository view.
_KNOWN: weakref.WeakKeyDictionary[RepoContext, dict[str, Database]] = weakref.WeakKeyDictionary()


def other_database(repo: RepoContext) -> dict[str, Database]:
    """Migration folders whose application plainly runs on a database other than PostgreSQL."""
    known = _KNOWN.get(repo)
    if known is None:
        known = _KNOWN[repo] = _judge(repo, {dirname(path) for path, _ in repo.documents(FAMILY)})
    return known


def _judge(repo: RepoContext, folders: Iterable[str]) -> dict[str, Database]:
    index = _evidence_files(repo.files)
    found: dict[str, Database] = {}
    for folder in sorted(folders):
        database = _named_folder(folder) or _from_files(repo, index, folder)
        if database is not None and database.name != POSTGRESQL:
            found[folder] = database
    return found


def _named_folder(folder: str) -> Database | None:
    parts = folder.split("/")
    for depth in range(len(parts), 0, -1):
        if parts[depth - 1].lower() in _FOLDERS:
            return Database(_NAMES[parts[depth - 1].lower()], "/".join(parts[:depth]) + "/")
    return None


def _evidence_files(files: Iterable[str]) -> dict[str, list[str]]:
    """Files that may name the database, by the folder they speak for: Rails' config/ and Django's
    settings/ speak for the folder above them, Django's settings.py for the project around it."""
    index: dict[str, list[str]] = {}
    for path in files:
        name, folder = basename(path), dirname(path)
        parent = dirname(folder)
        if name in _RAILS_CONFIG and basename(folder) == "config":
            index.setdefault(parent, []).append(path)
        elif name in ("Gemfile", "alembic.ini", "env.py") or name in _ENV_FILES or _COMPOSE.match(name):
            index.setdefault(folder, []).append(path)
        elif name == "settings.py" or (basename(folder) == "settings" and name.endswith(".py")):
            # Django: <project>/<package>/settings.py speaks for every app of <project>
            owner = dirname(parent) if basename(folder) == "settings" else parent
            index.setdefault(owner, []).append(path)
    return index


def _from_files(repo: RepoContext, index: dict[str, list[str]], folder: str) -> Database | None:
    """The evidence of the nearest ancestor that has any; PostgreSQL when it is among the names."""
    current = folder
    while True:
        names: dict[str, str] = {}
        for path in sorted(index.get(current, ())):
            for name in _named_in(path, repo.read_text(path) or ""):
                names.setdefault(name, path)
        if names:
            if POSTGRESQL in names:
                return Database(POSTGRESQL, names[POSTGRESQL])
            first = sorted(names.items(), key=lambda item: item[1])[0]
            return Database(*first)
        if not current:
            return None
        current = dirname(current)


def _named_in(path: str, text: str) -> set[str]:
    name = basename(path)
    if name.startswith("database.yml"):
        words = _ADAPTER.findall(text)
    elif name == "Gemfile":
        words = _GEM.findall(text)
    elif name.endswith(".py") and name != "env.py":
        words = [a or b for a, b in _DJANGO_ENGINE.findall(text)]
    else:
        words = _URL.findall(text) + (_IMAGE.findall(text) if _COMPOSE.match(name) else [])
    return {_NAMES[w.lower()] for w in words if w.lower() in _NAMES}
