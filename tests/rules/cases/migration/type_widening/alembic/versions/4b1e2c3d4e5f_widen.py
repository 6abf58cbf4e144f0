"""widen the slug"""

import sqlalchemy as sa
from alembic import op

revision = "4b1e2c3d4e5f"
down_revision = None


def upgrade() -> None:
    op.alter_column("pages", "slug", existing_type=sa.String(length=50), type_=sa.String(length=200))
    op.alter_column("pages", "rank", existing_type=sa.Integer(), type_=sa.String(length=20))


def downgrade() -> None:
    op.alter_column("pages", "rank", existing_type=sa.String(length=20), type_=sa.Integer())
    op.alter_column("pages", "slug", existing_type=sa.String(length=200), type_=sa.String(length=50))
