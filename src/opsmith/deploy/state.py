"""Deploy state in SQLite (`.opsmith/deploy.db`): releases, deploys and their steps, every analysis
measurement, the per service+environment lock, and an audit log of who did what.

The controller commits after each step, so the database alone says where a deploy stands when the
process that ran it is gone. WAL mode lets `opsmith status` read while a deploy writes. A lock
records the holder's pid, host and process start time: a lock whose process no longer runs (or
whose pid now belongs to another process) is taken over, so a SIGKILLed deploy never blocks the
next one.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

DB_FILE = ".opsmith/deploy.db"
SCHEMA_VERSION = 1

ReleaseState = Literal["starting", "ready", "serving", "warm", "stopped", "failed"]
DeployStatus = Literal["running", "aborting", "promoted", "rolled-back", "failed"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS frontends (
    service TEXT NOT NULL, environment TEXT NOT NULL, host TEXT NOT NULL, port INTEGER NOT NULL,
    health_path TEXT, PRIMARY KEY (service, environment));
CREATE TABLE IF NOT EXISTS releases (
    id TEXT PRIMARY KEY, service TEXT NOT NULL, environment TEXT NOT NULL, image TEXT NOT NULL,
    container TEXT NOT NULL, host TEXT NOT NULL, port INTEGER NOT NULL, weight INTEGER NOT NULL,
    state TEXT NOT NULL, created REAL NOT NULL, warm_until REAL);
CREATE TABLE IF NOT EXISTS deploys (
    id INTEGER PRIMARY KEY AUTOINCREMENT, service TEXT NOT NULL, environment TEXT NOT NULL,
    kind TEXT NOT NULL, release_id TEXT, stable_id TEXT, image TEXT NOT NULL, strategy TEXT NOT NULL,
    steps TEXT NOT NULL, step INTEGER NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL,
    who TEXT NOT NULL, options TEXT NOT NULL, started REAL NOT NULL, ended REAL);
CREATE TABLE IF NOT EXISTS steps (
    deploy_id INTEGER NOT NULL, idx INTEGER NOT NULL, name TEXT NOT NULL, started REAL NOT NULL,
    ended REAL, result TEXT, detail TEXT NOT NULL DEFAULT '', PRIMARY KEY (deploy_id, idx));
CREATE TABLE IF NOT EXISTS analyses (
    id INTEGER PRIMARY KEY AUTOINCREMENT, deploy_id INTEGER NOT NULL, idx INTEGER NOT NULL,
    at REAL NOT NULL, verdict TEXT NOT NULL, checks TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS locks (
    service TEXT NOT NULL, environment TEXT NOT NULL, deploy_id INTEGER, pid INTEGER NOT NULL,
    host TEXT NOT NULL, process_start TEXT NOT NULL, taken REAL NOT NULL,
    PRIMARY KEY (service, environment));
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL,
    service TEXT NOT NULL, environment TEXT NOT NULL, detail TEXT NOT NULL);
"""


class StateError(Exception):
    """The state database cannot be used (another schema version, unreadable)."""


class LockHeld(Exception):
    """Another live process deploys the same service and environment."""

    def __init__(self, holder: Lock) -> None:
        super().__init__(
            f"another deploy of {holder.service} ({holder.environment}) is running:"
            f" pid {holder.pid} on {holder.host} since {_clock(holder.taken)}"
        )
        self.holder = holder


@dataclass(frozen=True)
class Lock:
    service: str
    environment: str
    deploy_id: int | None
    pid: int
    host: str
    process_start: str
    taken: float


@dataclass(frozen=True)
class Frontend:
    service: str
    environment: str
    host: str
    port: int
    health_path: str | None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Release:
    id: str
    service: str
    environment: str
    image: str
    container: str
    host: str
    port: int
    weight: int
    state: ReleaseState
    created: float
    warm_until: float | None = None  # a warm release is retired after this time


