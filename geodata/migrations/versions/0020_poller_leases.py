"""Several pollers share the fleet (issue 22, item 5): poller heartbeats and one lease per gateway

Revision ID: 0020_poller_leases
Revises: 0020_core
Create Date: 2026-12-07 16:10:00

`devices.pollers`: each running poller of a group, renewing its heartbeat every second;
one whose heartbeat expired is gone (its share goes to the others). `devices.poller_leases`:
one row per gateway (host:port) with the poller holding it until `expires_at` (the
database's clock decides, so the pollers' clocks do not have to agree); a gateway is polled
only by its holder, so the devices behind it (a gateway allows one connection) stay with
one poller. `epoch` counts hand-overs (a fencing token, and what the tests watch).
"""
from alembic import op

revision = '0020_poller_leases'
down_revision = '0020_core'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""CREATE TABLE IF NOT EXISTS devices.pollers (
        poller_id text PRIMARY KEY,
        host text NOT NULL,
        pid integer NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        heartbeat_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        metrics_url text)""")
    op.execute("""CREATE TABLE IF NOT EXISTS devices.poller_leases (
        gateway text PRIMARY KEY,
        holder text,
        expires_at timestamptz NOT NULL DEFAULT '-infinity',
        acquired_at timestamptz,
        epoch bigint NOT NULL DEFAULT 0)""")
    op.execute("CREATE INDEX IF NOT EXISTS ix_poller_leases_holder ON devices.poller_leases (holder)")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS devices.poller_leases")
    op.execute("DROP TABLE IF EXISTS devices.pollers")
