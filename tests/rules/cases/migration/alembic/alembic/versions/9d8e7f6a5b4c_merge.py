"""merge heads

Revision ID: 9d8e7f6a5b4c
Revises: 3f2a9c1d7b10, 5e4d3c2b1a00
"""

revision = "9d8e7f6a5b4c"
down_revision = ("3f2a9c1d7b10", "5e4d3c2b1a00")


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
