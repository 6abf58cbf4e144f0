"""MG findings on a table an earlier migration created days before: info, with the reason; on an
older table (or one whose age the history does not show), the rule's own severity."""

from __future__ import annotations

from pathlib import Path

from helpers import audit_tree, write_tree
from opsmith.config import Config
from opsmith.findings import Finding

MG = Config(select=("MG",), fail_on=None)


def rails(*body: str, header: str = "") -> str:
    lines = "\n".join(f"    {line}" for line in body)
    return f"class M < ActiveRecord::Migration[7.1]\n{header}  def change\n{lines}\n  end\nend\n"


def alembic(created: str | None, *upgrade: str) -> str:
    date = f"Create Date: {created}\n" if created else ""
    body = "\n".join(f"    {line}" for line in upgrade)
    head = f'"""x\n\n{date}"""\nfrom alembic import op\n\n'
    return f"{head}def upgrade():\n{body}\n\ndef downgrade():\n    op.f()\n"


def findings(root: Path) -> dict[tuple[str, str, int | None], Finding]:
    found = audit_tree(root, MG).findings
    return {(f.rule, f.path.rsplit("/", 1)[-1], f.line): f for f in found if f.rule != "MG009"}


def severities(root: Path) -> dict[tuple[str, str, int | None], str]:
    return {key: f.severity.label for key, f in findings(root).items()}


def test_a_table_created_days_earlier_is_reported_as_info_with_the_reason(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "db/migrate/20250612090000_create_api_keys.rb": rails("create_table :api_keys do |t|", "end"),
            "db/migrate/20250613180000_add_display_key.rb": rails(
                "add_column :api_keys, :display_key, :string, null: false",
                "add_index :api_keys, :display_key",
            ),
            "db/migrate/20250619080000_drop_api_keys_name.rb": rails(
                "remove_column :api_keys, :name, :string"
            ),
            # eight days on, the table may have rows and readers
            "db/migrate/20250620090000_retype_api_keys.rb": rails("change_column :api_keys, :name, :text"),
            # another folder is another database: its history says nothing about this one
            "db/animals_migrate/20250613180000_index.rb": rails("add_index :api_keys, :source"),
        },
    )
    got = findings(tmp_path)
    assert {key: f.severity.label for key, f in got.items()} == {
        ("MG003", "20250613180000_add_display_key.rb", 3): "info",
        ("MG005", "20250613180000_add_display_key.rb", 4): "info",
        ("MG001", "20250619080000_drop_api_keys_name.rb", 3): "info",
        ("MG004", "20250620090000_retype_api_keys.rb", 3): "error",
        ("MG005", "20250613180000_index.rb", 3): "warning",
    }
    message = got[("MG003", "20250613180000_add_display_key.rb", 3)].message
    assert "`api_keys` was created 1 day earlier by 20250612090000_create_api_keys.rb" in message
    assert (
        "`api_keys` was created 6 days earlier"
        in got[("MG001", "20250619080000_drop_api_keys_name.rb", 3)].message
    )
    assert "was created" not in got[("MG004", "20250620090000_retype_api_keys.rb", 3)].message


def test_a_column_added_days_earlier_may_be_dropped_quietly(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "db/migrate/20250130190000_add_token.rb": rails("add_column :users, :token, :string"),
            "db/migrate/20250130210000_drop_token.rb": rails(
                "remove_column :users, :token, :string",
                "remove_column :users, :fax, :string",
                "add_index :users, :email",
            ),
        },
    )
    got = findings(tmp_path)
    assert {key: f.severity.label for key, f in got.items()} == {
        ("MG001", "20250130210000_drop_token.rb", 3): "info",
        # users itself is older than the history: its other columns and its locks keep their weight
        ("MG001", "20250130210000_drop_token.rb", 4): "error",
        ("MG005", "20250130210000_drop_token.rb", 5): "warning",
    }
    assert (
        "`users.token` was added 2 hours earlier" in got[("MG001", "20250130210000_drop_token.rb", 3)].message
    )


def test_only_a_creation_the_dated_history_shows_makes_a_table_new(tmp_path: Path) -> None:
    index = 'op.create_index("ix", "{}", ["x"])'
    write_tree(
        tmp_path,
        {
            "alembic/versions/a_create.py": alembic(
                "2025-01-01 10:00:00.1",
                'op.create_table("legacy")',
                'op.create_table("fresh")',
            ),
            # renamed two months later: `orders` is the old table under a new name
            "alembic/versions/b_rename.py": alembic(
                "2025-03-01 10:00:00.1", 'op.rename_table("legacy", "orders")'
            ),
            "alembic/versions/c_carts.py": alembic(None, 'op.create_table("carts")'),
            "alembic/versions/d_index.py": alembic(
                "2025-03-02 10:00:00.1", index.format("orders"), index.format("carts"), index.format("fresh")
            ),
            "alembic/versions/e_new.py": alembic("2025-03-05 10:00:00.1", 'op.create_table("items")'),
            "alembic/versions/f_index.py": alembic("2025-03-06 09:00:00.1", index.format("items")),
        },
    )
    assert severities(tmp_path) == {
        ("MG002", "b_rename.py", 8): "error",
        ("MG005", "d_index.py", 8): "warning",
        ("MG005", "d_index.py", 9): "warning",
        ("MG005", "d_index.py", 10): "warning",
        ("MG005", "f_index.py", 8): "info",
    }


def test_a_concurrent_index_in_a_transaction_fails_however_new_the_table(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "db/migrate/20250612090000_create_devices.rb": rails("create_table :devices do |t|", "end"),
            "db/migrate/20250612100000_index_devices.rb": rails(
                "add_index :devices, :token, algorithm: :concurrently"
            ),
        },
    )
    assert severities(tmp_path) == {("MG012", "20250612100000_index_devices.rb", 3): "warning"}


def test_django_fills_a_blank_string_field_but_not_a_required_one(tmp_path: Path) -> None:
    def add(field: str) -> str:
        return (
            "from django.db import migrations, models\n\n"
            "class Migration(migrations.Migration):\n"
            f"    operations = [migrations.AddField(model_name='check', name='x', field={field})]\n"
        )

    write_tree(
        tmp_path,
        {
            "hc/api/migrations/0002_subject.py": add("models.CharField(blank=True, max_length=100)"),
            "hc/api/migrations/0003_name.py": add("models.CharField(max_length=100)"),
            "hc/api/migrations/0004_count.py": add("models.IntegerField(blank=True)"),
        },
    )
    assert severities(tmp_path) == {
        ("MG003", "0003_name.py", 4): "error",
        ("MG003", "0004_count.py", 4): "error",
    }


def test_a_table_rebuilt_with_its_rows_is_not_new(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "migrations/20240101000000_create.sql": "CREATE TABLE t (x int);\n",
            "migrations/20250301000000_rebuild.sql": (
                "ALTER TABLE t RENAME TO t_old;\nCREATE TABLE t (x bigint);\n"
                "INSERT INTO t SELECT * FROM t_old;\nDROP TABLE t_old;\n"
            ),
            "migrations/20250302000000_index.sql": "CREATE INDEX ix ON t (x);\n",
            "migrations/20250302000000_new.sql": "CREATE TABLE u (x int);\n",
            "migrations/20250303000000_index_u.sql": "CREATE INDEX iu ON u (x);\n",
        },
    )
    assert severities(tmp_path) == {
        ("MG005", "20250302000000_index.sql", 1): "warning",
        ("MG005", "20250303000000_index_u.sql", 1): "info",
    }
