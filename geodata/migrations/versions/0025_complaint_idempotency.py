"""A complaint sent twice is filed once: the idempotency keys of citizens' submissions (issue 20 item 11)

The installable /lapor keeps a report written offline on the phone and sends it when the
connection returns; a weak connection may deliver a POST whose answer is lost, so the
same report can arrive again. Each submission carries a random key chosen on the phone;
the key is recorded in the transaction that files the report, and a second arrival of the
key answers with the report already filed (services/complaints/intake.submit).

Revision ID: 0025_complaint_idempotency
Revises: 0025_umkm
Create Date: 2026-12-07 22:20:00
"""
from alembic import op

revision = '0025_complaint_idempotency'
down_revision = '0025_umkm'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS complaints")
    op.execute("""
        CREATE TABLE complaints.submission_keys (
            idempotency_key text PRIMARY KEY CHECK (idempotency_key ~ '^[A-Za-z0-9_-]{16,64}$'),
            service_request_id text NOT NULL,
            at timestamptz NOT NULL DEFAULT now()
        )""")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS complaints.submission_keys")
