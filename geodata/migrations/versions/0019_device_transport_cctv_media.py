"""Device transports and CCTV media (issue 21): modbus_transport on the device layers, snapshot and stream addresses of cameras

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 14:30:00

`modbus_transport` says how the poller frames requests to a device: Modbus TCP (`tcp`,
also when empty) or Modbus RTU through a serial-to-Ethernet converter in transparent mode
(`rtu_over_tcp`). The cctv layer gains each camera's `snapshot_url` and `stream_url`
(private to operators; the declarations allow only addresses in the device networks).
`devices.gateway_links`: where a running poller lends its one connection to a gateway
that allows only one (devices/gatewaylink.py), so commands go out on it.
The history tables keep whole rows as JSON, so they need no change.
"""
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

DEVICE_LAYERS = ("atcs_intersections", "attendance_machines", "cctv", "street_lights")


def upgrade() -> None:
    for layer in DEVICE_LAYERS:
        op.execute(f"ALTER TABLE layers.{layer} ADD COLUMN IF NOT EXISTS modbus_transport text")
    op.execute("ALTER TABLE layers.cctv ADD COLUMN IF NOT EXISTS snapshot_url text")
    op.execute("ALTER TABLE layers.cctv ADD COLUMN IF NOT EXISTS stream_url text")
    op.execute("""CREATE TABLE IF NOT EXISTS devices.gateway_links (
        host text NOT NULL, port integer NOT NULL, link_host text NOT NULL, link_port integer NOT NULL,
        pid integer, updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (host, port))""")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS devices.gateway_links")
    op.execute("ALTER TABLE layers.cctv DROP COLUMN IF EXISTS stream_url")
    op.execute("ALTER TABLE layers.cctv DROP COLUMN IF EXISTS snapshot_url")
    for layer in DEVICE_LAYERS:
        op.execute(f"ALTER TABLE layers.{layer} DROP COLUMN IF EXISTS modbus_transport")
