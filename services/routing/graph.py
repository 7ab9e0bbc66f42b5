"""The driving graph: `routing.vertices` and `routing.edges` built from the `osm_roads` layer.

Ways are cut where they share an OpenStreetMap node with another way (or with themselves),
as osm2pgrouting does: in OSM a junction IS a shared node, so two ways that cross without
one (a flyover over a street, a tunnel) stay unconnected, which geometric noding
(ST_Node, pgr_nodeNetwork) would get wrong. A shared node is recognised by its
coordinates at OSM's own precision (1e-7 degree). Each piece between two junctions is
an edge whose cost is its free-flow time (geodesic length / its class's speed,
routing.yaml); a one-way piece gets reverse_cost -1 (pgRouting: no edge that way), and
the osm_roads layer already draws one-way ways in their direction of travel.

`rebuild(bind)` replaces the whole graph in one transaction (called by `python -m webgis
basemap import` in the import's own transaction, and by `python -m webgis basemap graph`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Connection, text

from layers.tables import Bind, reading, transaction

CONFIG_FILE = Path(__file__).with_name("routing.yaml")
ROADS = "osm_roads"
OSM_PRECISION = 1e7  # OSM stores coordinates as integers of 1e-7 degree


@dataclass(frozen=True)
class RoutingConfig:
    speeds_kmh: dict[str, float]
    snap_m: float
    congestion: dict[str, Any]


@cache
def load_config(path: Path = CONFIG_FILE) -> RoutingConfig:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    speeds = {str(k): float(v) for k, v in data["speeds_kmh"].items()}
    if not speeds or min(speeds.values()) <= 0:
        raise ValueError(f"{path.name}: every class speed must be positive")
    return RoutingConfig(speeds_kmh=speeds, snap_m=float(data["snap_m"]), congestion=dict(data["congestion"]))


@dataclass(frozen=True)
class GraphBuild:
    roads: int
    vertices: int
    edges: int


# Every vertex of every drivable way, keyed by its coordinates at OSM precision.
_POINTS = """
CREATE TEMP TABLE routing_points ON COMMIT DROP AS
SELECT r.osm_id, r.nama, r.kelas, r.satu_arah, p.path[1] AS part, d.path[1] AS i, d.geom,
       round(ST_X(d.geom) * :precision)::bigint AS kx, round(ST_Y(d.geom) * :precision)::bigint AS ky,
       count(*) OVER (PARTITION BY r.osm_id, p.path[1]) AS n
FROM layers.osm_roads r
CROSS JOIN LATERAL ST_Dump(r.geom) p
CROSS JOIN LATERAL ST_DumpPoints(p.geom) d
WHERE r.kelas = ANY(CAST(:classes AS text[]))
"""

# Pieces between junctions: a point is a junction when it ends its line or its coordinates
# occur more than once; the junction closing a piece also opens the next one.
_PIECES = """
CREATE TEMP TABLE routing_pieces ON COMMIT DROP AS
WITH shared AS (
    SELECT kx, ky FROM routing_points GROUP BY kx, ky HAVING count(*) > 1
), marked AS (
    SELECT p.*, (p.i = 1 OR p.i = p.n OR s.kx IS NOT NULL) AS junction FROM routing_points p
    LEFT JOIN shared s ON s.kx = p.kx AND s.ky = p.ky
), numbered AS (
    SELECT *, sum(junction::int) OVER (PARTITION BY osm_id, part ORDER BY i) AS piece FROM marked
), spread AS (
    SELECT osm_id, nama, kelas, satu_arah, part, piece, i, geom, kx, ky FROM numbered
    UNION ALL
    SELECT osm_id, nama, kelas, satu_arah, part, piece - 1, i, geom, kx, ky FROM numbered WHERE junction AND i > 1
)
SELECT osm_id, nama, kelas, satu_arah, ST_MakeLine(geom ORDER BY i) AS geom,
       (array_agg(kx ORDER BY i))[1] AS sx, (array_agg(ky ORDER BY i))[1] AS sy,
       (array_agg(kx ORDER BY i DESC))[1] AS tx, (array_agg(ky ORDER BY i DESC))[1] AS ty
