"""SQL that pglast cannot read is left alone inside Python"""
from alembic import op


def upgrade() -> None:
    op.execute("ALTER TABLE {table} ADD COLUMN x int")
    op.execute("SHOW ENGINE INNODB STATUS")


def downgrade() -> None:
    op.execute("ALTER TABLE {table} DROP COLUMN x")
