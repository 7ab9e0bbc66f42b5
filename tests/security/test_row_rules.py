"""Row-level rules (issue 16, item 1): staff reach only their agencies' reports on every path,
a citizen only its own, the workflow is not skipped through the layer API, and
complaints_public is derived by the database so it cannot diverge.

The app and its database are the complaints tests' own (tests/fixtures/complaints.py):
these tests commit writes.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from services.complaints import intake
from tests.helpers.accounts import PASSWORD, login
from tests.helpers.tiles import decode, tile_of
from webgis.accounts import manage

OWN, OTHER = "DSDABMBK", "DLH"  # two agencies of services/complaints/categories.yaml
PRIVATE = ("contact_name", "contact_email", "contact_phone", "token")


@pytest.fixture
def web(complaints_app: Flask) -> FlaskClient:
    """A client of the complaints app (tests/security/conftest.py's `web` is another database's)."""
    return complaints_app.test_client()


def _auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _engine(app: Flask):  # noqa: ANN202
    return app.extensions["engine"]


def _report_of(app: Flask, agency: str = "DLH") -> dict:
    """A new open report of DLH (waste) with the reporter's contact, filed through the service (fid, id, point)."""
    assert agency == OTHER
    receipt = intake.submit(_engine(app), intake.Submission(
        service_code="SAMPAH", lat=3.5952, long=98.6722, description="Sampah di depan rumah",
        attributes={"HARI_TIDAK_DIANGKUT": 2}, first_name="Rahasia", last_name="Pelapor",
        email="rahasia@example.org"))
    with _engine(app).connect() as conn:
        row = conn.execute(text(
            "SELECT fid, service_request_id, agency, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM layers.complaints "
            "WHERE service_request_id = :s"), {"s": receipt.service_request_id}).mappings().one()
    assert row["agency"] == agency
    return dict(row)


def _fids(body: dict) -> set[int]:
    return {f["id"] for f in body["features"]}


def test_staff_reach_only_their_agencies_reports_on_every_read_path(
        complaints_app: Flask, web: FlaskClient, staff_token: Callable[..., str]) -> None:
    other = _report_of(complaints_app, OTHER)
    mine = staff_token("staff", agencies=(OWN,))
    theirs = staff_token("staff", agencies=(OTHER,))
    nobody = staff_token("staff")

    response = web.get("/collections/complaints/items?limit=1000", headers=_auth(mine))
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    items = response.get_json()
    assert items["features"] and other["fid"] not in _fids(items)
    assert {f["properties"]["agency"] for f in items["features"]} == {OWN}
    assert _fids(web.get("/collections/complaints/items?limit=1000", headers=_auth(nobody)).get_json()) == set()
    assert other["fid"] in _fids(web.get("/collections/complaints/items?limit=1000", headers=_auth(theirs)).get_json())
    # A filter cannot widen the scope.
    widened = web.get(f"/collections/complaints/items?agency={OTHER}", headers=_auth(mine)).get_json()
    assert widened["features"] == [] and widened["numberMatched"] == 0

    item = f"/collections/complaints/items/{other['fid']}"
    assert web.get(item, headers=_auth(mine)).status_code == 404
    assert web.get(f"{item}?f=html", headers=_auth(mine)).status_code == 404
    assert web.get(item, headers=_auth(theirs)).get_json()["properties"]["contact_name"] == "Rahasia Pelapor"

    history = f"/admin/history/complaints/{other['fid']}"
    assert web.get(history, headers=_auth(mine)).status_code == 404
    assert "Rahasia" in web.get(history, headers=_auth(theirs)).get_data(as_text=True)
    recent = web.get("/admin/history/complaints", headers=_auth(mine)).get_data(as_text=True)
    assert other["service_request_id"] not in recent and "Rahasia" not in recent

    download = web.get("/katalog/complaints.csv", headers=_auth(mine))
    assert download.status_code == 200
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert rows and {r["agency"] for r in rows} == {OWN}
    catalogue = web.get("/katalog", headers=_auth(nobody)).get_data(as_text=True)
    assert "Rahasia" not in catalogue


@pytest.mark.parametrize("path", ["/collections/complaints/tiles/WebMercatorQuad/{z}/{x}/{y}",
                                  "/tiles/WebMercatorQuad/{z}/{x}/{y}?collections=complaints",
                                  "/tiles/WebMercatorQuad/{z}/{x}/{y}"])
def test_a_tile_cached_for_one_agency_is_never_served_to_another(
        complaints_app: Flask, web: FlaskClient, staff_token: Callable[..., str], path: str) -> None:
    other = _report_of(complaints_app, OTHER)
    z, x, y = tile_of(other["lon"], other["lat"], 14)
    url = path.format(z=z, x=x, y=y)
    theirs, mine = staff_token("staff", agencies=(OTHER,)), staff_token("staff", agencies=(OWN,))
    first = web.get(url, headers=_auth(theirs))  # rendered and cached for the report's own agency
    assert other["fid"] in {f["properties"]["fid"] for f in decode(first.data)["complaints"]["features"]}
    for _ in range(2):  # a miss, then whatever the cache holds
        tile = decode(web.get(url, headers=_auth(mine)).data)
        fids = {f["properties"]["fid"] for f in tile.get("complaints", {"features": []})["features"]}
        assert other["fid"] not in fids


