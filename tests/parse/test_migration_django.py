"""Django migrations read from the AST, and AlterField judged against the field's history."""

from __future__ import annotations

import ast
import textwrap

from opsmith.parse.migration_django import alter_field_effects, parse_django
from opsmith.parse.migration_ops import FOREIGN_KEY, UNIQUE, Default, Kind, MigrationDoc


def read(operations: str, relpath: str = "shop/migrations/0002_x.py", extra: str = "") -> MigrationDoc:
    source = (
        "from django.db import migrations, models\n\n"
        "class Migration(migrations.Migration):\n"
        f"{textwrap.indent(textwrap.dedent(extra), '    ')}"
        "    operations = [\n"
        f"{textwrap.indent(textwrap.dedent(operations), '        ')}"
        "    ]\n"
    )
    return parse_django(ast.parse(source), relpath)


def test_tables_use_the_app_folder_and_db_table() -> None:
    doc = read(
        """
        migrations.CreateModel(name="Invoice", fields=[], options={"db_table": "billing_invoices"}),
        migrations.RemoveField(model_name="invoice", name="fax"),
        migrations.RemoveField(model_name="Order", name="fax"),
        """
    )
    assert [(op.kind, op.table) for op in doc.ops] == [
        (Kind.CREATE_TABLE, "billing_invoices"),
        (Kind.DROP_COLUMN, "billing_invoices"),
        (Kind.DROP_COLUMN, "shop_order"),
    ]
    assert doc.django_app == "shop/migrations"


def test_add_field_columns_indexes_and_constraints() -> None:
    doc = read(
        """
        migrations.AddField("order", "customer", models.ForeignKey(on_delete=models.CASCADE, to="shop.c")),
        migrations.AddField(
            model_name="order", name="buyer",
            field=models.ForeignKey(
                db_column="buyer_ref", db_constraint=False, db_index=False, on_delete=1, to="x"
            ),
        ),
        migrations.AddField("order", "code", models.CharField(max_length=9, unique=True)),
        migrations.AddField(model_name="order", name="tags", field=models.ManyToManyField(to="shop.tag")),
        migrations.AddField(model_name="order", name="n", field=models.IntegerField(default=0)),
        migrations.AddField(model_name="order", name="m", field=models.IntegerField(null=True)),
        """
    )
    assert [(op.kind, op.column, op.constraint_type) for op in doc.ops] == [
        (Kind.ADD_COLUMN, "customer_id", None),
        (Kind.ADD_CONSTRAINT, "customer_id", FOREIGN_KEY),
        (Kind.CREATE_INDEX, "customer_id", None),
        (Kind.ADD_COLUMN, "buyer_ref", None),
        (Kind.ADD_COLUMN, "code", None),
        (Kind.ADD_CONSTRAINT, "code", UNIQUE),
        (Kind.ADD_COLUMN, "n", None),
        (Kind.ADD_COLUMN, "m", None),
    ]
    columns = [op for op in doc.ops if op.kind is Kind.ADD_COLUMN]
    assert [(op.not_null, op.default) for op in columns] == [
        (True, Default.NONE),
        (True, Default.NONE),
        (True, Default.NONE),
        (True, Default.CONSTANT),
        (False, Default.NONE),
    ]


def test_add_field_without_default_fills_rows_with_djangos_effective_default() -> None:
    doc = read(
        """
        migrations.AddField("order", "note", models.CharField(blank=True, max_length=20)),
        migrations.AddField("order", "body", models.TextField(blank=True)),
        migrations.AddField("order", "slug", models.SlugField(blank=True)),
        migrations.AddField("order", "at", models.DateTimeField(auto_now_add=True)),
        migrations.AddField("order", "code", models.CharField(max_length=20)),
        migrations.AddField("order", "qty", models.IntegerField(blank=True)),
        migrations.AddField("order", "meta", models.JSONField(blank=True)),
        migrations.AddField("order", "key", models.UUIDField(blank=True)),
        migrations.AddField("order", "ref", fields.HashidField(blank=True)),
        migrations.AddField("order", "memo", models.CharField(blank=True, null=True, max_length=9)),
        """
    )
    # not filled: no blank=True, a field whose empty value is no string, a class Django does not
    # ship, and a nullable field (whose existing rows get NULL, as they may)
    assert {op.column for op in doc.ops if op.default is Default.CONSTANT} == {"note", "body", "slug", "at"}
    assert [op.column for op in doc.ops if not op.not_null] == ["memo"]


