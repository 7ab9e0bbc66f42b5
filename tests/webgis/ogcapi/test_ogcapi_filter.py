"""Part 3: queryables and CQL2 filters (text and JSON), and every bad input the issue lists."""

from __future__ import annotations

from urllib.parse import quote

import orjson
import pytest
from sqlalchemy import text

ITEMS = "/collections/sample_points/items?limit=10000&properties=kode"


@pytest.fixture
def client(admin_client):  # noqa: ANN001, ANN201
    """sample_points is data for testing, which only admins read over the web."""
    return admin_client


def matched(client, cql: str, lang: str = "cql2-text", layer: str = "sample_points") -> int:  # noqa: ANN001
    response = client.get(f"/collections/{layer}/items?limit=10000&filter-lang={lang}&filter={quote(cql)}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return orjson.loads(response.get_data())["numberReturned"]


def count(engine, where: str) -> int:  # noqa: ANN001
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM layers.sample_points WHERE {where}")).scalar_one()


@pytest.mark.parametrize(("cql", "where"), [
    ("kategori = 'a' AND nilai > 10", "kategori = 'a' AND nilai > 10"),
    ("kategori <> 'a'", "kategori <> 'a'"),
    ("kode LIKE 'S00001%'", "kode LIKE 'S00001%'"),
    ("kategori IN ('a', 'b') OR nilai BETWEEN 1 AND 20", "kategori IN ('a','b') OR nilai BETWEEN 1 AND 20"),
    ("NOT (nilai IS NULL)", "nilai IS NOT NULL"),
    ("S_INTERSECTS(geometry, BBOX(98.6, 3.5, 98.7, 3.7))", "ST_Intersects(geom, ST_MakeEnvelope(98.6,3.5,98.7,3.7,4326))"),
    ("S_WITHIN(geometry, POLYGON((98.6 3.5, 98.7 3.5, 98.7 3.7, 98.6 3.7, 98.6 3.5)))",
     "ST_Within(geom, ST_MakeEnvelope(98.6,3.5,98.7,3.7,4326))"),
    ("S_DWITHIN(geometry, POINT(98.67 3.59), 1500, meters)",
     "ST_DWithin(geom::geography, ST_SetSRID(ST_Point(98.67, 3.59), 4326)::geography, 1500)"),
    ("T_INTERSECTS(waktu, INTERVAL('2024-01-01T00:00:00Z', '..'))", "waktu >= '2024-01-01T00:00:00Z'"),
    ("waktu < TIMESTAMP('2023-06-01T00:00:00Z')", "waktu < '2023-06-01T00:00:00Z'"),
])
def test_cql2_text_matches_the_same_sql(client, engine, cql: str, where: str) -> None:  # noqa: ANN001
    assert matched(client, cql) == count(engine, where)


@pytest.mark.parametrize(("cql", "where"), [
    ({"op": "and", "args": [{"op": "=", "args": [{"property": "kategori"}, "b"]},
                            {"op": ">=", "args": [{"property": "nilai"}, 50]}]}, "kategori = 'b' AND nilai >= 50"),
    ({"op": "between", "args": [{"property": "nilai"}, 10, 20]}, "nilai BETWEEN 10 AND 20"),
    ({"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [98.6, 3.5, 98.7, 3.7]}]},
     "ST_Intersects(geom, ST_MakeEnvelope(98.6,3.5,98.7,3.7,4326))"),
    ({"op": "t_intersects", "args": [{"property": "waktu"}, {"interval": ["2024-01-01T00:00:00Z", ".."]}]},
     "waktu >= '2024-01-01T00:00:00Z'"),
])
def test_cql2_json_matches_the_same_sql(client, engine, cql: dict, where: str) -> None:  # noqa: ANN001
    assert matched(client, orjson.dumps(cql).decode(), "cql2-json") == count(engine, where)


def test_filter_crs_epsg_4326_is_lat_lon(client, engine) -> None:  # noqa: ANN001
    cql = quote("S_INTERSECTS(geometry, BBOX(3.5, 98.6, 3.7, 98.7))")
    response = client.get(f"{ITEMS}&filter={cql}&filter-crs=http://www.opengis.net/def/crs/EPSG/0/4326")
    expected = count(engine, "ST_Intersects(geom, ST_MakeEnvelope(98.6,3.5,98.7,3.7,4326))")
    assert orjson.loads(response.get_data())["numberReturned"] == expected


def test_case_insensitive_like_on_schools(client, engine) -> None:  # noqa: ANN001
    with engine.connect() as conn:
        expected = conn.execute(text("SELECT count(*) FROM layers.schools WHERE lower(nama) LIKE 'smp %'")).scalar_one()
    assert expected > 0
    assert matched(client, "CASEI(nama) LIKE CASEI('Smp %')", layer="schools") == expected


@pytest.mark.parametrize(("cql", "lang", "message"), [
    ("kategori = ", "cql2-text", "does not parse"),
    ("nosuch = 1", "cql2-text", "unknown property 'nosuch'"),
    ("source = 'x'", "cql2-text", "unknown property 'source'"),
    ("nilai = 'abc'", "cql2-text", "not a number"),
    ("kode = 'x'' OR ''1''=''1'", "cql2-text", None),  # a quote in a literal is just text: 0 rows
    ("kode = 'x'); DROP TABLE layers.sample_points; --", "cql2-text", "does not parse"),
    ("kode LIKE 'x\\'", "cql2-text", "unfinished escape"),
    ("{\"op\": \"=\", \"args\": [{\"property\": \"nilai; DROP TABLE x\"}, 1]}", "cql2-json", "unknown property"),
    ("{not json", "cql2-json", "does not parse"),
    ("kategori = 'a'", "sql", "not supported"),
    ("S_DWITHIN(geometry, POINT(98.67 3.59), 10, parsecs)", "cql2-text", "unit"),
])
def test_bad_filters_are_400_with_a_reason_and_change_nothing(client, engine, cql: str, lang: str,
                                                              message: str | None) -> None:  # noqa: ANN001
    before = count(engine, "TRUE")
    response = client.get(f"{ITEMS}&filter-lang={lang}&filter={quote(cql)}")
    if message is None:
        assert response.status_code == 200
        assert orjson.loads(response.get_data())["numberReturned"] == 0
    else:
        assert response.status_code == 400, response.get_data(as_text=True)
        body = response.get_json()
        assert body["code"] == "InvalidParameterValue"
        assert message in body["description"]
    assert count(engine, "TRUE") == before


@pytest.mark.parametrize(("query", "message"), [
    ("bbox=1,2,3", "bbox"), ("bbox=a,b,c,d", "bbox"), ("bbox=98.7,3.6,98.6,3.5", "lower corner"),
    ("limit=-1", "limit"), ("limit=abc", "limit"), ("limit=0", "limit"), ("offset=-5", "offset"),
    ("limit=%C2%B2", "limit"), ("offset=%C2%B2", "offset"),  # "²": a digit to str.isdigit, not to int()
    ("crs=EPSG:9999", "not supported"), ("bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4326", "without bbox"),
    ("datetime=yesterday", "datetime"), ("sortby=nosuch", "sortby"), ("properties=nosuch", "properties"),
    ("cursor=!!!", "cursor"), ("frobnicate=1", "unknown query parameter"), ("f=xml", "f must be"),
    ("kategori=a&kategori=b", "once"), ("nilai=abc", "nilai"),
])
def test_bad_parameters_are_400_with_a_reason(client, query: str, message: str) -> None:  # noqa: ANN001
    response = client.get(f"/collections/sample_points/items?{query}")
    assert response.status_code == 400, query
    assert message in response.get_json()["description"]


@pytest.mark.parametrize("url", [
    "/collections/nope", "/collections/nope/items", "/collections/nope/queryables",
    "/collections/schools/items/999999999", "/collections/schools/items/1'%20OR%20'1'='1",
    "/collections/schools/items/-1", "/collections/schools/items/abc",
])
def test_unknown_collection_or_feature_is_404_ogc_exception(client, url: str) -> None:  # noqa: ANN001
    response = client.get(url)
    assert response.status_code == 404
    body = response.get_json()
    assert body["code"] == "NotFound" and body["description"]
