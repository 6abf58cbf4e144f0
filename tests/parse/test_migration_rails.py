"""Rails migrations read line by line: calls, options, blocks, directions, reversibility."""

from __future__ import annotations

import textwrap

import pytest

from opsmith.parse.migration_ops import FOREIGN_KEY, Default, Kind, MigrationDoc
from opsmith.parse.migration_rails import options, parse_rails, split_args, value


def read(body: str, header: str = "") -> MigrationDoc:
    text = f"class X < ActiveRecord::Migration[7.1]\n{header}" + textwrap.dedent(body).lstrip("\n") + "end\n"
    return parse_rails(text)


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        (":users", "users"),
        ('"users"', "users"),
        ("'a b'", "a b"),
        ("true", True),
        ("nil", None),
        ("{ algorithm: :concurrently, unique: true }", {"algorithm": "concurrently", "unique": True}),
        ("-> { 'now()' }", "-> { 'now()' }"),
        ("table_name", "table_name"),
    ],
)
def test_ruby_literals(token: str, expected: object) -> None:
    assert value(token) == expected


def test_arguments_and_options() -> None:
    args = split_args(
        ':orders, :total, :decimal, precision: 10, "scale" => 2, default: "a, b", index: { x: 1 }'
    )
    assert options(args) == (
        ["orders", "total", "decimal"],
        {"precision": "10", "scale": "2", "default": "a, b", "index": {"x": "1"}},
    )


def test_change_method_calls_with_continuations_and_comments() -> None:
    doc = read(
        """
        def change
          add_column :orders, :note, :text # why: support asks for it
          add_column(:orders, :currency, :string,
                     null: false, default: "EUR")
          add_index :orders, [:shop_id, :placed_at],
            algorithm: :concurrently, name: "idx_orders_shop_placed"
          add_column :orders, :ref, :uuid, default: -> { "gen_random_uuid()" }
        end
        """
    )
    assert [(op.kind, op.line) for op in doc.ops] == [
        (Kind.ADD_COLUMN, 3),
        (Kind.ADD_COLUMN, 4),
        (Kind.CREATE_INDEX, 6),
        (Kind.ADD_COLUMN, 8),
    ]
    assert (doc.ops[1].not_null, doc.ops[1].default) == (True, Default.CONSTANT)
    assert doc.ops[2].concurrently and doc.ops[2].constraint == "idx_orders_shop_placed"
    assert doc.ops[3].default is Default.VOLATILE


def test_blocks_tables_and_directions() -> None:
    doc = read(
        """
        def change
          create_table :refunds do |t|
            t.string :reason, null: false
          end
          change_table :orders do |o|
            o.remove :fax, type: :string
            o.rename :phone, :phone_number
            o.integer :qty, null: false
            o.references :shop, foreign_key: true
          end
          reversible do |dir|
            dir.up { execute "ALTER TABLE orders ALTER COLUMN qty SET NOT NULL" }
            dir.down do
              execute <<~SQL
                ALTER TABLE orders ALTER COLUMN qty DROP NOT NULL;
                DROP TABLE refunds_backup;
              SQL
            end
          end
        end
        """
    )
    summary = [(op.kind, op.table, op.column, op.down) for op in doc.ops if op.kind is not Kind.OTHER]
    assert summary == [
        (Kind.CREATE_TABLE, "refunds", None, False),
        (Kind.ADD_COLUMN, "refunds", "reason", False),  # the new table's column, for its type
        (Kind.DROP_COLUMN, "orders", "fax", False),
        (Kind.RENAME_COLUMN, "orders", "phone", False),
        (Kind.ADD_COLUMN, "orders", "qty", False),
        (Kind.ADD_COLUMN, "orders", "shop_id", False),
        (Kind.CREATE_INDEX, "orders", "shop_id", False),
        (Kind.ADD_CONSTRAINT, "orders", "shop_id", False),
        (Kind.SET_NOT_NULL, "orders", "qty", False),
        (Kind.DROP_TABLE, "refunds_backup", None, True),
    ]
    assert doc.ops[-1].line == 17  # the heredoc line, not the `execute` line
    assert doc.no_way_back == []


def test_disable_ddl_transaction_and_foreign_key_validation() -> None:
    doc = read(
        """
        def change
          add_foreign_key :orders, :users, validate: false
          validate_foreign_key :orders, :users
          add_reference :orders, :shop, foreign_key: { validate: false }, index: false
        end
        """,
        header="  disable_ddl_transaction!\n",
    )
    assert all(op.tx is None for op in doc.ops)
    fks = [op for op in doc.ops if op.constraint_type == FOREIGN_KEY]
    assert [op.not_valid for op in fks] == [True, True]
    assert doc.ops[1].kind is Kind.VALIDATE_CONSTRAINT and doc.ops[1].constraint == fks[0].constraint


def test_irreversible_calls_in_change() -> None:
    doc = read(
        """
        def change
          remove_column :orders, :fax
          remove_column :orders, :phone, :string
          change_column :orders, :qty, :bigint
          execute "UPDATE orders SET qty = 0"
          drop_table :carts
          drop_table :wishlists do |t|
            t.string :name
          end
          change_column_default :orders, :status, "new"
          change_column_default :orders, :state, from: nil, to: "new"
        end
        """
    )
    assert [n.line for n in doc.no_way_back] == [3, 5, 6, 7, 11]


def test_up_without_down_and_a_deliberately_irreversible_down() -> None:
    without = read("def up\n  remove_column :orders, :fax, :string\nend\n")
    assert [n.line for n in without.no_way_back] == [2]
    raising = read(
        "def up\n  drop_table :carts\nend\n\ndef down\n  raise ActiveRecord::IrreversibleMigration\nend\n"
    )
    assert raising.no_way_back == []  # the author's explicit statement, not a missing way back
    data_only = read('def up\n  execute "UPDATE orders SET x = 1"\nend\n')
    assert data_only.no_way_back == []


def test_hash_inside_strings_is_not_a_comment() -> None:
    doc = read('def change\n  add_column :orders, :tag, :string, default: "#1 #{x}", null: false\nend\n')
    assert doc.ops[0].default is Default.CONSTANT and doc.ops[0].not_null


def test_text_outside_migration_methods_is_ignored() -> None:
    doc = read("def helper\n  remove_column :orders, :fax\nend\n\nTABLES = %i[a b]\n")
    assert doc.ops == [] and doc.no_way_back == []


def test_column_types_keep_their_limit_and_new_tables_their_columns() -> None:
    doc = read(
        """
        def change
          create_table :posts do |t|
            t.string :title, limit: 40
            t.integer :views
            t.timestamps
          end
          change_column :posts, :title, :string, limit: 100
          add_column :posts, :slug, :string, limit: 80
        end
        """
    )
    assert [(op.kind, op.column, op.type_name) for op in doc.ops if op.kind is not Kind.OTHER] == [
        (Kind.CREATE_TABLE, None, None),
        (Kind.ADD_COLUMN, "title", "string(40)"),
        (Kind.ADD_COLUMN, "views", "integer"),
        (Kind.ALTER_TYPE, "title", "string(100)"),
        (Kind.ADD_COLUMN, "slug", "string(80)"),
    ]
