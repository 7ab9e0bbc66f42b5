"""Device diagnostics (issue 21): per-device polling settings and communication counters

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 14:30:00

Every device layer gets `poll_timeout_s` and `poll_retries` beside `poll_interval_s`
(empty: the model's declared default, devices/registermaps `polling:`). The poller
keeps communication counters per device and adds them to `devices.device_comm` every
few seconds (one row per device, incremented; never one write per poll). Offline
history and availability are derived from `devices.status_events`, so they need no table.
"""
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

DEVICE_LAYERS = ("street_lights", "atcs_intersections", "cctv", "attendance_machines")


def upgrade() -> None:
    for table in DEVICE_LAYERS:
        op.execute(f"ALTER TABLE layers.{table} ADD COLUMN IF NOT EXISTS poll_timeout_s double precision")
        op.execute(f"ALTER TABLE layers.{table} ADD COLUMN IF NOT EXISTS poll_retries integer")
    op.execute("""
CREATE TABLE devices.device_comm (
    device_id text PRIMARY KEY,
    requests bigint NOT NULL DEFAULT 0,
    ok bigint NOT NULL DEFAULT 0,
    timeouts bigint NOT NULL DEFAULT 0,
    garbled bigint NOT NULL DEFAULT 0,
    connection bigint NOT NULL DEFAULT 0,
    other bigint NOT NULL DEFAULT 0,
    exceptions jsonb NOT NULL DEFAULT '{}',
    last_rtt_ms double precision,
    last_request_at timestamptz,
    since timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
)""")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS devices.device_comm")
    for table in DEVICE_LAYERS:
        op.execute(f"ALTER TABLE layers.{table} DROP COLUMN IF EXISTS poll_retries")
        op.execute(f"ALTER TABLE layers.{table} DROP COLUMN IF EXISTS poll_timeout_s")
