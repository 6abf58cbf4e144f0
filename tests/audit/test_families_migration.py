"""Which paths hold migrations, for every tool the migration family reads (names only)."""

from __future__ import annotations

import pytest

from opsmith.audit.families import artifact_types, families_by_name


@pytest.mark.parametrize(
    "path",
    [
        "db/migrations/000001_init.up.sql",  # golang-migrate, sqlx
        "db/migrations/000001_init.down.sql",
        "migrations/2024-01-01-000000_create_tags/up.sql",  # diesel
        "migrations/2024-01-01-000000_create_tags/down.sql",
        "src/main/resources/db/migration/V2__orders.sql",  # Flyway
        "src/main/resources/db/migration/V2_1__orders.sql",
        "sql/U2__orders.sql",  # Flyway undo
        "sql/R__views.sql",  # Flyway repeatable
        "db/changelog/changes/001-orders.sql",  # Liquibase formatted SQL
        "migrations/00005_add_index.sql",  # goose
        "db/migrations/20240601120000_add_reason.sql",  # dbmate
        "prisma/migrations/20240101000000_init/migration.sql",
        "alembic/versions/3f2a9c1d7b10_order_changes.py",
        "app/migrations/versions/3f2a_add.py",  # Flask-Migrate
        "shop/migrations/0002_order_changes.py",  # Django
        "db/migrate/20240610090000_change_orders.rb",  # Rails
        "db/analytics_migrate/20240610090000_add_events.rb",  # Rails multi-database
    ],
)
def test_migrations_are_recognised_by_path(path: str) -> None:
    assert artifact_types(path) == {"migration"}
    assert families_by_name(path) == {"migration"}


@pytest.mark.parametrize(
    "path",
    [
        "shop/migrations/__init__.py",
        "alembic/env.py",
        "db/schema.rb",
        "db/seeds.rb",
        "db/structure.sql",
        "queries/monthly_report.sql",
        "app/models/order.rb",
        "docker-entrypoint-initdb.d/01_schema.sql",
        "db/seeds/001_products.sql",
    ],
)
def test_neighbours_of_migrations_are_not(path: str) -> None:
    assert "migration" not in artifact_types(path)
