"""Record history without the per-row geometry->jsonb cast

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 04:50:00

Databases migrated before this revision run 0001's earlier record_history(),
whose to_jsonb(row) looked up spatial_ref_sys once per row. Same JSON, same
triggers; only the function body changes.
"""
from alembic import op

from layers.schema import HISTORY_FUNCTION_SQL

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(HISTORY_FUNCTION_SQL)


def downgrade() -> None:
    pass  # the earlier body recorded the same JSON, only slower: nothing to undo
