"""The driving graph built from the osm_roads layer (services/routing/graph.py, issue 20 item 8)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from geodata.osm import import_extract
from services.routing.graph import graph_status, load_config, rebuild

STREETS = Path(__file__).resolve().parent / "data" / "medan_routing.osm"
GRID = {  # OSM node -> its coordinates in the hand-made file
    301: (98.682881, 3.585177), 302: (98.686881, 3.585177), 303: (98.690881, 3.585177),
    304: (98.682881, 3.581177), 305: (98.686881, 3.581177), 306: (98.690881, 3.581177),
    307: (98.682881, 3.577177), 308: (98.686881, 3.577177), 309: (98.690881, 3.577177),
    311: (98.688881, 3.583677), 312: (98.688881, 3.578677),
}


def vertex_of(conn, node: int) -> int:  # noqa: ANN001
    lon, lat = GRID[node]
    return conn.execute(text("SELECT id FROM routing.vertices WHERE ST_DWithin(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), "
                             "4326), 1e-7)"), {"lon": lon, "lat": lat}).scalar_one()


def load_streets(bind) -> None:  # noqa: ANN001
    import_extract(bind, STREETS, actor="test")
    rebuild(bind, actor="test")


def _edges(conn) -> dict[tuple[int, int], dict]:  # noqa: ANN001
    rows = conn.execute(text("SELECT source, target, nama, kelas, satu_arah, length_m, cost, reverse_cost, "
                             "ST_NPoints(geom) AS points FROM routing.edges")).mappings().all()
    return {(r["source"], r["target"]): dict(r) for r in rows}


def test_the_graph_is_noded_where_ways_share_a_node_and_only_there(conn) -> None:  # noqa: ANN001
    load_streets(conn)
    junctions = {node: vertex_of(conn, node) for node in GRID}
    # 310 is a bend of one way, not a junction; the footway is not driven.
    assert conn.execute(text("SELECT count(*) FROM routing.vertices")).scalar_one() == len(GRID) == 11
    edges = _edges(conn)
    assert len(edges) == 13
    assert "Gang Mesjid" not in {e["nama"] for e in edges.values()}
    v = junctions
    west = edges[(v[304], v[305])]
    assert west["nama"] == "Jalan Mahkamah" and west["points"] == 3  # through the bend at 310
    assert west["length_m"] == pytest.approx(444, abs=3)  # 0.004 degree of longitude at 3.58 N
    assert west["cost"] == pytest.approx(west["length_m"] / (load_config().speeds_kmh["primary"] / 3.6))
    assert west["reverse_cost"] == west["cost"]
    degree = dict(conn.execute(text("SELECT id, degree FROM routing.vertices")).all())
    assert degree[v[305]] == 4
    # The flyover crosses Jalan Mahkamah without a shared node: it joins nothing.
    assert (v[311], v[312]) in edges and degree[v[311]] == degree[v[312]] == 1
    crossing = conn.execute(text("SELECT count(*) FROM routing.vertices WHERE ST_DWithin(geom, "
                                 "ST_SetSRID(ST_MakePoint(98.688881, 3.581177), 4326), 0.0005)")).scalar_one()
    assert crossing == 0


def test_one_way_streets_have_no_reverse_edge(conn) -> None:  # noqa: ANN001
    load_streets(conn)
    v = {node: vertex_of(conn, node) for node in GRID}
    edges = _edges(conn)
    # Jalan Puri is one-way westward (303 -> 302 -> 301): drawn that way, no way back.
    for piece in ((v[303], v[302]), (v[302], v[301])):
        assert edges[piece]["satu_arah"] and edges[piece]["reverse_cost"] == -1 and edges[piece]["cost"] > 0


def test_rebuild_replaces_the_graph_and_knows_when_it_is_stale(conn) -> None:  # noqa: ANN001
    assert graph_status(conn)["roads"] == 0
    load_streets(conn)
    status = graph_status(conn)
    assert (status["roads"], status["edges"], status["vertices"], status["up_to_date"]) == (8, 13, 11, True)
    import_extract(conn, STREETS, actor="test-again")  # new rows: the graph is now out of date
    assert graph_status(conn)["up_to_date"] is False
    build = rebuild(conn)
    assert (build.edges, build.vertices) == (13, 11) and graph_status(conn)["up_to_date"] is True


def test_basemap_import_rebuilds_the_graph_in_the_same_transaction(isolated_database_url) -> None:  # noqa: ANN001
    from click.testing import CliRunner

    from config.settings import get_settings
    from layers.db import engine_for
    from webgis.cli import main

    runner = CliRunner(env={"WEBGIS_DATABASE_URL": isolated_database_url})
    get_settings.cache_clear()
    try:
        imported = runner.invoke(main, ["basemap", "import", str(STREETS)])
        status = graph_status(engine_for(isolated_database_url))
        rebuilt = runner.invoke(main, ["basemap", "graph"])
    finally:
        get_settings.cache_clear()
    assert imported.exit_code == 0, imported.output
    assert "driving graph: 13 edges, 11 junctions" in imported.output
    assert (status["edges"], status["up_to_date"]) == (13, True)
    assert rebuilt.exit_code == 0 and "13 edges, 11 junctions from 8 streets" in rebuilt.output
