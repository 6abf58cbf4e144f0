"""validate the shop foreign key

Revision ID: b2c3d4e5f6a7
Revises: a1b2c3d4e5f6
"""

from alembic import op

revision = "b2c3d4e5f6a7"
down_revision = "a1b2c3d4e5f6"


def upgrade() -> None:
    op.execute("ALTER TABLE orders VALIDATE CONSTRAINT orders_shop_fk")


def downgrade() -> None:
    pass  # validation leaves nothing to undo
