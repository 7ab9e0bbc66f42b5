"""Search indexes for the homepage (trigram on declared search properties)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 03:30:00

A GIN trigram index on core.search_key(<property>) (lower-case, unaccented)
for every public layer's declared `search` property, generated from the
registry by layers.search. When a declaration's `search` list changes, a new
migration runs the same statements again (they are idempotent).
"""
from alembic import op

from layers.search import drop_statements, index_statements

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in index_statements():
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_statements():
        op.execute(statement)
