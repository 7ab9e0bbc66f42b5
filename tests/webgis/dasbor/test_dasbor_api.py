"""/api/dasbor: who may see the indicators (the declared audience), what bad parameters get, and
that the JSON shows the summary's figures with their provenance."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask

from tests.helpers.accounts import login
from webgis.accounts import manage


def _token(app: Flask, roles: list[str], agencies: list[str] = ()) -> str:  # type: ignore[assignment]
    engine = app.extensions["engine"]
    user = manage.create_user(engine, "test", None, f"d{uuid.uuid4().hex[:8]}", "x" * 12, roles=roles, agencies=agencies)
    return manage.create_token(engine, "test", None, user, "dasbor", roles=roles).secret


@pytest.mark.parametrize(("roles", "agencies", "status"), [
    ([], [], 401), (["citizen"], [], 403), (["staff"], ["DLH"], 403), (["operator"], [], 403),
    (["staff"], ["BAPPEDA"], 200), (["staff"], ["SETDA"], 200), (["planner"], [], 200), (["admin"], [], 200)])
def test_the_dashboard_is_for_planners_bappeda_setda_and_admins(indicators_app: Flask, roles: list[str],
                                                               agencies: list[str], status: int) -> None:
    headers = {"Authorization": f"Bearer {_token(indicators_app, roles, agencies)}"} if roles else {}
    client = indicators_app.test_client()
    for url in ("/api/dasbor/indikator", "/api/dasbor/indikator/permit_days",
                "/api/dasbor/indikator/permit_days/peta", "/api/dasbor/indikator/permit_days/asal"):
        assert client.get(url, headers=headers).status_code == status, url


def test_bad_parameters_get_a_clear_400_and_an_unknown_indicator_404(indicators_app: Flask) -> None:
    headers = {"Authorization": f"Bearer {_token(indicators_app, ['planner'])}"}
    client = indicators_app.test_client()
    for url, words in (("/api/dasbor/indikator/permit_days?kecamatan=DROP", "kecamatan"),
                       ("/api/dasbor/indikator/permit_days/peta?bulan=2026-13", "bulan"),
                       ("/api/dasbor/indikator/complaint_sla?skpd=x;y", "skpd")):
        answer = client.get(url, headers=headers)
        assert answer.status_code == 400 and words in answer.get_data(as_text=True), url
    assert client.get("/api/dasbor/indikator/no_such/asal", headers=headers).status_code == 404


def test_the_map_and_the_provenance_show_the_same_figure(indicators_app: Flask) -> None:
    headers = {"Authorization": f"Bearer {_token(indicators_app, ['planner'])}"}
    client = indicators_app.test_client()
    shapes = client.get("/api/dasbor/indikator/ppdb_acceptance/peta?bulan=2025-07", headers=headers).get_json()
    assert len(shapes["features"]) == 21 and shapes["month"] == "2025-07"
    shown = next(f["properties"] for f in shapes["features"] if f["properties"]["n"])
    proof = client.get(f"/api/dasbor/indikator/ppdb_acceptance/asal?kecamatan={shown['kode_kec']}&bulan=2025-07",
                       headers=headers).get_json()
    assert (proof["value"], proof["n"]) == (shown["value"], shown["n"])
    assert "ppdb_registrations" in proof["sql"]


def test_a_planner_logged_in_sees_the_page_and_a_staff_member_of_another_agency_does_not(indicators_app: Flask) -> None:
    engine = indicators_app.extensions["engine"]
    for roles, agencies, status in ((["planner"], [], 200), (["staff"], ["DLH"], 403)):
        user = manage.create_user(engine, "test", None, f"p{uuid.uuid4().hex[:8]}", "x" * 12, roles=roles,
                                  agencies=agencies)
        client = indicators_app.test_client()
        assert login(client, user.username, "x" * 12).status_code == 302
        answer = client.get("/dasbor")
        assert answer.status_code == status
        if status == 200:
            html = answer.get_data(as_text=True)
            assert 'data-indicator="complaint_sla"' in html and "Dasbor kinerja daerah" in html
