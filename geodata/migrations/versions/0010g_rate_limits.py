"""Rate-limit counters shared by every gunicorn worker (webgis/ratelimit.py)

Flask-Limiter keeps its counters per process unless it has a shared store;
with N workers a login limit of 20/minute would really be 20*N. There is no
Redis here, so the counters live in PostgreSQL. UNLOGGED: they are worth
nothing after a crash (a restart forgetting a minute's counts is harmless)
and skipping the WAL keeps each counted request cheap.

Revision ID: 0010g
Revises: 0009
Create Date: 2026-11-30 06:10:00
"""
from alembic import op

revision = '0010g'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute('CREATE SCHEMA IF NOT EXISTS auth')
    op.execute("""
        CREATE UNLOGGED TABLE auth.rate_limits (
            key text PRIMARY KEY,
            count bigint NOT NULL,
            expires_at timestamptz NOT NULL
        )""")
    # Pruning deletes by expiry; without this it would scan every counter.
    op.execute('CREATE INDEX ix_rate_limits_expires_at ON auth.rate_limits (expires_at)')


def downgrade() -> None:
    op.execute('DROP TABLE auth.rate_limits')
