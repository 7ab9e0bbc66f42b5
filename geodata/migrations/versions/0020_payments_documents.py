"""Payments and documents of the service engine (issue 18): bills, payments, callbacks, the sandbox gateway, issued documents

Revision ID: 0020_payments_documents
Revises: 0021_adaptive_signals
Create Date: 2026-12-07 16:05:00

Schema `payments` (services/engine/payments):
- `bills`: what the platform asks a payer to pay. `status` open | paid | expired | cancelled;
  a paid bill has its paid_at and the one payment that paid it (CHECKs below).
- `payments`: every payment the gateways reported, once per (provider, transaction_id).
  `disposition` applied (it paid its bill; at most one per bill, a partial unique index) or
  refund_due (money that arrived for a bill already paid by another transaction, or cancelled).
- `callbacks`: every callback received (accepted or refused), with the answer given, so a
  duplicate gets the same answer and an audit can replay what a gateway said.
- `sandbox_charges`, `sandbox_deliveries`: the built-in sandbox gateway's own side (what a real
  gateway keeps in its own database): its virtual accounts, settlements and callback deliveries.
- `keys`: per-database random secrets used when the settings name none.
Schema `documents` (services/engine/documents): `documents`, one row per issued document.
"""
from alembic import op

revision = '0020_payments_documents'
down_revision = '0021_adaptive_signals'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS payments")
    op.execute("""CREATE TABLE payments.keys (name text PRIMARY KEY, value text NOT NULL)""")
    op.execute("""CREATE TABLE payments.bills (
        number text PRIMARY KEY,
        provider text NOT NULL,
        service text NOT NULL,
        case_ref text NOT NULL,
        payer_ref text NOT NULL DEFAULT '',
        payer_name text NOT NULL DEFAULT '',
        amount bigint NOT NULL CHECK (amount > 0),
        description text NOT NULL,
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'paid', 'expired', 'cancelled')),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        paid_at timestamptz,
        paid_late boolean NOT NULL DEFAULT false,
        payment_id bigint,
        va_number text NOT NULL UNIQUE,
        qris_payload text NOT NULL,
        provider_ref text NOT NULL,
        receipt_code text,
        cancelled_reason text,
        CHECK ((status = 'paid') = (paid_at IS NOT NULL AND payment_id IS NOT NULL)),
        UNIQUE (provider, provider_ref))""")
    op.execute("CREATE INDEX bills_case ON payments.bills (service, case_ref)")
    op.execute("""CREATE TABLE payments.payments (
        id bigserial PRIMARY KEY,
        provider text NOT NULL,
        transaction_id text NOT NULL,
        bill_number text NOT NULL REFERENCES payments.bills (number),
        amount bigint NOT NULL,
        channel text NOT NULL DEFAULT '',
        settled_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        late boolean NOT NULL DEFAULT false,
        disposition text NOT NULL CHECK (disposition IN ('applied', 'refund_due')),
        note text NOT NULL DEFAULT '',
        UNIQUE (provider, transaction_id))""")
    op.execute("CREATE UNIQUE INDEX payments_one_per_bill ON payments.payments (bill_number) "
               "WHERE disposition = 'applied'")
    op.execute("CREATE INDEX payments_settled ON payments.payments (provider, settled_at)")
    op.execute("""ALTER TABLE payments.bills ADD CONSTRAINT bills_payment_fk
        FOREIGN KEY (payment_id) REFERENCES payments.payments (id) DEFERRABLE INITIALLY DEFERRED""")
    op.execute("""CREATE TABLE payments.callbacks (
        id bigserial PRIMARY KEY,
        provider text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        transaction_id text,
        bill_number text,
        outcome text NOT NULL,
        http_status integer NOT NULL,
        answer jsonb NOT NULL,
        body text NOT NULL)""")
    op.execute("CREATE INDEX callbacks_transaction ON payments.callbacks (provider, transaction_id)")
    op.execute("""CREATE TABLE payments.sandbox_charges (
        charge_id text PRIMARY KEY,
        order_id text NOT NULL UNIQUE,
        va_number text NOT NULL UNIQUE,
        qris_payload text NOT NULL,
        amount bigint NOT NULL,
        expires_at timestamptz NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'settlement', 'cancelled')),
        transaction_id text UNIQUE,
        paid_amount bigint,
        channel text,
        settled_at timestamptz)""")
    op.execute("""CREATE TABLE payments.sandbox_deliveries (
        id bigserial PRIMARY KEY,
        charge_id text NOT NULL REFERENCES payments.sandbox_charges (charge_id),
        body text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        attempts integer NOT NULL DEFAULT 0,
        delivered_at timestamptz,
        dead boolean NOT NULL DEFAULT false,
        last_status integer,
        last_error text)""")
    op.execute("CREATE INDEX sandbox_deliveries_due ON payments.sandbox_deliveries (next_attempt_at) "
               "WHERE delivered_at IS NULL AND NOT dead")

    op.execute("CREATE SCHEMA IF NOT EXISTS documents")
    op.execute("""CREATE TABLE documents.keys (name text PRIMARY KEY, value text NOT NULL)""")
    op.execute("""CREATE TABLE documents.documents (
        code text PRIMARY KEY,
        service text NOT NULL,
        case_ref text NOT NULL,
        kind text NOT NULL,
        title jsonb NOT NULL,
        holder_name text NOT NULL,
        holder_ref text NOT NULL,
        fields json NOT NULL DEFAULT '{}'::json,  -- json, not jsonb: the fields keep the order they are printed in
        public_fields text[] NOT NULL DEFAULT '{}',
        issued_at timestamptz NOT NULL DEFAULT now(),
        valid_until date,
        revoked_at timestamptz,
        revoked_by text,
        revoked_reason text,
        CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL)))""")
    op.execute("CREATE INDEX documents_case ON documents.documents (service, case_ref)")
    op.execute("CREATE INDEX documents_holder ON documents.documents (holder_ref)")


def downgrade() -> None:
    op.execute("DROP SCHEMA IF EXISTS documents CASCADE")
    op.execute("DROP SCHEMA IF EXISTS payments CASCADE")
