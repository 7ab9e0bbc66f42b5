"""The routing service's SQL: the graph's state, joining a point to the streets, the congested
intersections on the graph, and pgRouting's shortest path between two joined points.

The edges' SQL handed to pgRouting is one constant string; everything that varies per
request (the two points, the window, each congested vertex's delay) goes into temporary
tables through bound parameters first, so no request value is ever written into SQL.
"""

from __future__ import annotations

# The layers read (layers.kota, layers.osm_roads, layers.traffic_congestion) are named in the SQL
# below as constants: public layers whose tables the declarations make (tests check the names).
METRES_PER_DEGREE = 111_320.0

# The build's record, not count(*) over the edges: 30 ms less per route on 55k edges.
GRAPH_SIZE = """
SELECT coalesce((SELECT edges FROM routing.graph_builds), 0) AS edges,
       (SELECT EXISTS (SELECT 1 FROM layers.osm_roads)) AS roads
"""

IN_CITY = """
SELECT EXISTS (SELECT 1 FROM layers.kota WHERE ST_Covers(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)))
"""

# The nearest drivable edge: a few candidates by the index, the nearest by geodesic distance.
NEAREST_EDGE = """
WITH pt AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS geom)
SELECT e.id, e.nama, ST_LineLocatePoint(e.geom, pt.geom) AS fraction,
       ST_Distance(e.geom::geography, pt.geom::geography) AS distance_m
FROM (SELECT id, nama, geom FROM routing.edges ORDER BY geom <-> (SELECT geom FROM pt) LIMIT 8) e, pt
ORDER BY distance_m LIMIT 1
"""

# Each intersection of the congestion layer at some levels, on the junction nearest it
# (a vertex where three or more edges meet is preferred over a bend of one street).
CONGESTED_VERTICES = """
SELECT c.kode, c.nama, c.level, c.queue_avg_m, c.updated, ST_X(c.geom) AS lon, ST_Y(c.geom) AS lat, v.id AS vertex
FROM layers.traffic_congestion c
CROSS JOIN LATERAL (
    SELECT id FROM routing.vertices v
    WHERE ST_DWithin(v.geom, c.geom, :snap_deg)
      AND ST_DWithin(v.geom::geography, c.geom::geography, :snap_m)
    ORDER BY (v.degree < 3), v.geom <-> c.geom LIMIT 1
) v
WHERE c.level = ANY(CAST(:levels AS text[])) AND c.updated >= now() - make_interval(mins => :max_age_min)
ORDER BY c.kode
"""

LATEST_CONGESTION = "SELECT max(updated) FROM layers.traffic_congestion"

# Scratch tables of one transaction (ON COMMIT DROP): behind PgBouncer's transaction pooling the
# server connection goes to another client after the commit, so nothing may outlive it.
SCRATCH = """
CREATE TEMP TABLE IF NOT EXISTS route_points (pid bigint, edge_id bigint, fraction float8) ON COMMIT DROP;
CREATE TEMP TABLE IF NOT EXISTS route_delay (vertex bigint PRIMARY KEY, delay_s float8, blocked boolean) ON COMMIT DROP;
CREATE TEMP TABLE IF NOT EXISTS route_window (geom geometry) ON COMMIT DROP;
TRUNCATE route_points, route_delay, route_window
"""

ADD_POINT = "INSERT INTO route_points (pid, edge_id, fraction) VALUES (:pid, :edge, :fraction)"
ADD_DELAY = "INSERT INTO route_delay (vertex, delay_s, blocked) VALUES (:vertex, :delay_s, :blocked)"
CLEAR_DELAYS = "TRUNCATE route_delay"
SET_WINDOW = """
TRUNCATE route_window;
INSERT INTO route_window (geom)
SELECT CASE WHEN :whole THEN NULL
            ELSE ST_Expand(ST_MakeEnvelope(:xmin, :ymin, :xmax, :ymax, 4326), :margin_deg) END
"""

# Entering a congested vertex costs its delay; a blocked vertex is not entered at all.
# The window keeps pgRouting's graph to the edges near A and B (NULL: the whole graph).
EDGES_SQL = """
SELECT e.id, e.source, e.target,
       CASE WHEN dt.blocked THEN -1 ELSE e.cost + coalesce(dt.delay_s, 0) END AS cost,
       CASE WHEN e.reverse_cost < 0 OR ds.blocked THEN -1
            ELSE e.reverse_cost + coalesce(ds.delay_s, 0) END AS reverse_cost
FROM routing.edges e
LEFT JOIN pg_temp.route_delay dt ON dt.vertex = e.target
LEFT JOIN pg_temp.route_delay ds ON ds.vertex = e.source
CROSS JOIN pg_temp.route_window w
WHERE w.geom IS NULL OR e.geom && w.geom
"""

# The same without congestion (the usual route): no joins, about a third faster on 50k edges.
FREE_EDGES_SQL = """
SELECT e.id, e.source, e.target, e.cost, e.reverse_cost
FROM routing.edges e CROSS JOIN pg_temp.route_window w
WHERE w.geom IS NULL OR e.geom && w.geom
"""

POINTS_SQL = "SELECT pid, edge_id, fraction FROM pg_temp.route_points ORDER BY pid"

# The path from point 1 to point 2, one row per edge traversed, with where it leaves from
# (`node`) and arrives at (`next_node`): negative nodes are the two points.
SHORTEST_PATH = """
WITH path AS (
    SELECT seq, node, edge FROM pgr_withPoints(:edges_sql, :points_sql, -1, -2, directed => true)
), steps AS (
    SELECT seq, node, edge, lead(node) OVER (ORDER BY seq) AS next_node FROM path
)
SELECT s.seq, s.node, s.next_node, e.id AS edge, e.source, e.target, e.nama, e.length_m, e.cost AS free_flow_s,
       ST_AsBinary(e.geom) AS wkb
FROM steps s JOIN routing.edges e ON e.id = s.edge
ORDER BY s.seq
"""
