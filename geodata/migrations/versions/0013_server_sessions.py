"""Server-side sessions: a login session exists while its row does, so logout ends a captured cookie

The session cookie is signed, so it cannot be forged, but before this a cookie
captured before /logout kept working until it expired (12 hours). Each login
now records a random session id (its SHA-256 here, the secret only in the
signed cookie); logout, a password change, a role or agency change and
deactivation end rows, and a cookie whose row is ended or missing is anonymous.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 13:25:00
"""
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        CREATE TABLE auth.sessions (
            sid_sha256 text PRIMARY KEY,
            user_id bigint NOT NULL REFERENCES auth.users(id) ON DELETE CASCADE,
            created_at timestamptz NOT NULL DEFAULT now(),
            ended_at timestamptz,
            ended_because text
        )""")
    op.execute("CREATE INDEX ix_sessions_live_user ON auth.sessions (user_id) WHERE ended_at IS NULL")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS auth.sessions")