FROM spread GROUP BY osm_id, nama, kelas, satu_arah, part, piece HAVING count(*) >= 2
"""

_VERTEX_KEYS = """
CREATE TEMP TABLE routing_keys ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY kx, ky) AS id, count(*) AS degree, kx, ky
FROM (SELECT sx AS kx, sy AS ky FROM routing_pieces UNION ALL SELECT tx, ty FROM routing_pieces) ends
GROUP BY kx, ky
"""

_VERTICES = """
INSERT INTO routing.vertices (id, degree, geom)
SELECT id, degree, ST_SetSRID(ST_MakePoint(kx / :precision, ky / :precision), 4326) FROM routing_keys
"""

_EDGES = """
INSERT INTO routing.edges (id, source, target, osm_id, nama, kelas, satu_arah, length_m, cost, reverse_cost, geom)
SELECT row_number() OVER (ORDER BY p.osm_id, s.id, t.id), s.id, t.id, p.osm_id, p.nama, p.kelas, p.satu_arah,
       p.length_m, p.length_m / sp.mps,
       CASE WHEN p.satu_arah THEN -1 ELSE p.length_m / sp.mps END, p.geom
FROM (SELECT *, ST_Length(geom::geography) AS length_m FROM routing_pieces) p
JOIN unnest(CAST(:classes AS text[]), CAST(:speeds AS float8[])) AS sp (kelas, mps) ON sp.kelas = p.kelas
JOIN routing_keys s ON s.kx = p.sx AND s.ky = p.sy
JOIN routing_keys t ON t.kx = p.tx AND t.ky = p.ty
WHERE p.length_m > 0
"""

# Which roads a graph was built from: a re-import gives new fids, an edit a new updated_at.
_STAMP = ("SELECT count(*) AS roads, concat_ws(':', max(fid), max(updated_at), sum(version)) AS latest "
          "FROM layers.osm_roads")


def rebuild(bind: Bind, *, actor: str = "routing") -> GraphBuild:
    """Replace the driving graph with one built from the osm_roads layer as it is now."""
    config = load_config()
    classes = sorted(config.speeds_kmh)
    params = {"classes": classes, "speeds": [config.speeds_kmh[c] / 3.6 for c in classes],
              "precision": OSM_PRECISION}
    with transaction(bind, actor) as conn:
        conn.execute(text("DROP TABLE IF EXISTS pg_temp.routing_points, pg_temp.routing_pieces, pg_temp.routing_keys"))
        conn.execute(text("TRUNCATE routing.edges, routing.vertices, routing.graph_builds"))
        conn.execute(text(_POINTS), params)
        conn.execute(text(_PIECES))
        conn.execute(text(_VERTEX_KEYS))
        conn.execute(text(_VERTICES), params)
        conn.execute(text(_EDGES), params)
        conn.execute(text("DROP TABLE pg_temp.routing_points, pg_temp.routing_pieces, pg_temp.routing_keys"))
        build = _record(conn)
    return build


def _record(conn: Connection) -> GraphBuild:
    stamp = conn.execute(text(_STAMP)).one()
    vertices = conn.execute(text("SELECT count(*) FROM routing.vertices")).scalar_one()
    edges = conn.execute(text("SELECT count(*) FROM routing.edges")).scalar_one()
    conn.execute(text("INSERT INTO routing.graph_builds (roads, roads_stamp, vertices, edges) "
                      "VALUES (:roads, :stamp, :vertices, :edges)"),
                 {"roads": stamp.roads, "stamp": f"{stamp.roads}:{stamp.latest}", "vertices": vertices, "edges": edges})
    return GraphBuild(roads=int(stamp.roads), vertices=int(vertices), edges=int(edges))


def graph_status(bind: Bind) -> dict[str, Any]:
    """How many roads are loaded, how many edges the graph has, and whether it is built from them."""
    with reading(bind) as conn:
        stamp = conn.execute(text(_STAMP)).one()
        build = conn.execute(text("SELECT built_at, roads_stamp, vertices, edges FROM routing.graph_builds")).first()
    current = f"{stamp.roads}:{stamp.latest}"
    return {"roads": int(stamp.roads), "edges": int(build.edges) if build else 0,
            "vertices": int(build.vertices) if build else 0, "built_at": build.built_at if build else None,
            "up_to_date": build is not None and build.roads_stamp == current}
