"""One support per person: who supported which report (services/complaints/workflow.support)

A supporter is an account (`user:<id>`) or the random id of an anonymous
citizen's signed session cookie (`anon:<id>`); a second support by the same
supporter changes nothing. The per-address rate limit stays.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 13:30:00
"""
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS complaints")
    op.execute("""
        CREATE TABLE complaints.supporters (
            service_request_id text NOT NULL,
            supporter text NOT NULL CHECK (length(supporter) BETWEEN 1 AND 100),
            at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (service_request_id, supporter)
        )""")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS complaints.supporters")
    op.execute("DROP SCHEMA IF EXISTS complaints")
