"""Backups of the databases the single server runs in containers (the hobby tier): a daily dump
with each engine's own tool, uploaded to a bucket Terraform creates (modules/backups: versioned,
encrypted, expiring, writable by the server's identity only), and the restore runbook.

The first-boot part (templates/terraform/user-data/db-backup.sh.j2) installs `db-backup` and
its timer; terraform.py renders it into the server's user-data beside server_setup's part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from opsmith.design.model import Design
from opsmith.generate.artifact import Artifact
from opsmith.generate.compose import backing_images
from opsmith.generate.server_setup import deploy_path
from opsmith.generate.templating import render_template

RUNBOOK = "docs/runbooks/database-restore.md"
BACKUP_TIME = "03:00"  # UTC; the timer spreads the start over 15 minutes
RETENTION_DAYS = 30
# A client's password goes to the tool through its environment or a file inside the container,
# never its command line (which `ps` on the host would show).
_MONGO_AUTH = (
    'f=$(mktemp); printf "password: %s\\n" "$MONGO_INITDB_ROOT_PASSWORD" > "$f"; '
    '{tool} --config "$f" --username "$MONGO_INITDB_ROOT_USERNAME" --authenticationDatabase admin '
    '--archive --gzip{extra}; s=$?; rm -f "$f"; exit $s'
)


@dataclass(frozen=True)
class Engine:
    dump: str  # run by `sh -c` inside the database container; the dump goes to stdout
    restore: str  # the same, reading the dump on stdin
    extension: str


ENGINES: dict[str, Engine] = {
    "postgresql": Engine(
        'pg_dump -U "$POSTGRES_USER" -d "$POSTGRES_DB" --format=custom',
        'pg_restore -U "$POSTGRES_USER" -d "$POSTGRES_DB" --clean --if-exists --no-owner',
        "dump",
    ),
    "mysql": Engine(
        'MYSQL_PWD="$MYSQL_ROOT_PASSWORD" mysqldump -u root --single-transaction --routines --events '
        '--databases "$MYSQL_DATABASE"',
        'MYSQL_PWD="$MYSQL_ROOT_PASSWORD" mysql -u root',
        "sql",
    ),
    "mongodb": Engine(
        _MONGO_AUTH.format(tool="mongodump", extra=""),
        _MONGO_AUTH.format(tool="mongorestore", extra=" --drop"),
        "archive.gz",
    ),
}


@dataclass(frozen=True)
class Database:
    kind: str
    service: str  # its compose service
    engine: Engine


def databases(design: Design) -> list[Database]:
    """The design's databases that run as containers beside the app (nothing else backs them up)."""
    images = backing_images()
    return [
        Database(b.kind, images[b.kind]["service"], ENGINES[b.kind])
        for b in design.backing_services
        if b.kind in ENGINES and b.provider.effective == "container"
    ]


def user_data(design: Design, cloud: str) -> str:
    """The first-boot script's part that installs the backup; empty without a container database."""
    found = databases(design)
    if not found:
        return ""
    return render_template(
        "terraform/user-data/db-backup.sh.j2", cloud=cloud, databases=found, backup_time=BACKUP_TIME
    )


def runbook(design: Design, cloud: str, generator: str) -> list[Artifact]:
    found = databases(design)
    if not found:
        return []
    text = render_template(
        "runbooks/database-restore.md.j2",
        app=design.app,
        cloud=cloud,
        deploy_path=deploy_path(design),
        databases=found,
        backup_time=BACKUP_TIME,
        retention_days=RETENTION_DAYS,
    )
    return [Artifact(RUNBOOK, text, generator=generator, implements=("backups",))]


def account_name(app: str, env: str) -> str:
    """Azure's name for the backup storage account: 3-24 lowercase letters and digits."""
    short = {"staging": "stg", "production": "prod"}[env]
    head = re.sub(r"[^a-z0-9]", "", app.lower())[: 24 - len(short) - 6] or "app"
    return f"{head}{short}backup"
