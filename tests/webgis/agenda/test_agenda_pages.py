"""/agenda, /api/agenda and /agenda.ics over the seeded agenda."""

from __future__ import annotations

import icalendar
from flask.testing import FlaskClient


def test_the_day_page_lists_public_events_in_bahasa_indonesia(client: FlaskClient) -> None:
    answer = client.get("/agenda?tanggal=2026-12-08")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Agenda Pemerintah Kota Medan" in html
    assert 'data-sifat="publik"' in html and 'data-sifat="internal"' not in html


def test_a_bad_date_gets_a_400_page_saying_what_was_wrong(client: FlaskClient) -> None:
    answer = client.get("/agenda?tanggal=kemarin")
    assert answer.status_code == 400 and "tanggal: format YYYY-MM-DD" in answer.get_data(as_text=True)
    assert client.get("/api/agenda?tampilan=tahun").status_code == 400


def test_internal_events_reach_the_organising_agency_through_its_token(client: FlaskClient) -> None:
    week = client.get("/api/agenda?tanggal=2026-12-07&tampilan=minggu").get_json()["features"]
    admin = client.get("/api/agenda?tanggal=2026-12-07&tampilan=minggu",
                       headers={"Authorization": "Bearer test-token"}).get_json()["features"]
    assert {f["properties"]["sifat"] for f in week} == {"publik"}
    assert "internal" in {f["properties"]["sifat"] for f in admin}


def test_the_ics_feed_is_text_calendar(client: FlaskClient) -> None:
    answer = client.get("/agenda.ics")
    assert answer.status_code == 200 and answer.mimetype == "text/calendar"
    assert icalendar.Calendar.from_ical(answer.data)["prodid"].startswith("-//Pemerintah Kota Medan")
