"""SIMPEG on the web: who sees a person's figures (the person, their head, admins) and who is refused
(a colleague, another agency's head, the public); the public agency figures carry no person; the import API."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, text

from services.simpeg import attendance
from tests.fixtures.simpeg import SimpegPeople
from tests.helpers.accounts import login
from tests.helpers.browser import launched_chromium, new_session, serving

ADMIN = {"Authorization": "Bearer test-token"}


def _as(app: Flask, username: str | None) -> FlaskClient:
    client = app.test_client()
    if username:
        assert login(client, username).status_code == 302
    return client


@pytest.fixture(scope="module")
def punched_today(simpeg_engine: Engine, simpeg_people: SimpegPeople) -> datetime:
    """The person punched in this morning (WIB), so today's page has something to show."""
    now = datetime.now(attendance.WIB)
    at = now.replace(hour=7, minute=41, second=0, microsecond=0)
    while at > now or at.weekday() >= 5:  # the latest working-day morning that has passed
        at -= timedelta(days=1)
    with simpeg_engine.begin() as conn:
        pin = conn.execute(text("SELECT pin FROM simpeg.staff WHERE nip = :n"), {"n": simpeg_people.person_nip}).scalar()
        conn.execute(text("INSERT INTO devices.attendance_punches (machine, pin, punched_at, direction, seq) "
                          "VALUES ('TEST-WEB', :p, :t, 0, 1) ON CONFLICT DO NOTHING"), {"p": pin, "t": at})
    return at


def test_the_person_their_head_and_admins_see_individual_figures(simpeg_app: Flask,
                                                                 simpeg_people: SimpegPeople) -> None:
    nip = simpeg_people.person_nip
    own = _as(simpeg_app, "pegawai").get("/api/simpeg/pegawai/" + nip)
    assert own.status_code == 200 and own.get_json()["pegawai"]["nip"] == nip
    assert _as(simpeg_app, "pegawai").get("/simpeg/saya").status_code == 200
    assert _as(simpeg_app, "kepala").get("/api/simpeg/pegawai/" + nip).status_code == 200
    assert simpeg_app.test_client().get("/api/simpeg/pegawai/" + nip, headers=ADMIN).status_code == 200
    head_page = _as(simpeg_app, "kepala").get("/api/simpeg/instansi/KELURAHAN")
    assert head_page.status_code == 200 and len(head_page.get_json()["pegawai_hari_itu"]) == 151 * 8


def test_a_colleague_another_agencys_head_and_the_public_are_refused(simpeg_app: Flask,
                                                                     simpeg_people: SimpegPeople) -> None:
    nip = simpeg_people.person_nip
    for username in ("rekan", "kepala_lain"):  # as if there were no such person
        for path in (f"/api/simpeg/pegawai/{nip}", f"/simpeg/pegawai/{nip}"):
            response = _as(simpeg_app, username).get(path)
            assert response.status_code == 404, (username, path)
            assert nip not in response.get_data(as_text=True).replace(f"NIP {nip}", "")
    anonymous = simpeg_app.test_client()
    assert anonymous.get(f"/api/simpeg/pegawai/{nip}").status_code == 401
    assert anonymous.get("/simpeg/saya").status_code == 401
    for who in ("rekan", "kepala_lain"):
        assert _as(simpeg_app, who).get("/api/simpeg/instansi/KELURAHAN").status_code == 403
        assert _as(simpeg_app, who).get("/simpeg/instansi/KELURAHAN").status_code == 403
    assert anonymous.get("/api/simpeg/instansi/KELURAHAN").status_code == 401
    assert _as(simpeg_app, "kepala_lain").get("/api/simpeg/instansi/KECAMATAN").status_code == 200