def test_run_sql_both_ways_and_irreversible_operations() -> None:
    doc = read(
        """
        migrations.RunSQL(
            ["ALTER TABLE shop_order DROP COLUMN a", ("ALTER TABLE shop_order DROP COLUMN b", [])],
            reverse_sql="ALTER TABLE shop_order ADD COLUMN a int",
        ),
        migrations.RunSQL("UPDATE shop_order SET x = 1"),
        migrations.RunPython(lambda apps, editor: None),
        migrations.RunPython(lambda apps, editor: None, migrations.RunPython.noop),
        migrations.RunSQL("SELECT 1", reverse_sql=None),
        """
    )
    assert [(op.kind, op.column, op.down) for op in doc.ops] == [
        (Kind.DROP_COLUMN, "a", False),
        (Kind.DROP_COLUMN, "b", False),
        (Kind.ADD_COLUMN, "a", True),
    ]
    assert [n.line for n in doc.no_way_back] == [10, 11, 13]


def test_separate_database_and_state_runs_only_database_operations() -> None:
    doc = read(
        """
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveField(model_name="order", name="legacy")],
            database_operations=[migrations.RunSQL("SELECT 1", migrations.RunSQL.noop)],
        ),
        """
    )
    assert doc.ops == [] and [op.kind for op in doc.state_only] == [Kind.DROP_COLUMN]


def test_atomic_false_runs_outside_a_transaction() -> None:
    doc = read(
        "AddIndexConcurrently(model_name='order', index=models.Index(fields=['x'], name='ix')),\n",
        extra="atomic = False\n",
    )
    assert [(op.kind, op.concurrently, op.tx) for op in doc.ops] == [(Kind.CREATE_INDEX, True, None)]


def _history(*migrations: str) -> dict[tuple[str, int], list[tuple[Kind, str]]]:
    docs = [(f"shop/migrations/{n:04d}_x.py", read(ops)) for n, ops in enumerate(migrations, 1)]
    effects = alter_field_effects(docs)
    return {key: [(op.kind, op.what.split(" (")[-1]) for op in ops] for key, ops in effects.items()}


def test_alter_field_is_judged_against_the_earlier_definition() -> None:
    first = """
        migrations.CreateModel(name="Order", fields=[
            ("code", models.CharField(max_length=20)),
            ("note", models.CharField(max_length=20, null=True)),
            ("qty", models.IntegerField()),
            ("price", models.DecimalField(max_digits=8, decimal_places=2)),
        ]),
    """
    second = """
        migrations.AlterField(model_name="order", name="code", field=models.CharField(max_length=40)),
        migrations.AlterField(model_name="order", name="note", field=models.TextField()),
        migrations.AlterField(model_name="order", name="qty", field=models.BigIntegerField()),
        migrations.AlterField(
            model_name="order", name="price", field=models.DecimalField(max_digits=10, decimal_places=3)
        ),
        migrations.AlterField(model_name="order", name="unknown", field=models.IntegerField()),
    """
    third = """
        migrations.AlterField(model_name="order", name="code", field=models.CharField(max_length=10)),
    """
    effects = _history(first, second, third)
    assert effects == {
        ("shop/migrations/0002_x.py", 7): [(Kind.SET_NOT_NULL, "null=True -> null=False)")],
        ("shop/migrations/0002_x.py", 8): [(Kind.ALTER_TYPE, "integer -> bigint)")],
        ("shop/migrations/0002_x.py", 9): [(Kind.ALTER_TYPE, "numeric(8, 2) -> numeric(10, 3))")],
        ("shop/migrations/0003_x.py", 6): [(Kind.ALTER_TYPE, "varchar(40) -> varchar(10))")],
    }


def test_history_follows_renames_and_forgets_removed_fields() -> None:
    effects = _history(
        """
        migrations.CreateModel(name="Order", fields=[("qty", models.IntegerField(null=True))]),
        migrations.AddField(model_name="order", name="gone", field=models.IntegerField(null=True)),
        """,
        """
        migrations.RenameField(model_name="order", old_name="qty", new_name="quantity"),
        migrations.RemoveField(model_name="order", name="gone"),
        migrations.RenameModel(old_name="Order", new_name="Purchase"),
        """,
        """
        migrations.AlterField(model_name="purchase", name="quantity", field=models.IntegerField()),
        migrations.AlterField(model_name="purchase", name="gone", field=models.IntegerField()),
        """,
    )
    assert list(effects) == [("shop/migrations/0003_x.py", 6)]
