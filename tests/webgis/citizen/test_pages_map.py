"""/lapor/peta: counts per kelurahan (choropleth) and heat-map points, from complaints_public only."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import text

from services.complaints.records import PUBLIC_GRID_DEG
from tests.helpers.complaints import post_report


def _sql_counts(app: Any, where: str = "TRUE", **params: Any) -> dict[str, int]:
    with app.extensions["engine"].connect() as conn:
        rows = conn.execute(text(f"SELECT kode_kel, count(*) FROM layers.complaints_public WHERE {where} "
                                 "GROUP BY kode_kel"), params).all()
    return {k: n for k, n in rows}


def test_the_page_draws_both_maps_from_files_of_this_server(web) -> None:  # noqa: ANN001
    html = web.get("/lapor/peta").get_data(as_text=True)
    assert 'id="complaints-map"' in html and "citizen/heat.js" in html and "citizen/map.js" in html
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []
    assert web.get("/static/citizen/heat.js").status_code == 200


def test_counts_per_kelurahan_match_the_public_layer_and_follow_a_new_report(web, complaints_app) -> None:  # noqa: ANN001
    body = web.get("/lapor/peta/kelurahan.geojson").get_json()
    with complaints_app.extensions["engine"].connect() as conn:
        kelurahan = conn.execute(text("SELECT count(*) FROM layers.kelurahan")).scalar_one()
    assert len(body["features"]) == kelurahan  # every kelurahan, zero or not
    counts = {f["properties"]["kode_kel"]: f["properties"]["jumlah"] for f in body["features"]}
    expected = _sql_counts(complaints_app)
    assert {k: v for k, v in counts.items() if v} == expected and body["total"] == sum(expected.values())
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in body["features"])
    # Nothing private travels with the counts.
    assert set(body["features"][0]["properties"]) == {"kode_kel", "nama_kel", "nama_kec", "jumlah"}

    created = post_report(web).get_json()[0]["service_request_id"]
    with complaints_app.extensions["engine"].connect() as conn:
        kode = conn.execute(text("SELECT kode_kel FROM layers.complaints_public WHERE service_request_id = :i"),
                            {"i": created}).scalar_one()
    after = {f["properties"]["kode_kel"]: f["properties"]["jumlah"]
             for f in web.get("/lapor/peta/kelurahan.geojson").get_json()["features"]}
    assert after[kode] == counts.get(kode, 0) + 1


def test_filters_by_category_and_period(web, complaints_app) -> None:  # noqa: ANN001
    body = web.get("/lapor/peta/kelurahan.geojson?service_code=BANJIR").get_json()
    counts = {f["properties"]["kode_kel"]: f["properties"]["jumlah"] for f in body["features"] if f["properties"]["jumlah"]}
    assert counts == _sql_counts(complaints_app, "service_code = 'BANJIR'")
    recent = web.get("/lapor/peta/kelurahan.geojson?days=30").get_json()
    assert recent["total"] == sum(_sql_counts(complaints_app, "requested_datetime >= now() - interval '30 days'").values())


def test_heat_points_are_public_grid_points_with_weights(web, complaints_app) -> None:  # noqa: ANN001
    points = web.get("/lapor/peta/titik.json").get_json()["points"]
    with complaints_app.extensions["engine"].connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM layers.complaints_public")).scalar_one()
    assert len(points) == total
    for lon, lat, weight in points:
        assert weight >= 1
        assert abs(lon / PUBLIC_GRID_DEG - round(lon / PUBLIC_GRID_DEG)) < 1e-3
        assert abs(lat / PUBLIC_GRID_DEG - round(lat / PUBLIC_GRID_DEG)) < 1e-3


@pytest.mark.parametrize("query", ["days=7", "days=abc", "service_code=POTHOLE"])
def test_bad_filters_are_a_clear_400(web, query: str) -> None:  # noqa: ANN001
    for path in ("/lapor/peta/kelurahan.geojson", "/lapor/peta/titik.json"):
        response = web.get(f"{path}?{query}")
        assert response.status_code == 400 and response.get_json()["description"]
