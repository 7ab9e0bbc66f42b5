"""Merge the six migrations written in parallel from 0009 into one line again

Bulk-insert history (0010a), uncompressed tile cache (0010b), traffic congestion
(0010d), school zones (0010e), flood hazard zones (0010f) and shared rate limits
(0010g) touch different tables, so their order between 0009 and here is free.

Revision ID: 0011
Revises: 0010a, 0010b, 0010d, 0010e, 0010f, 0010g
Create Date: 2026-11-30 07:20:00
"""

revision = '0011'
down_revision = ('0010a', '0010b', '0010d', '0010e', '0010f', '0010g')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
