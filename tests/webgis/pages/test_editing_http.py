"""The homepage editor's server side: who gets forms (/peta/edit.json, layers/forms.py), what the forms
say, the editor assets in layers.json, and the JSON history and restore it uses."""

from __future__ import annotations

import re
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient

from layers import get_feature, insert_features, update_feature
from layers.access import with_roles
from layers.forms import edit_form
from layers.registry import get_registry
from tests.helpers.accounts import PASSWORD, build_app, login
from webgis.accounts import manage

KESAWAN = [98.6785, 3.5900]


@pytest.fixture(scope="module")
def editing_app(database_url: str) -> Flask:
    return build_app(database_url, LOGIN_RATE_LIMIT="10000 per minute", LOGIN_LOCKOUT_ATTEMPTS=1000)


def _client(app: Flask, roles: list[str], agencies: list[str] | None = None) -> FlaskClient:
    username = f"e{'_'.join(roles)}{uuid.uuid4().hex[:6]}"
    manage.create_user(app.extensions["engine"], "test", None, username, PASSWORD, roles=roles,
                       agencies=agencies or [])
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def test_forms_follow_the_declaration_and_the_access_rule() -> None:
    schools = get_registry().get("schools")
    staff = with_roles("user:ani", "staff", agencies=["DPKPPR"])
    form = edit_form(schools, staff)
    fields = {f["name"]: f for f in form["fields"]}
    assert fields["jenjang"]["allowed"] == ["SD", "SMP", "SMA", "SMK", "SLB"] and fields["jenjang"]["required"]
    assert fields["npsn"]["max_length"] == 16 and fields["daya_tampung"]["minimum"] == 0
    assert form["kind"] == "point" and form["create"] and form["delete"] and form["history"]
    assert edit_form(schools, with_roles("user:warga", "citizen")) is None
    assert edit_form(schools, with_roles("user:perencana", "planner")) is None
    # A workflow's state is read-only; a row rule narrows the agency to the staff member's own.
    complaints = edit_form(get_registry().get("complaints"), staff)
    fields = {f["name"]: f for f in complaints["fields"]}
    assert fields["status"]["readonly"] and not fields["description"]["readonly"]
    assert fields["agency"]["allowed"] == ["DPKPPR"]
    assert not complaints["create"] and not complaints["delete"]
    # On a layer anyone reads (the city's assets), the agency is still narrowed to the one they may write.
    assets = edit_form(get_registry().get("assets_areas"), staff)
    assert {f["name"]: f for f in assets["fields"]}["agency"]["allowed"] == ["DPKPPR"]


def test_only_writers_get_the_editor(editing_app: Flask) -> None:
    anonymous = editing_app.test_client()
    assert anonymous.get("/peta/layers.json").get_json()["editor"] is None
    answer = anonymous.get("/peta/edit.json").get_json()
    assert answer["layers"] == [] and answer["csrf_token"] is None
    citizen = _client(editing_app, ["citizen"])
    assert citizen.get("/peta/layers.json").get_json()["editor"] is None
    assert citizen.get("/peta/edit.json").get_json()["layers"] == []
    staff = _client(editing_app, ["staff"], ["DPKPPR"])
    editor = staff.get("/peta/layers.json").get_json()["editor"]
    assert re.match(r"^/peta/edit\.js\?v=[0-9a-f]{12}$", editor["script"])
    script = staff.get(editor["script"])
    assert script.status_code == 200 and b"leaflet-geoman" in script.data and b"Medan.startEditor" in script.data
    assert all(staff.get(href).status_code == 200 for href in editor["styles"])
    answer = staff.get("/peta/edit.json")
    assert answer.headers["Cache-Control"].startswith("no-store")
    ids = {form["id"] for form in answer.get_json()["layers"]}
    assert {"schools", "health_facilities", "transit_stops", "complaints"} <= ids
    assert "flood_hazard_zones" not in ids and "kelurahan" not in ids
    assert answer.get_json()["csrf_token"] and answer.get_json()["ui"]["en"]["save"] == "Save"


def test_history_as_json_and_restore_as_json(editing_app: Flask) -> None:
    engine = editing_app.extensions["engine"]
    npsn = f"T{uuid.uuid4().hex[:8]}"
    (fid,) = insert_features(engine, "schools", [{"type": "Feature", "geometry": {"type": "Point", "coordinates": KESAWAN},
                             "properties": {"npsn": npsn, "nama": "SD Uji", "jenjang": "SD", "status": "Negeri"}}],
                             actor="test:setup")
    update_feature(engine, "schools", fid, {"type": "Feature", "properties": {"nama": "SD Uji Baru"}},
                   actor="test:other", partial=True)
    staff = _client(editing_app, ["staff"], ["DPKPPR"])
    history = staff.get(f"/admin/history/schools/{fid}?f=json").get_json()
    assert [v["version"] for v in history["versions"]] == [2, 1] and history["may_restore"]
    assert history["versions"][0]["changes"] == [{"name": "nama", "old": "SD Uji", "new": "SD Uji Baru"}]
    assert history["versions"][0]["actor"] == "test:other"
    first = history["versions"][1]["id"]
    token = staff.get("/peta/edit.json").get_json()["csrf_token"]
    url = f"/admin/history/schools/{fid}/restore/{first}"
    unconfirmed = staff.post(url, json={"confirm": "yes please"}, headers={"X-CSRFToken": token})
    assert unconfirmed.status_code == 400 and get_feature(engine, "schools", fid)["properties"]["nama"] == "SD Uji Baru"
    restored = staff.post(url, json={"confirm": True}, headers={"X-CSRFToken": token})
    assert restored.status_code == 200 and restored.get_json()["version"] == 3 and restored.headers["ETag"] == '"v3"'
    assert get_feature(engine, "schools", fid)["properties"]["nama"] == "SD Uji"
    latest = staff.get(f"/admin/history/schools/{fid}?f=json").get_json()["versions"][0]
    assert latest["version"] == 3 and latest["actor"].startswith("user:")
    # A citizen reaches neither the history nor the restore.
    citizen = _client(editing_app, ["citizen"])
    assert citizen.get(f"/admin/history/schools/{fid}?f=json").status_code == 403
