"""broken revision"""
from alembic import op


def upgrade() -> None:
    op.drop_column("orders", "legacy"
    op.drop_table("x")


def downgrade() -> None:
    pass
