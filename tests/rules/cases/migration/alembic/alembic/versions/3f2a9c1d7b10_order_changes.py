"""order changes

Revision ID: 3f2a9c1d7b10
Revises: 1c0e5b7a2d44
"""

import sqlalchemy as sa
from alembic import op

revision = "3f2a9c1d7b10"
down_revision = "1c0e5b7a2d44"


def upgrade() -> None:
    op.drop_column("orders", "legacy_status")
    op.alter_column("orders", "amount", new_column_name="total_cents")
    op.alter_column("orders", "total_cents", type_=sa.BigInteger(), existing_type=sa.Integer())
    op.alter_column("orders", "customer_id", existing_type=sa.BigInteger(), nullable=False)
    op.add_column("orders", sa.Column("currency", sa.String(3), nullable=False))
    op.add_column(
        "orders",
        sa.Column("public_id", sa.Uuid(), server_default=sa.text("gen_random_uuid()")),
    )
    op.create_index(op.f("ix_orders_placed_at"), "orders", ["placed_at"])
    op.create_index("ix_orders_status", "orders", ["status"], postgresql_concurrently=True)
    op.create_foreign_key("orders_coupon_fk", "orders", "coupons", ["coupon_id"], ["id"])
    op.create_check_constraint("orders_total_positive", "orders", "total_cents >= 0")
    op.rename_table("order_notes", "order_comments")
    op.drop_table("order_audit_v1")
    op.execute("ALTER TABLE customers DROP COLUMN fax")

    # near misses
    op.add_column("orders", sa.Column("channel", sa.Text(), nullable=False, server_default="web"))
    op.add_column("orders", sa.Column("note", sa.Text(), nullable=True))
    op.create_table("refunds", sa.Column("id", sa.BigInteger(), primary_key=True))
    op.create_index("ix_refunds_id", "refunds", ["id"])
    op.create_foreign_key(
        "orders_shop_fk", "orders", "shops", ["shop_id"], ["id"], postgresql_not_valid=True
    )
    with op.get_context().autocommit_block():
        op.create_index("ix_orders_shop_id", "orders", ["shop_id"], postgresql_concurrently=True)
    with op.batch_alter_table("refunds") as batch_op:
        batch_op.add_column(sa.Column("reason", sa.Text(), nullable=False))


def downgrade() -> None:
    pass
