"""History of bulk inserts without a JSON document per row

Revision ID: 0010a
Revises: 0009
Create Date: 2026-11-30 06:10:00

A statement inserting more than layers.schema.HISTORY_BULK_INSERT_ROWS rows
records each row's event with `new` = NULL; layers.features rebuilds that
first state from the row's next event (its `old`) or from the live row. Same
table, same triggers; only the function body changes.
"""
from alembic import op

from layers.schema import history_function_sql

revision = '0010a'
down_revision = '0009'
branch_labels = None
depends_on = None

# No statement reaches this many rows, so every insert records `new` again (0009's behaviour).
NEVER = 2**62


def upgrade() -> None:
    op.execute(history_function_sql())


def downgrade() -> None:
    op.execute(history_function_sql(NEVER))
