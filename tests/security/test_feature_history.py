"""Feature history pages and restore, through HTTP on a database of this module's own (restores change data).

cctv: read public, write operator/admin, private modbus_host/port/unit. An
operator may see every version (private values included) and restore; staff
may see the history without the private values and may not restore; a
citizen and the anonymous public may do neither.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import text

from layers import get_feature, update_feature
from tests.helpers.accounts import PASSWORD, audit_events, build_app, csrf_token, login
from webgis.accounts import manage

LAYER = "cctv"


@pytest.fixture(scope="module")
def history_app(server_url: str, template_database_url: str) -> Iterator[Flask]:
    from sqlalchemy.engine import make_url

    from geodata.cluster import drop_database, ensure_database

    name = f"medan_test_{uuid.uuid4().hex[:10]}"
    ensure_database(server_url, name, template=make_url(template_database_url).database)
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    app = build_app(url, LOGIN_RATE_LIMIT="10000 per minute", LOGIN_LOCKOUT_ATTEMPTS=1000)
    yield app
    app.extensions["engine"].dispose()
    drop_database(server_url, name)


def _user(app: Flask, role: str):  # noqa: ANN202
    return manage.create_user(app.extensions["engine"], "test", None, f"h{role}{uuid.uuid4().hex[:8]}", PASSWORD,
                              roles=[role])


def _client(app: Flask, role: str):  # noqa: ANN202
    client = app.test_client()
    assert login(client, _user(app, role).username).status_code == 302
    return client


@pytest.fixture
def edited(history_app: Flask) -> dict:
    """A cctv feature renamed and re-addressed by an operator: (fid, the original state, the history ids)."""
    engine = history_app.extensions["engine"]
    with engine.connect() as conn:
        fid = conn.execute(text("SELECT fid FROM layers.cctv ORDER BY random() LIMIT 1")).scalar_one()
    original = get_feature(engine, LAYER, fid, include_private=True)
    marker = uuid.uuid4().hex[:8]
    update_feature(engine, LAYER, fid, {"type": "Feature", "properties": {
        "nama": f"Nama baru {marker}", "modbus_host": f"10.9.{int(marker[:2], 16)}.7"}, "geometry": None},
        actor="user:op-setup", partial=True)
    with engine.connect() as conn:
        ids = conn.execute(text("SELECT id FROM core.feature_history WHERE layer = :l AND fid = :f ORDER BY id"),
                           {"l": LAYER, "f": fid}).scalars().all()
    return {"fid": fid, "original": original, "ids": ids, "marker": marker}


def test_an_operator_sees_every_version_with_a_diff_and_restores_one(history_app: Flask, edited: dict) -> None:
    engine, fid, original = history_app.extensions["engine"], edited["fid"], edited["original"]
    operator = _client(history_app, "operator")
    page = operator.get(f"/admin/history/{LAYER}/{fid}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    # The update's diff: old -> new of both changed properties, the private one included for a writer.
    assert original["properties"]["nama"] in body and f"Nama baru {edited['marker']}" in body
    assert original["properties"]["modbus_host"] in body
    assert "user:op-setup" in body and "geometry changed" in body
    before_edit = edited["ids"][-2]  # the entry whose state is the original
    assert f"/admin/history/{LAYER}/{fid}/restore/{before_edit}" in body

    confirm = operator.get(f"/admin/history/{LAYER}/{fid}/restore/{before_edit}")
    assert confirm.status_code == 200 and 'name="confirm" value="yes"' in confirm.get_data(as_text=True)

    # Without the CSRF token: refused, nothing changed.
    refused = operator.post(f"/admin/history/{LAYER}/{fid}/restore/{before_edit}", data={"confirm": "yes"})
    assert refused.status_code == 400
    assert get_feature(engine, LAYER, fid)["properties"]["nama"].startswith("Nama baru")
    # Without the confirmation: refused, nothing changed.
    token = csrf_token(operator, f"/admin/history/{LAYER}/{fid}/restore/{before_edit}")
    unconfirmed = operator.post(f"/admin/history/{LAYER}/{fid}/restore/{before_edit}", data={"csrf_token": token})
    assert unconfirmed.status_code == 400
    assert get_feature(engine, LAYER, fid)["properties"]["nama"].startswith("Nama baru")

    done = operator.post(f"/admin/history/{LAYER}/{fid}/restore/{before_edit}",
                         data={"csrf_token": token, "confirm": "yes"})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/admin/history/{LAYER}/{fid}")
    restored = get_feature(engine, LAYER, fid, include_private=True)
    assert restored["properties"]["nama"] == original["properties"]["nama"]
    assert restored["properties"]["modbus_host"] == original["properties"]["modbus_host"]
    assert restored["geometry"] == original["geometry"]
    # The restore is itself a version, by the operator, and an audit record.
    with engine.connect() as conn:
        last = conn.execute(text("SELECT actor, op FROM core.feature_history WHERE layer = :l AND fid = :f "
                                 "ORDER BY id DESC LIMIT 1"), {"l": LAYER, "f": fid}).one()
    assert last.op == "update" and last.actor.startswith("user:hoperator")
    record = audit_events(history_app, event="feature.restored", actor=last.actor)[0]
    assert record["details"]["layer"] == LAYER and record["details"]["fid"] == fid
    assert record["details"]["history_id"] == before_edit


def test_the_recent_changes_page_lists_the_layer_changes(history_app: Flask, edited: dict) -> None:
    page = _client(history_app, "operator").get(f"/admin/history/{LAYER}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert f'href="/admin/history/{LAYER}/{edited["fid"]}"' in body
    row = re.search(rf"<td>{edited['ids'][-1]}</td>.*?</tr>", body, re.S)
    assert row and "user:op-setup" in row.group(0) and "modbus_host" in row.group(0) and "nama" in row.group(0)


def test_staff_see_the_history_without_private_values_and_may_not_restore(history_app: Flask, edited: dict) -> None:
    staff = _client(history_app, "staff")
    page = staff.get(f"/admin/history/{LAYER}/{edited['fid']}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert f"Nama baru {edited['marker']}" in body  # a public property: shown
    assert "modbus_host" not in body and edited["original"]["properties"]["modbus_host"] not in body
    assert "/restore/" not in body
    recent = staff.get(f"/admin/history/{LAYER}").get_data(as_text=True)
    assert "modbus_host" not in recent
    url = f"/admin/history/{LAYER}/{edited['fid']}/restore/{edited['ids'][-2]}"
    assert staff.get(url).status_code == 403
    response = staff.post(url, data={"csrf_token": csrf_token(staff, "/account"), "confirm": "yes"})
    assert response.status_code == 403
    assert get_feature(history_app.extensions["engine"], LAYER, edited["fid"])["properties"]["nama"].startswith("Nama baru")


def test_citizens_and_the_public_are_refused_and_refusals_audited(history_app: Flask, edited: dict) -> None:
    fid, entry = edited["fid"], edited["ids"][-2]
    citizen = _client(history_app, "citizen")
    for url in (f"/admin/history/{LAYER}", f"/admin/history/{LAYER}/{fid}", f"/admin/history/{LAYER}/{fid}/restore/{entry}"):
        assert citizen.get(url).status_code == 403, url
    response = citizen.post(f"/admin/history/{LAYER}/{fid}/restore/{entry}",
                            data={"csrf_token": csrf_token(citizen, "/account"), "confirm": "yes"})
    assert response.status_code == 403 and "operator" in response.get_data(as_text=True)
    denied = [e for e in audit_events(history_app, event="access.denied")
              if e["details"].get("path") == f"/admin/history/{LAYER}/{fid}/restore/{entry}"
              and e["details"].get("method") == "POST"]
    assert denied and denied[0]["actor"].startswith("user:hcitizen")

    anonymous = history_app.test_client()
    assert anonymous.get(f"/admin/history/{LAYER}/{fid}").status_code == 401
    # A script without a token (JSON, no cookie: no CSRF check) is refused as unidentified.
    assert anonymous.post(f"/admin/history/{LAYER}/{fid}/restore/{entry}", json={"confirm": "yes"}).status_code == 401
    assert get_feature(history_app.extensions["engine"], LAYER, fid)["properties"]["nama"].startswith("Nama baru")


def test_a_layer_one_may_not_read_has_no_history_page(history_app: Flask) -> None:
    # complaints: read and write staff/admin; a planner may not read it, so it does not exist for them.
    planner = _client(history_app, "planner")
    response = planner.get("/admin/history/complaints")
    assert response.status_code == 404
    assert planner.get("/admin/history/no_such_layer").status_code == 404


def test_the_item_page_links_to_the_history_for_those_who_may_see_it(history_app: Flask, edited: dict) -> None:
    url = f"/collections/{LAYER}/items/{edited['fid']}?f=html"
    link = f'href="/admin/history/{LAYER}/{edited["fid"]}"'
    assert link in _client(history_app, "operator").get(url).get_data(as_text=True)
    assert link in _client(history_app, "staff").get(url).get_data(as_text=True)
    for client in (_client(history_app, "citizen"), history_app.test_client()):
        page = client.get(url)
        assert page.status_code == 200 and "/admin/history/" not in page.get_data(as_text=True)
