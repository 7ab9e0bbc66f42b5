"""The driving graph for congestion-avoiding routes (issue 20, item 8): pgRouting and schema `routing`

Revision ID: 0025_routing
Revises: 0025_library
Create Date: 2026-12-07 22:30:00

`routing.vertices` and `routing.edges` are derived from the `osm_roads` layer by
services/routing/graph.py (noded where ways share an OSM node, one-way respected: a
one-way edge has reverse_cost -1); `python -m webgis basemap import` rebuilds them in
the import's transaction. `routing.graph_builds` says from which roads the graph was
built, so a route can tell "no streets loaded" from "graph out of date".

pgRouting comes from Debian's postgresql-15-pgrouting (./medan installs it). The
extension is created IF NOT EXISTS, so an existing deployment gets it on its next
migrate; a server without the package gets a message saying what to install.
"""
from alembic import op

revision = '0025_routing'
down_revision = '0025_library'
branch_labels = None
depends_on = None

MISSING = ("pgRouting is not installed on this PostgreSQL server: "
           "on Debian, apt-get install postgresql-15-pgrouting (./medan installs it), then migrate again")


def upgrade() -> None:
    bind = op.get_bind()
    available = bind.exec_driver_sql(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'pgrouting'").first()
    if available is None:
        raise RuntimeError(MISSING)
    op.execute("CREATE EXTENSION IF NOT EXISTS pgrouting")
    op.execute("CREATE SCHEMA IF NOT EXISTS routing")
    op.execute("""
        CREATE TABLE routing.vertices (
            id bigint PRIMARY KEY,
            degree integer NOT NULL,
            geom geometry(Point, 4326) NOT NULL
        )""")
    op.execute("CREATE INDEX idx_routing_vertices_geom ON routing.vertices USING gist (geom)")
    op.execute("""
        CREATE TABLE routing.edges (
            id bigint PRIMARY KEY,
            source bigint NOT NULL REFERENCES routing.vertices (id),
            target bigint NOT NULL REFERENCES routing.vertices (id),
            osm_id text NOT NULL,
            nama text,
            kelas text NOT NULL,
            satu_arah boolean NOT NULL,
            length_m double precision NOT NULL CHECK (length_m > 0),
            cost double precision NOT NULL CHECK (cost > 0),
            reverse_cost double precision NOT NULL,
            geom geometry(LineString, 4326) NOT NULL
        )""")
    op.execute("CREATE INDEX idx_routing_edges_geom ON routing.edges USING gist (geom)")
    op.execute("""
        CREATE TABLE routing.graph_builds (
            id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
            built_at timestamptz NOT NULL DEFAULT now(),
            roads integer NOT NULL,
            roads_stamp text NOT NULL,
            vertices integer NOT NULL,
            edges integer NOT NULL
        )""")


def downgrade() -> None:
    op.execute("DROP SCHEMA IF EXISTS routing CASCADE")
    # The extension stays: other databases' objects may use it and dropping it needs no schema change here.
