"""Issue 17, "Open311 GeoReport v2": what a real GeoReport client sends and expects.

Each test cites the wording of the GeoReport v2 specification (wiki.open311.org/GeoReport_v2).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from tests.helpers.complaints import INSIDE, post_report

WIB = ZoneInfo("Asia/Jakarta")


def _kelurahan(engine, name: str) -> dict:  # noqa: ANN001
    with engine.connect() as conn:
        return dict(conn.execute(text(
            "SELECT kode_kel, nama_kel, nama_kec, geom FROM layers.kelurahan WHERE nama_kel = :n"),
            {"n": name}).mappings().one())


def _inside(engine, kode_kel: str, lon: float, lat: float) -> bool:  # noqa: ANN001
    with engine.connect() as conn:
        return conn.execute(text("SELECT ST_Intersects(geom, ST_SetSRID(ST_MakePoint(:x, :y), 4326)) "
                                 "FROM layers.kelurahan WHERE kode_kel = :k"), {"x": lon, "y": lat, "k": kode_kel}).scalar_one()


def _count(engine) -> int:  # noqa: ANN001
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM layers.complaints")).scalar_one()


def test_an_address_string_alone_locates_a_request_in_the_kelurahan_it_names(web, complaints_app, staff_token) -> None:  # noqa: ANN001
    """POST Service Request: "lat & long, address_string or address_id: one of these is required"."""
    engine = complaints_app.extensions["engine"]
    kel = _kelurahan(engine, "Petisah Tengah")
    response = post_report(web, lat=None, long=None, address_string="Jl. Kejaksaan no. 12, kel petisah tengah")
    assert response.status_code == 200, response.get_data(as_text=True)
    (created,) = response.get_json()
    assert "Kel. Petisah Tengah" in created["service_notice"]  # the match, shown to the reporter
    (public,) = web.get(f"/open311/v2/requests/{created['service_request_id']}.json").get_json()
    assert _inside(engine, kel["kode_kel"], public["long"], public["lat"])
    assert "Lokasi dari alamat pelapor: Kel. Petisah Tengah" in public["status_notes"]
    assert "belum lokasi tepat" in public["status_notes"]
    staff = {"Authorization": f"Bearer {staff_token('admin')}"}
    (full,) = web.get(f"/open311/v2/requests/{created['service_request_id']}.json", headers=staff).get_json()
    assert full["address"] == "Jl. Kejaksaan no. 12, kel petisah tengah"  # what the reporter wrote, for staff
    assert "petugas akan menandai lokasi tepat" in full["status_notes"]  # the match, shown to staff
    assert _inside(engine, kel["kode_kel"], full["long"], full["lat"])


@pytest.mark.parametrize(("fields", "message"), [
    ({"address_string": "Jl. Tidak Ada di Mana-mana 7"}, "address_string: no kelurahan"),
    ({"address_id": "12345"}, "address_id: Kota Medan has no address ids"),
    ({}, "lat/long: a location is required"),
])
def test_an_address_that_locates_nothing_is_a_400_naming_the_field_and_stores_nothing(
        web, complaints_app, fields: dict, message: str) -> None:  # noqa: ANN001
    engine = complaints_app.extensions["engine"]
    before = _count(engine)
    response = post_report(web, lat=None, long=None, **fields)
    assert response.status_code == 400
    errors = response.get_json()
    assert all(list(e) == ["code", "description"] and e["code"] == 400 for e in errors)
    assert any(message in e["description"] for e in errors), errors
    assert _count(engine) == before


def test_a_date_alone_is_a_w3c_dtf_start_or_end_date(web) -> None:  # noqa: ANN001
    """GET Service Requests: start_date/end_date "must use w3 format"; W3C-DTF's "complete date" is YYYY-MM-DD."""
    (created,) = post_report(web).get_json()
    rid = created["service_request_id"]
    today = datetime.now(WIB).date()
    yesterday, tomorrow = today - timedelta(days=1), today + timedelta(days=1)

    def listed(query: str) -> bool:
        response = web.get(f"/open311/v2/requests.json?{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return rid in [r["service_request_id"] for r in response.get_json()]

    assert listed(f"start_date={today.isoformat()}")
    assert listed(f"start_date={today.isoformat()}&end_date={today.isoformat()}")  # end_date takes the whole day
    assert not listed(f"start_date={tomorrow.isoformat()}")
    assert not listed(f"start_date={yesterday.isoformat()}&end_date={yesterday.isoformat()}")
    assert listed(f"start_date={today:%Y-%m}")  # YYYY-MM: from the month's first day
    assert web.get("/open311/v2/requests.json?start_date=2026-12-01").status_code == 200


def test_discovery_advertises_the_jurisdiction_id_that_requests_accept(web) -> None:  # noqa: ANN001
    document = web.get("/open311/v2/discovery.json").get_json()
    jurisdiction = document["jurisdiction_id"]
    assert document["endpoints"][0]["jurisdiction_id"] == jurisdiction
    assert web.get(f"/open311/v2/services.json?jurisdiction_id={jurisdiction}").status_code == 200
    assert post_report(web, jurisdiction_id=jurisdiction).status_code == 200


@pytest.mark.parametrize("path", ["/open311/v2/requests.csv", "/open311/v2/services.txt", "/open311/v2/nothing"])
def test_an_unknown_format_or_resource_answers_the_open311_error_list(web, path: str) -> None:  # noqa: ANN001
    """Errors: "a list of errors ... each with code and description" — not the OGC API's problem object."""
    response = web.get(path)
    assert response.status_code == 404
    errors = response.get_json()
    assert isinstance(errors, list) and all(list(e) == ["code", "description"] and e["code"] == 404 for e in errors)
    assert ".json or .xml" in errors[0]["description"]


def test_service_notice_is_the_same_on_post_and_on_get(web, staff_token) -> None:  # noqa: ANN001
    """service_notice: "information about the action expected to fulfill the request" — one request, one notice."""
    fields = {"service_code": "SAMPAH", "attribute[HARI_TIDAK_DIANGKUT]": "3", "attribute[KONDISI]": None,
              "lat": "3.5712", "long": "98.6801"}
    (first,) = post_report(web, **fields).get_json()
    (second,) = post_report(web, **fields).get_json()  # a likely duplicate: the notice names the first
    assert first["service_request_id"] in second["service_notice"]
    staff = {"Authorization": f"Bearer {staff_token('admin')}"}
    for created in (first, second):
        rid = created["service_request_id"]
        (public,) = web.get(f"/open311/v2/requests/{rid}.json").get_json()
        (full,) = web.get(f"/open311/v2/requests/{rid}.json", headers=staff).get_json()
        assert public["service_notice"] == full["service_notice"] == created["service_notice"]
    listed = {r["service_request_id"]: r["service_notice"] for r in web.get("/open311/v2/requests.json").get_json()}
    assert listed[second["service_request_id"]] == second["service_notice"]
    assert INSIDE  # the helper's default point is elsewhere; these two share their own


def test_the_gazetteer_prefers_the_longest_name_and_the_named_kecamatan(complaints_app) -> None:  # noqa: ANN001
    from services.engine.gazetteer import resolve_address
    from services.errors import ServiceError

    engine = complaints_app.extensions["engine"]
    with engine.connect() as conn:
        twice = conn.execute(text("SELECT nama_kel, array_agg(nama_kec ORDER BY nama_kec) FROM layers.kelurahan "
                                  "GROUP BY nama_kel HAVING count(*) > 1 ORDER BY 1 LIMIT 1")).one()
    name, districts = twice  # e.g. Sei Mati, in Medan Labuhan and in Medan Maimun
    with pytest.raises(ServiceError, match="add the kecamatan"):
        resolve_address(engine, f"Gg. Buntu, Kel. {name}")
    assert resolve_address(engine, f"Kel. {name}, Kec. {districts[1]}").nama_kec == districts[1]
    assert resolve_address(engine, "KELURAHAN PETISAH TENGAH").nama_kel == "Petisah Tengah"