@dataclass(frozen=True)
class Deploy:
    id: int
    service: str
    environment: str
    kind: str  # "deploy" or "rollback"
    release_id: str | None
    stable_id: str | None
    image: str
    strategy: str
    steps: tuple[str, ...]  # each step's text form (strategies.Step.text)
    step: int  # index of the next step to run
    status: DeployStatus
    reason: str
    who: str
    options: Mapping[str, Any]
    started: float
    ended: float | None


@dataclass(frozen=True)
class StepRecord:
    idx: int
    name: str
    started: float
    ended: float | None
    result: str | None
    detail: str


@dataclass(frozen=True)
class AnalysisRecord:
    idx: int
    at: float
    verdict: str
    checks: tuple[Mapping[str, Any], ...]


def process_start(pid: int) -> str | None:
    """When process `pid` started (clock ticks since boot, from /proc), None when it is gone: a
    pid reused by another process has another start time."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[19] if len(fields) > 19 else None


class State:
    """One connection to the deploy database of a repository folder."""

    def __init__(self, root: Path) -> None:
        path = root / DB_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # autocommit: every write is its own transaction unless `transaction()` groups them
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=30000")
        with self.transaction():
            for statement in filter(str.strip, _SCHEMA.split(";")):
                self._db.execute(statement)
            row = self._db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            if row is None:
                self._db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            elif row["value"] != str(SCHEMA_VERSION):
                raise StateError(
                    f"{path} has schema version {row['value']}, this opsmith reads {SCHEMA_VERSION}"
                )

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE: the write lock from the start, so read-then-write is atomic."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # --- locks -------------------------------------------------------------------------------

    def acquire(self, service: str, environment: str, pid: int | None = None) -> Lock:
        """Take the lock of `service` in `environment` for process `pid` (this one by default),
        taking it over from a holder that is no longer running. Raises LockHeld otherwise."""
        pid = os.getpid() if pid is None else pid
        host = socket.gethostname()
        started = process_start(pid) or ""
        lock = Lock(service, environment, None, pid, host, started, time.time())
        with self.transaction():
            holder = self._lock(service, environment)
            if holder is not None and not (holder.pid == pid and holder.host == host) and _alive(holder):
                raise LockHeld(holder)
            self._db.execute(
                "INSERT OR REPLACE INTO locks VALUES (?, ?, NULL, ?, ?, ?, ?)",
                (service, environment, pid, host, started, lock.taken),
            )
        return lock

    def release_lock(self, service: str, environment: str, pid: int | None = None) -> None:
        pid = os.getpid() if pid is None else pid
        self._db.execute(
            "DELETE FROM locks WHERE service = ? AND environment = ? AND pid = ? AND host = ?",
            (service, environment, pid, socket.gethostname()),
        )

    def holder(self, service: str, environment: str) -> Lock | None:
        """The live holder of the lock, if any (a dead one's row is only a leftover)."""
        lock = self._lock(service, environment)
        return lock if lock is not None and _alive(lock) else None

    def _lock(self, service: str, environment: str) -> Lock | None:
        row = self._db.execute(
            "SELECT * FROM locks WHERE service = ? AND environment = ?", (service, environment)
        ).fetchone()
        return Lock(**dict(row)) if row is not None else None

    # --- frontends ---------------------------------------------------------------------------

    def set_frontend(self, frontend: Frontend) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO frontends VALUES (?, ?, ?, ?, ?)",
            (frontend.service, frontend.environment, frontend.host, frontend.port, frontend.health_path),
        )

    def frontends(self) -> list[Frontend]:
        rows = self._db.execute("SELECT * FROM frontends ORDER BY service, environment").fetchall()
        return [Frontend(**dict(row)) for row in rows]

    def frontend(self, service: str, environment: str) -> Frontend | None:
        return next(
            (f for f in self.frontends() if (f.service, f.environment) == (service, environment)), None
        )

    # --- releases ----------------------------------------------------------------------------

    def add_release(self, release: Release) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO releases VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                release.id,
                release.service,
                release.environment,
                release.image,
                release.container,
                release.host,
                release.port,
                release.weight,
                release.state,
                release.created,
                release.warm_until,
            ),
        )

    def release(self, release_id: str) -> Release | None:
        row = self._db.execute("SELECT * FROM releases WHERE id = ?", (release_id,)).fetchone()
        return Release(**dict(row)) if row is not None else None

    def releases(self, service: str, environment: str) -> list[Release]:
        """Every release of a service, newest first."""
        rows = self._db.execute(
            "SELECT * FROM releases WHERE service = ? AND environment = ? ORDER BY created DESC, rowid DESC",
            (service, environment),
        ).fetchall()
        return [Release(**dict(row)) for row in rows]

    def update_release(
        self,
        release_id: str,
        *,
        state: ReleaseState | None = None,
        weight: int | None = None,
        warm_until: float | None = None,
    ) -> None:
        if state is not None:
            self._db.execute("UPDATE releases SET state = ? WHERE id = ?", (state, release_id))
        if weight is not None:
            self._db.execute("UPDATE releases SET weight = ? WHERE id = ?", (weight, release_id))
        if warm_until is not None:
            self._db.execute("UPDATE releases SET warm_until = ? WHERE id = ?", (warm_until, release_id))

    def warm(self) -> list[Release]:
        """Every release kept warm with a time to retire it, the soonest first."""
        rows = self._db.execute(
            "SELECT * FROM releases WHERE state = 'warm' AND warm_until IS NOT NULL ORDER BY warm_until"
        ).fetchall()
        return [Release(**dict(row)) for row in rows]

    def serving(self, service: str, environment: str) -> Release | None:
        """The release that holds the service's traffic when no deploy runs."""
        return next((r for r in self.releases(service, environment) if r.state == "serving"), None)

    # --- deploys -----------------------------------------------------------------------------

    def start_deploy(
        self,
        *,
        service: str,
        environment: str,
        kind: str,
        release_id: str | None,
        stable_id: str | None,
        image: str,
        strategy: str,
        steps: tuple[str, ...],
        who: str,
        options: Mapping[str, Any],
    ) -> int:
        now = time.time()
        cursor = self._db.execute(
            "INSERT INTO deploys (service, environment, kind, release_id, stable_id, image, strategy,"
            " steps, step, status, reason, who, options, started, ended)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 'running', '', ?, ?, ?, NULL)",
            (
                service,
                environment,
                kind,
                release_id,
                stable_id,
                image,
                strategy,
                json.dumps(list(steps)),
                who,
                json.dumps(dict(options), sort_keys=True),
                now,
            ),
        )
        deploy_id = cursor.lastrowid
        assert deploy_id is not None  # an INSERT into a table with a rowid always sets it
        self._db.execute(
            "UPDATE locks SET deploy_id = ? WHERE service = ? AND environment = ? AND pid = ?",
            (deploy_id, service, environment, os.getpid()),
        )
        return deploy_id

    def deploy(self, deploy_id: int) -> Deploy | None:
        row = self._db.execute("SELECT * FROM deploys WHERE id = ?", (deploy_id,)).fetchone()
        return _deploy(row) if row is not None else None

    def deploys(self, service: str | None = None, environment: str | None = None) -> list[Deploy]:
        """Deploys, oldest first, of one service and environment or of all."""
        where, args = _filter(service, environment)
        rows = self._db.execute(f"SELECT * FROM deploys {where} ORDER BY id", args).fetchall()
        return [_deploy(row) for row in rows]

    def unfinished(self, service: str, environment: str) -> Deploy | None:
        row = self._db.execute(
            "SELECT * FROM deploys WHERE service = ? AND environment = ?"
            " AND status IN ('running', 'aborting') ORDER BY id DESC LIMIT 1",
            (service, environment),
        ).fetchone()
        return _deploy(row) if row is not None else None

    def begin_step(self, deploy_id: int, idx: int, name: str) -> StepRecord:
        """Record that step `idx` runs; a step begun before (by a process that died) keeps its
        first start time, so pauses and analyses resume where they were."""
        self._db.execute(
            "INSERT OR IGNORE INTO steps (deploy_id, idx, name, started) VALUES (?, ?, ?, ?)",
            (deploy_id, idx, name, time.time()),
        )
        return self.steps(deploy_id)[idx]

    def end_step(self, deploy_id: int, idx: int, result: str, detail: str = "") -> None:
        """Close step `idx` and move the deploy to the next step, in one transaction."""
        with self.transaction():
            self._db.execute(
                "UPDATE steps SET ended = ?, result = ?, detail = ? WHERE deploy_id = ? AND idx = ?",
                (time.time(), result, detail, deploy_id, idx),
            )
            self._db.execute(
                "UPDATE deploys SET step = ? WHERE id = ? AND step <= ?", (idx + 1, deploy_id, idx)
            )

    def steps(self, deploy_id: int) -> dict[int, StepRecord]:
        rows = self._db.execute(
            "SELECT * FROM steps WHERE deploy_id = ? ORDER BY idx", (deploy_id,)
        ).fetchall()
        return {
            row["idx"]: StepRecord(
                row["idx"], row["name"], row["started"], row["ended"], row["result"], row["detail"]
            )
            for row in rows
        }

    def finish(self, deploy_id: int, status: DeployStatus, reason: str) -> None:
        """Record how the deploy ends; `aborting` (traffic is going back to stable) is not an
        end: a deploy resumed in that state finishes its abort, never its steps."""
        ended = None if status == "aborting" else time.time()
        self._db.execute(
            "UPDATE deploys SET status = ?, reason = ?, ended = ? WHERE id = ?",
            (status, reason, ended, deploy_id),
        )

    def add_analysis(
        self, deploy_id: int, idx: int, verdict: str, checks: Sequence[Mapping[str, Any]]
    ) -> None:
        self._db.execute(
            "INSERT INTO analyses (deploy_id, idx, at, verdict, checks) VALUES (?, ?, ?, ?, ?)",
            (deploy_id, idx, time.time(), verdict, json.dumps(list(checks))),
        )

    def analyses(self, deploy_id: int, idx: int | None = None) -> list[AnalysisRecord]:
        query = "SELECT * FROM analyses WHERE deploy_id = ?" + (" AND idx = ?" if idx is not None else "")
        args: tuple[int, ...] = (deploy_id,) if idx is None else (deploy_id, idx)
        rows = self._db.execute(query + " ORDER BY id", args).fetchall()
        return [
            AnalysisRecord(row["idx"], row["at"], row["verdict"], tuple(json.loads(row["checks"])))
            for row in rows
        ]

    # --- audit log ---------------------------------------------------------------------------

    def log(self, who: str, action: str, service: str, environment: str, detail: str = "") -> None:
        self._db.execute(
            "INSERT INTO audit (at, who, action, service, environment, detail) VALUES (?, ?, ?, ?, ?, ?)",
            (time.time(), who, action, service, environment, detail),
        )

    def audit_log(self) -> list[dict[str, Any]]:
        return [dict(row) for row in self._db.execute("SELECT * FROM audit ORDER BY id").fetchall()]


def _alive(lock: Lock) -> bool:
    if lock.host != socket.gethostname():
        return True  # another machine's process: this one cannot tell, so it never takes over
    started = process_start(lock.pid)
    return started is not None and (not lock.process_start or started == lock.process_start)


def _deploy(row: sqlite3.Row) -> Deploy:
    data = dict(row)
    data["steps"] = tuple(json.loads(data["steps"]))
    data["options"] = json.loads(data["options"])
    return Deploy(**data)


def _filter(service: str | None, environment: str | None) -> tuple[str, tuple[str, ...]]:
    clauses, args = [], []
    if service is not None:
        clauses.append("service = ?")
        args.append(service)
    if environment is not None:
        clauses.append("environment = ?")
        args.append(environment)
    return ("WHERE " + " AND ".join(clauses) if clauses else "", tuple(args))


def _clock(moment: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))
