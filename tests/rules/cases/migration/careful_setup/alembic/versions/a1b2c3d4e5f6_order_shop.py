"""order shop

Revision ID: a1b2c3d4e5f6
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "a1b2c3d4e5f6"
down_revision = None


def upgrade() -> None:
    op.add_column("orders", sa.Column("shop_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        "orders_shop_fk", "orders", "shops", ["shop_id"], ["id"], postgresql_not_valid=True
    )
    with op.get_context().autocommit_block():
        op.create_index("ix_orders_shop_id", "orders", ["shop_id"], postgresql_concurrently=True)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index("ix_orders_shop_id", table_name="orders", postgresql_concurrently=True)
    op.drop_constraint("orders_shop_fk", "orders", type_="foreignkey")
    op.drop_column("orders", "shop_id")
