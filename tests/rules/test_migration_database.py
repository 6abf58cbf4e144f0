"""Which database a migration folder's app runs on, read as a user's audit reads it."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import audit_tree, found, write_tree
from opsmith.config import Config

DJANGO_INDEX = """
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [migrations.AddIndex("order", models.Index(fields=["placed"], name="placed_idx"))]
"""
ALEMBIC_INDEX = """
from alembic import op

revision = "a1"
down_revision = None


def upgrade():
    op.create_index("ix_orders_placed", "orders", ["placed"])


def downgrade():
    op.drop_index("ix_orders_placed", table_name="orders")
"""


def _audit(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, str, int | None]]:
    write_tree(tmp_path, files)
    return found(audit_tree(tmp_path, Config(select=("MG005", "MG013"))))


@pytest.mark.parametrize(
    ("evidence", "says"),
    [
        ({"site/settings.py": 'DATABASES = {"default": {"ENGINE": "django.db.backends.mysql"}}'}, "MySQL"),
        ({"site/settings/base.py": 'ENGINE = "django.db.backends.sqlite3"'}, "SQLite"),
        ({"docker-compose.yml": "services:\n  db:\n    image: mariadb:11\n"}, "MySQL"),
        ({".env.example": "DATABASE_URL=mysql://app:secret@127.0.0.1/shop\n"}, "MySQL"),
    ],
)
def test_a_django_app_on_another_database_gets_one_note_and_no_lock_findings(
    tmp_path: Path, evidence: dict[str, str], says: str
) -> None:
    files = {"shop/migrations/0002_index.py": DJANGO_INDEX, **evidence}
    assert _audit(tmp_path, files) == [("MG013", "shop/migrations/0002_index.py", None)]
    message = audit_tree(tmp_path, Config(select=("MG013",))).findings[0].message
    assert says in message and next(iter(evidence)) in message


@pytest.mark.parametrize(
    "evidence",
    [
        {},  # nothing says: judged as PostgreSQL
        {"site/settings.py": 'ENGINES = ["django.db.backends.sqlite3", "django.db.backends.postgresql"]'},
        {"docker-compose.yml": "services:\n  db:\n    image: docker.io/library/postgres:16\n"},
    ],
)
def test_an_app_that_may_run_on_postgresql_is_judged(tmp_path: Path, evidence: dict[str, str]) -> None:
    files = {"shop/migrations/0002_index.py": DJANGO_INDEX, **evidence}
    assert _audit(tmp_path, files) == [("MG005", "shop/migrations/0002_index.py", 6)]


def test_the_nearest_evidence_speaks_for_a_folder(tmp_path: Path) -> None:
    files = {
        "docker-compose.yml": "services:\n  db:\n    image: postgres:16\n",
        "reports/alembic.ini": "[alembic]\nsqlalchemy.url = mysql+pymysql://app@127.0.0.1/reports\n",
        "reports/alembic/versions/a1_index.py": ALEMBIC_INDEX,
        "billing/alembic/versions/a1_index.py": ALEMBIC_INDEX,
    }
    assert _audit(tmp_path, files) == [
        ("MG005", "billing/alembic/versions/a1_index.py", 8),
        ("MG013", "reports/alembic/versions/a1_index.py", None),
    ]
