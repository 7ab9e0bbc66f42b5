"""Notification outbox (issue 18, room "notifications"; issue 21's alarm notifications use it)

Revision ID: 0020_notify
Revises: 0020
Create Date: 2026-12-07 16:10:00

`notify.outbox`: one row per message to send (e-mail, SMS, WhatsApp), written in the
transaction of whatever caused it (the outbox pattern), so a message exists if and only
if its cause committed. A `dedupe_key` makes a second enqueue of the same message a no-op.
The worker (services/engine/notify/worker.py) claims due rows, sends them, and marks them
sent, due again after a back-off, or dead after the last attempt; `notify.attempts`
keeps every attempt with its outcome and reason. `notify.recorded_messages` is the
built-in SMS/WhatsApp provider's mailbox (no real gateway).
"""
from alembic import op

revision = '0020_notify'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS notify")
    op.execute("""CREATE TABLE notify.outbox (
        id bigserial PRIMARY KEY,
        channel text NOT NULL CHECK (channel IN ('email', 'sms', 'whatsapp')),
        recipient text NOT NULL,
        subject text NOT NULL DEFAULT '',
        body text NOT NULL,
        dedupe_key text UNIQUE,
        origin text NOT NULL DEFAULT '',
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
        attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error text,
        provider_ref text,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        dead_at timestamptz,
        CHECK ((status = 'sent') = (sent_at IS NOT NULL)),
        CHECK ((status = 'dead') = (dead_at IS NOT NULL AND last_error IS NOT NULL))
    )""")
    # The worker's one question: what is due now.
    op.execute("CREATE INDEX ix_outbox_due ON notify.outbox (next_attempt_at) WHERE status = 'pending'")
    op.execute("CREATE INDEX ix_outbox_origin ON notify.outbox (origin)")
    op.execute("""CREATE TABLE notify.attempts (
        id bigserial PRIMARY KEY,
        outbox_id bigint NOT NULL REFERENCES notify.outbox(id) ON DELETE CASCADE,
        attempt integer NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        outcome text NOT NULL CHECK (outcome IN ('sent', 'retry', 'dead')),
        detail text NOT NULL DEFAULT ''
    )""")
    op.execute("CREATE INDEX ix_attempts_outbox ON notify.attempts (outbox_id)")
    op.execute("""CREATE TABLE notify.recorded_messages (
        id bigserial PRIMARY KEY,
        channel text NOT NULL,
        recipient text NOT NULL,
        body text NOT NULL,
        outbox_id bigint UNIQUE,  -- a resend after a crash records once, as a gateway keyed by client reference would
        recorded_at timestamptz NOT NULL DEFAULT now()
    )""")


def downgrade() -> None:
    op.execute("DROP SCHEMA IF EXISTS notify CASCADE")
