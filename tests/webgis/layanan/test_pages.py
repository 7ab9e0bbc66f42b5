"""The service pages as a browser's session sees them (no JavaScript): the citizen form and tracking page,
the staff desk's queue, case page and a refused step."""

from __future__ import annotations

import io
import json
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.accounts import PASSWORD, csrf_token, login
from tests.helpers.permits import AGENCY, PDF, pbg_fields, plot_in
from webgis.accounts import manage


def _session(app: Flask, *roles: str, agencies: tuple[str, ...] = ()) -> FlaskClient:
    username = f"p{uuid.uuid4().hex[:10]}"
    manage.create_user(app.extensions["engine"], "test", None, username, PASSWORD, roles=roles, agencies=agencies)
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


@pytest.fixture(scope="module")
def plot(complaints_app: Flask) -> dict:
    with complaints_app.extensions["engine"].connect() as conn:
        return plot_in(conn)


def test_the_form_is_indonesian_first_and_english_on_request(web: FlaskClient) -> None:
    page = web.get("/layanan/pbg").get_data(as_text=True)
    assert "Persetujuan Bangunan Gedung" in page and "Masuk" in page and 'name="floor_area_m2"' in page
    assert "Building approval (PBG)" in web.get("/layanan/pbg?lang=en").get_data(as_text=True)
    assert web.get("/layanan/tidak_ada").status_code == 404
    assert "Layanan online" in web.get("/layanan").get_data(as_text=True)


def test_a_refused_application_shows_the_form_again_with_the_reasons_and_entries(complaints_app: Flask,
                                                                                 plot: dict) -> None:
    client = _session(complaints_app, "citizen")
    token = csrf_token(client, "/layanan/pbg")
    data = {**pbg_fields(floors="dua", nama_pemohon="Rina"), "geometry": json.dumps(plot), "csrf_token": token,
            "site_plan": (io.BytesIO(PDF), "denah.pdf")}
    response = client.post("/layanan/pbg", data=data, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Jumlah lantai: harus bilangan bulat" in page and 'value="Rina"' in page
    assert json.dumps(plot)[:20].replace('"', "&#34;") in page  # the drawn plot is kept


def test_an_application_through_the_form_lands_on_its_tracking_page(complaints_app: Flask, plot: dict) -> None:
    client = _session(complaints_app, "citizen")
    data = {**pbg_fields(), "geometry": json.dumps(plot), "csrf_token": csrf_token(client, "/layanan/pbg"),
            "client_key": "formulir-0001", "site_plan": (io.BytesIO(PDF), "denah.pdf")}
    response = client.post("/layanan/pbg", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Permohonan diterima." in page and "Diajukan" in page and "Rp 1.890.000" in page
    assert " WIB" in page and " UTC" not in page  # stored in UTC, shown in Medan's time
    other = _session(complaints_app, "citizen")
    assert other.get(response.headers["Location"].split("?")[0]).status_code == 404


def test_the_desk_shows_an_agencys_cases_and_refuses_others(complaints_app: Flask) -> None:
    staff = _session(complaints_app, "staff", agencies=(AGENCY,))
    queue = staff.get("/meja/pbg").get_data(as_text=True)
    assert 'data-id="PBG-SEED0005"' in queue and "ILU-SEED0002" not in queue
    assert staff.get("/meja/").status_code == 200  # two services of DPMPTSP: the list
    case = staff.get("/meja/pbg/PBG-SEED0005")
    assert case.status_code == 200 and 'id="transition-form"' in case.get_data(as_text=True)
    elsewhere = _session(complaints_app, "staff", agencies=("DSDABMBK",))
    assert 'data-id=' not in elsewhere.get("/meja/pbg").get_data(as_text=True)
    assert elsewhere.get("/meja/pbg/PBG-SEED0005").status_code == 404
    assert _session(complaints_app, "citizen").get("/meja/pbg").status_code == 403


def test_a_step_the_workflow_does_not_allow_shows_the_case_again_with_the_reason(complaints_app: Flask) -> None:
    staff = _session(complaints_app, "staff", agencies=(AGENCY,))
    token = csrf_token(staff, "/meja/pbg/PBG-SEED0005")
    response = staff.post("/meja/pbg/PBG-SEED0005/transisi", data={"to": "issued", "csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "permohonan berstatus verified tidak dapat menjadi issued" in page
    assert 'data-status="verified"' in page
