"""Search indexes for the homepage (trigram on declared search properties)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 03:30:00
"""
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
