"""Search indexes for the homepage (trigram on declared search properties)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 03:30:00

A GIN trigram index on core.search_key(<property>) (lower-case, unaccented)
for every layer's declared `search` property as the declarations stood at
this revision. The list is frozen here, like any migration: a later layer
adds its own search indexes in the migration that creates it (use
layers.search.SEARCH_KEY_FUNCTION_SQL's function and the ix_search_ prefix),
and tests/test_search.py fails when a declared search property has no index.
"""
from alembic import op

from layers.search import SEARCH_KEY_FUNCTION_SQL

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

SEARCH_PROPERTIES = [
    ("atcs_intersections", "nama"), ("atcs_intersections", "kode"),
    ("cctv", "nama"), ("cctv", "kode"),
    ("disaster_risk_zones", "nama_kel"),
    ("food_insecurity", "nama_kel"),
    ("health_facilities", "nama"),
    ("kecamatan", "nama_kec"),
    ("kelurahan", "nama_kel"),
    ("rivers", "nama"),
    ("schools", "nama"),
    ("street_lights", "nama"), ("street_lights", "kode"),
    ("transit_routes", "nama"), ("transit_routes", "kode_trayek"),
    ("transit_stops", "nama"),
]


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(SEARCH_KEY_FUNCTION_SQL)
    for layer, prop in SEARCH_PROPERTIES:
        op.execute(f'CREATE INDEX IF NOT EXISTS "ix_search_{layer}_{prop}" ON layers."{layer}" '
                   f'USING gin (core.search_key("{prop}") gin_trgm_ops)')


def downgrade() -> None:
    for layer, prop in SEARCH_PROPERTIES:
        op.execute(f'DROP INDEX IF EXISTS layers."ix_search_{layer}_{prop}"')
    op.execute("DROP FUNCTION IF EXISTS core.search_key(text)")
