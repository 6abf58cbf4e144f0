"""batch operations on an existing table

Revision ID: 1c0e5b7a2d44
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "1c0e5b7a2d44"
down_revision = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch_op:
        batch_op.drop_column("nickname")
        batch_op.alter_column("email", nullable=False)
        batch_op.create_foreign_key("customers_team_fk", "teams", ["team_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch_op:
        batch_op.drop_constraint("customers_team_fk", type_="foreignkey")
        batch_op.alter_column("email", nullable=True)
        batch_op.add_column(sa.Column("nickname", sa.Text()))
    op.drop_table("customers_archive")
