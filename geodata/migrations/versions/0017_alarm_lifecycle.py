"""Alarm lifecycle after ISA-18.2 (issue 21): shelving with reason and expiry, escalation

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 14:30:00

An alarm's condition (state open/acknowledged while active, cleared when it returned to
normal) and its acknowledgement (acknowledged_at) are already kept; an alarm that
returned to normal unacknowledged stays on the operator's list until acknowledged
(devices/alarmlife.py). New here: an operator may shelve an alarm (hide it from the
active list) for a stated reason until `shelved_until`, after which it unshelves by
itself; an alarm unacknowledged beyond its priority's declared time is marked
`escalated_at` and an `escalate` event is recorded (the seam a notification outbox reads).
"""
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

EVENTS = "'open', 'acknowledge', 'clear', 'report'"


def upgrade() -> None:
    for column in ("shelved_at timestamptz", "shelved_until timestamptz", "shelved_by text",
                   "shelve_reason text", "escalated_at timestamptz"):
        op.execute(f"ALTER TABLE devices.alarms ADD COLUMN IF NOT EXISTS {column}")
    # A shelf always has its expiry, its operator and its reason (ISA-18.2: shelving is
    # temporary, authorised and recorded).
    op.execute("ALTER TABLE devices.alarms ADD CONSTRAINT alarms_shelf_complete CHECK ("
               "(shelved_until IS NULL) = (shelved_by IS NULL) AND (shelved_until IS NULL) = (shelve_reason IS NULL) "
               "AND (shelved_until IS NULL) = (shelved_at IS NULL))")
    op.execute("ALTER TABLE devices.alarm_history DROP CONSTRAINT IF EXISTS alarm_history_event_check")
    op.execute("ALTER TABLE devices.alarm_history ADD CONSTRAINT alarm_history_event_check "
               f"CHECK (event IN ({EVENTS}, 'shelve', 'unshelve', 'escalate'))")
    # The sweep's two questions: which shelves expired, which alarms wait for an acknowledgement.
    op.execute("CREATE INDEX IF NOT EXISTS ix_alarms_shelved ON devices.alarms (shelved_until) "
               "WHERE shelved_until IS NOT NULL")
    op.execute("CREATE INDEX IF NOT EXISTS ix_alarms_unacknowledged ON devices.alarms (opened_at) "
               "WHERE acknowledged_at IS NULL")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS devices.ix_alarms_unacknowledged")
    op.execute("DROP INDEX IF EXISTS devices.ix_alarms_shelved")
    op.execute("DELETE FROM devices.alarm_history WHERE event IN ('shelve', 'unshelve', 'escalate')")
    op.execute("ALTER TABLE devices.alarm_history DROP CONSTRAINT IF EXISTS alarm_history_event_check")
    op.execute(f"ALTER TABLE devices.alarm_history ADD CONSTRAINT alarm_history_event_check CHECK (event IN ({EVENTS}))")
    op.execute("ALTER TABLE devices.alarms DROP CONSTRAINT IF EXISTS alarms_shelf_complete")
    for column in ("escalated_at", "shelve_reason", "shelved_by", "shelved_until", "shelved_at"):
        op.execute(f"ALTER TABLE devices.alarms DROP COLUMN IF EXISTS {column}")