def test_the_layer_api_refuses_writes_outside_the_scope_and_skipping_the_workflow(
        complaints_app: Flask, web: FlaskClient, staff_token: Callable[..., str]) -> None:
    other = _report_of(complaints_app, OTHER)
    url = f"/collections/complaints/items/{other['fid']}"
    closing = {"properties": {"status": "closed"}}
    headers = {"If-Match": "*", "Content-Type": "application/merge-patch+json"}
    nobody, mine = staff_token("staff"), staff_token("staff", agencies=(OWN,))
    theirs = staff_token("staff", agencies=(OTHER,))
    # Another agency's (or no agency's) staff: the report does not exist for them.
    assert web.patch(url, json=closing, headers={**headers, **_auth(nobody)}).status_code == 404
    assert web.patch(url, json=closing, headers={**headers, **_auth(mine)}).status_code == 404
    assert web.delete(url, headers={"If-Match": "*", **_auth(mine)}).status_code == 404
    # Its own agency's staff: the status moves through the service only (409), other fields may be corrected.
    refused = web.patch(url, json=closing, headers={**headers, **_auth(theirs)})
    assert refused.status_code == 409 and "services.engine" in refused.get_data(as_text=True)
    assert web.delete(url, headers={"If-Match": "*", **_auth(theirs)}).status_code == 409
    moved = web.patch(url, json={"properties": {"agency": OWN}}, headers={**headers, **_auth(theirs)})
    assert moved.status_code == 403
    fixed = web.patch(url, json={"properties": {"address": "Jl. Diperbaiki 1"}}, headers={**headers, **_auth(theirs)})
    assert fixed.status_code == 204
    with _engine(complaints_app).connect() as conn:
        status, address, agency = conn.execute(text(
            "SELECT status, address, agency FROM layers.complaints WHERE fid = :f"), {"f": other["fid"]}).one()
    assert (address, agency) == ("Jl. Diperbaiki 1", OTHER) and status != "closed"
    created = web.post("/collections/complaints/items", headers=_auth(theirs), json={
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [98.67, 3.59]},
        "properties": {"service_request_id": "MDN-DIRECT01", "service_code": "SAMPAH", "status": "closed",
                       "requested_datetime": "2026-12-01T00:00:00Z", "updated_datetime": "2026-12-01T00:00:00Z",
                       "state_since": "2026-12-01T00:00:00Z", "agency": OTHER, "supporters": 0}})
    assert created.status_code == 409


def test_complaints_public_is_derived_by_the_database_and_cannot_be_written(
        complaints_app: Flask, web: FlaskClient, staff_token: Callable[..., str]) -> None:
    other = _report_of(complaints_app, OTHER)
    sid = other["service_request_id"]
    engine = _engine(complaints_app)
    with engine.begin() as conn:  # any write of complaints, not only the service's
        conn.execute(text("UPDATE layers.complaints SET status = 'rejected', status_notes = 'dobel' "
                          "WHERE service_request_id = :s"), {"s": sid})
        inside = conn.execute(text("SELECT status, status_notes FROM layers.complaints_public "
                                   "WHERE service_request_id = :s"), {"s": sid}).one()
    assert tuple(inside) == ("rejected", "dobel")  # in the same transaction
    public = web.get(f"/open311/v2/requests/{sid}.json").get_json()[0]
    assert public["status"] == "closed"
    with pytest.raises(DBAPIError, match="derived from layers.complaints"), engine.begin() as conn:
        conn.execute(text("UPDATE layers.complaints_public SET status = 'open' WHERE service_request_id = :s"),
                     {"s": sid})
    admin = staff_token("admin")
    refused = web.patch(f"/collections/complaints_public/items/{other['fid']}", json={"properties": {"status": "open"}},
                        headers={"If-Match": "*", **_auth(admin)})
    assert refused.status_code == 403
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM layers.complaints WHERE service_request_id = :s"), {"s": sid})
        gone = conn.execute(text("SELECT count(*) FROM layers.complaints_public WHERE service_request_id = :s"),
                            {"s": sid}).scalar_one()
    assert gone == 0
    with engine.connect() as conn:
        differ = conn.execute(text(
            "SELECT count(*) FROM layers.complaints c FULL JOIN layers.complaints_public p USING (service_request_id) "
            "WHERE p.fid IS NULL OR c.fid IS NULL OR c.status <> p.status OR c.supporters <> p.supporters "
            "OR ST_Distance(c.geom::geography, p.geom::geography) > 40")).scalar_one()
    assert differ == 0


def test_a_citizen_reads_only_its_own_reports_without_private_fields(
        complaints_app: Flask, web: FlaskClient) -> None:
    engine = _engine(complaints_app)
    users = [manage.create_user(engine, "test", None, f"warga{n}{id(web)}", PASSWORD, roles=("citizen",))
             for n in range(2)]
    login(web, users[0].username)
    form = web.get("/lapor").get_data(as_text=True)
    token = form.split('name="csrf_token" value="')[1].split('"')[0]
    filed = web.post("/lapor", data={
        "csrf_token": token, "service_code": "SAMPAH", "lat": "3.5952", "long": "98.6722",
        "description": "Sampah menumpuk", "email": "warga@example.org", "first_name": "Ani",
        "attr-SAMPAH-HARI_TIDAK_DIANGKUT": "3"})
    assert filed.status_code == 303, re.findall(r"<li[^>]*>([^<]+)</li>", filed.get_data(as_text=True))
    sid = filed.headers["Location"].split("/lapor/")[1].split("?")[0]
    own = web.get("/collections/complaints/items?limit=1000").get_json()
    assert [f["properties"]["service_request_id"] for f in own["features"]] == [sid]
    assert not set(PRIVATE) & set(own["features"][0]["properties"])
    assert "internal_notes" not in own["features"][0]["properties"]
    other = complaints_app.test_client()
    login(other, users[1].username)
    assert other.get("/collections/complaints/items?limit=1000").get_json()["features"] == []
    assert other.get(f"/collections/complaints/items/{own['features'][0]['id']}").status_code == 404
