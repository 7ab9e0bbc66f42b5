"""Device trust (issue 21): unconfirmed command outcomes, settled later by a re-read or the polls

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 13:00:00

A command whose write got no answer may still have been applied by the controller;
it is audited `unconfirmed` and settled (`ok` or `failed`) when a re-read or the
poller's readings show what the device holds; `settled_at` says when.
`device_state.fault_since` keeps since when a device's communication fault holds.
"""
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

RESULTS = "'ok', 'sent', 'rejected', 'failed', 'mismatch'"


def upgrade() -> None:
    op.execute("ALTER TABLE devices.commands DROP CONSTRAINT IF EXISTS commands_result_check")
    op.execute("ALTER TABLE devices.commands ADD CONSTRAINT commands_result_check "
               f"CHECK (result IN ({RESULTS}, 'unconfirmed'))")
    op.execute("ALTER TABLE devices.commands ADD COLUMN IF NOT EXISTS settled_at timestamptz")
    # Since when the device's current fault (devices.rules FAULTS) holds: fault alarms'
    # timers survive a poller restart like the offline timer (status_since).
    op.execute("ALTER TABLE devices.device_state ADD COLUMN IF NOT EXISTS fault_since timestamptz")
    op.execute("CREATE INDEX IF NOT EXISTS ix_commands_unconfirmed ON devices.commands (device_id) "
               "WHERE result = 'unconfirmed'")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS devices.ix_commands_unconfirmed")
    op.execute("ALTER TABLE devices.device_state DROP COLUMN IF EXISTS fault_since")
    op.execute("ALTER TABLE devices.commands DROP COLUMN IF EXISTS settled_at")
    op.execute("UPDATE devices.commands SET result = 'failed' WHERE result = 'unconfirmed'")
    op.execute("ALTER TABLE devices.commands DROP CONSTRAINT IF EXISTS commands_result_check")
    op.execute(f"ALTER TABLE devices.commands ADD CONSTRAINT commands_result_check CHECK (result IN ({RESULTS}))")