def test_public_figures_are_per_agency_and_name_nobody(simpeg_app: Flask, simpeg_engine: Engine,
                                                       punched_today: datetime) -> None:
    month = punched_today.strftime("%Y-%m")
    body = simpeg_app.test_client().get(f"/api/kehadiran?bulan={month}")
    assert body.status_code == 200
    rows = body.get_json()["instansi"]
    assert {r["instansi"] for r in rows} >= {"KECAMATAN", "KELURAHAN"}
    day = [r for r in rows if r["instansi"] == "KELURAHAN" and r["tanggal"] == punched_today.date().isoformat()]
    assert day and day[0]["hadir"] >= 1 and day[0]["pegawai"] == 151 * 8
    text_of_answers = body.get_data(as_text=True) + simpeg_app.test_client().get(
        f"/kehadiran?bulan={month}").get_data(as_text=True)
    with simpeg_engine.connect() as conn:
        people = conn.execute(text("SELECT nip, nama FROM simpeg.staff")).all()
    assert not [p for p in people if p.nip in text_of_answers or p.nama in text_of_answers]


def test_bad_input_is_a_clear_400(simpeg_app: Flask, simpeg_people: SimpegPeople) -> None:
    response = simpeg_app.test_client().get("/api/kehadiran?bulan=2026-13")
    assert response.status_code == 400 and "YYYY-MM" in response.get_json()["description"]
    bad = b"nip,nama,jabatan,instansi,kantor,pin\n123,Ani,Analis,DLH,SKPD-DLH,1\n"
    response = simpeg_app.test_client().post("/api/simpeg/pegawai/impor", headers=ADMIN,
                                             data={"berkas": (io.BytesIO(bad), "p.csv")},
                                             content_type="multipart/form-data")
    assert response.status_code == 400 and "18" in response.get_json()["baris"]["2"][0]
    refused = _as(simpeg_app, "kepala").post("/api/simpeg/pegawai/impor", data={})
    assert refused.status_code in (400, 403)  # a head is no admin (400: a session post without a CSRF token)


@pytest.mark.browser
def test_in_chromium_the_person_their_head_and_the_public(simpeg_app: Flask, simpeg_people: SimpegPeople,
                                                          punched_today: datetime) -> None:
    from tests.helpers.accounts import PASSWORD

    with serving(simpeg_app) as base, launched_chromium() as chromium:
        def logged_in(username: str, next_url: str):  # noqa: ANN202
            session = new_session(chromium, base, viewport={"width": 390, "height": 844})
            page = session.page
            page.goto(f"{base}/login?next={next_url}")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", PASSWORD)
            page.click("main form button[type=submit]")
            return session

        person = logged_in("pegawai", f"/simpeg/saya?bulan={punched_today:%Y-%m}")
        person.page.wait_for_selector("#simpeg-days")
        status = person.page.locator(f'#simpeg-days tr:has(td:text-is("{punched_today.date().isoformat()}"))')
        assert status.get_attribute("data-status") == "terlambat"
        assert "07:41" in status.inner_text()

        head = logged_in("kepala", f"/simpeg/instansi/KELURAHAN?tanggal={punched_today.date().isoformat()}")
        head.page.wait_for_selector("#simpeg-staff-day")
        assert head.page.locator("#simpeg-staff-day tbody tr").count() == 151 * 8
        head.page.click(f'#simpeg-staff-day a[href*="{simpeg_people.person_nip}"]')
        head.page.wait_for_selector("#simpeg-person")
        assert simpeg_people.person_nip in head.page.locator("#simpeg-person").inner_text()

        other = logged_in("kepala_lain", "/simpeg/instansi/KELURAHAN")
        assert other.page.locator("#simpeg-staff-day").count() == 0

        public = new_session(chromium, base)
        public.page.goto(f"{base}/kehadiran?bulan={punched_today:%Y-%m}&lang=en")
        row = public.page.locator(f'#simpeg-figures tr[data-agency="KELURAHAN"][data-date="{punched_today.date()}"]')
        assert row.count() == 1 and "1208" in row.inner_text()
        assert "Staff attendance per agency" in public.page.locator("h1").inner_text()
        assert person.errors == [] and head.errors == [] and public.errors == []
