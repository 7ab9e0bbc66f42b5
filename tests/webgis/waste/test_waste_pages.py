"""The waste fee pages over HTTP on a real PostGIS: lookup by customer number, the months with the
payer's name masked, paying with the form token, the JSON API, a citizen's own accounts."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import Engine, text

from services.waste import billing
from tests.helpers.accounts import PASSWORD, login
from tests.helpers.database import own_database, settings_for
from webgis.accounts import manage


@pytest.fixture(scope="module")
def waste_site(server_url: str, template_database_url: str) -> Iterator[tuple[Flask, Engine]]:
    from layers.db import engine_for
    from webgis.app import create_app

    with own_database(server_url, template_database_url) as url:
        engine = engine_for(url)
        billing.issue_month(engine, "2026-11")
        app = create_app(settings_for(url, api_token="test-token"))
        app.config["TESTING"] = True
        yield app, engine


def test_lookup_by_number_masks_the_payer_and_refuses_a_malformed_number(waste_site: tuple[Flask, Engine]) -> None:
    app, engine = waste_site
    client = app.test_client()
    with engine.connect() as conn:
        name = conn.execute(text("SELECT nama FROM waste.retribusi WHERE nomor_pelanggan = 'RS-000002'")).scalar_one()
    answer = client.get("/retribusi-sampah", query_string={"nomor": "rs 000002"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/retribusi-sampah/RS-000002")
    html = client.get("/retribusi-sampah/RS-000002").get_data(as_text=True)
    assert name not in html and 'data-period="2026-11" data-state="overdue"' in html
    assert client.get("/retribusi-sampah?nomor=123x").status_code == 400
    missing = client.get("/retribusi-sampah/RS-999999")
    assert missing.status_code == 404 and "Tidak ada tagihan" in missing.get_data(as_text=True)
    api = client.get("/api/retribusi-sampah/RS-000002").json
    assert api["bulan"][0]["periode"] == "2026-11" and api["bulan"][0]["terlambat"]
    assert client.get("/api/retribusi-sampah/xyz").status_code == 400


def test_paying_needs_the_form_token_and_opens_the_months_bill(waste_site: tuple[Flask, Engine]) -> None:
    app, engine = waste_site
    client = app.test_client()
    assert client.post("/retribusi-sampah/RS-000003/2026-11/bayar", data={"x": "1"}).status_code == 400
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/retribusi-sampah/RS-000003").get_data(as_text=True)).group(1)
    answer = client.post("/retribusi-sampah/RS-000003/2026-11/bayar", data={"csrf_token": token})
    assert answer.status_code == 303 and "/tagihan/" in answer.headers["Location"]
    with engine.connect() as conn:
        amount = conn.execute(text("SELECT amount FROM payments.bills WHERE case_ref = 'RS-000003/2026-11'")).scalar_one()
        fee = conn.execute(text("SELECT jumlah FROM waste.retribusi WHERE nomor_pelanggan = 'RS-000003'")).scalar_one()
    assert amount == fee
    assert client.post("/retribusi-sampah/RS-000003/2001-01/bayar", data={"csrf_token": token}).status_code == 404
    bad = client.post("/retribusi-sampah/RS-000003/2026-13/bayar", data={"csrf_token": token})
    assert bad.status_code == 400 and "tahun-bulan" in bad.get_data(as_text=True)


def test_a_citizen_sees_the_accounts_of_their_login(waste_site: tuple[Flask, Engine]) -> None:
    app, engine = waste_site
    username = f"rs{uuid.uuid4().hex[:6]}"
    user = manage.create_user(engine, "test", None, username, PASSWORD, roles=["citizen"])
    with engine.begin() as conn:
        conn.execute(text("UPDATE layers.waste_customers SET akun_wr = :a WHERE nomor_pelanggan = 'RS-000004'"),
                     {"a": f"user:{user.id}"})
    client = app.test_client()
    login(client, username, PASSWORD)
    mine = client.get("/retribusi-sampah").get_data(as_text=True)
    assert 'id="waste-mine"' in mine and "RS-000004" in mine and "RS-000005" not in mine


def test_the_services_page_leads_to_the_taxes_and_fees(waste_site: tuple[Flask, Engine]) -> None:
    app, _ = waste_site
    html = app.test_client().get("/layanan").get_data(as_text=True)
    assert 'href="/pbb"' in html and 'href="/retribusi-sampah"' in html and "Pajak dan retribusi" in html
    assert "Taxes and fees" in app.test_client().get("/layanan?lang=en").get_data(as_text=True)
