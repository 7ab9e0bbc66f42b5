"""The agencies' public profiles and the operators' network JSON over HTTP on a real PostGIS: what the
public sees (tasks, services linked, contact, offices, counts) and never sees (monitoring addresses);
unknown codes refused with the reason; operators only on the network."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import Engine, text

from services.skpd.agencies import get_agencies
from tests.helpers.accounts import PASSWORD, login
from tests.helpers.database import own_database, settings_for
from webgis.accounts import manage


@pytest.fixture(scope="module")
def site(server_url: str, template_database_url: str) -> Iterator[tuple[Flask, Engine]]:
    from layers.db import engine_for
    from webgis.app import create_app

    with own_database(server_url, template_database_url) as url:
        engine = engine_for(url)
        app = create_app(settings_for(url, api_token="test-token"))
        app.config["TESTING"] = True
        for name, role in (("skpd_operator", "operator"), ("skpd_warga", "citizen"), ("skpd_staf", "staff")):
            manage.create_user(engine, "test", None, name, PASSWORD, roles=[role])
        yield app, engine


def test_the_list_links_every_agency(site: tuple[Flask, Engine]) -> None:
    app, _ = site
    html = app.test_client().get("/skpd").get_data(as_text=True)
    assert html.count('data-agency="') == len(get_agencies())  # 25 since the library's DISPUSIP
    assert 'href="/skpd/DISKOMINFO"' in html and "Dinas Komunikasi dan Informatika" in html
    agencies = app.test_client().get("/api/skpd").get_json()["agencies"]
    kecamatan = next(a for a in agencies if a["code"] == "KECAMATAN")
    assert kecamatan["offices"] == 21 and next(a for a in agencies if a["code"] == "KELURAHAN")["offices"] == 151


def test_a_profile_shows_tasks_services_contact_offices_and_figures(site: tuple[Flask, Engine]) -> None:
    app, _ = site
    answer = app.test_client().get("/skpd/DPMPTSP")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "Pelayanan perizinan dan nonperizinan terpadu satu pintu" in html
    assert 'href="/layanan/pbg"' in html and 'href="/layanan/izin_lokasi_usaha"' in html
    assert "dpmptsp@skpd.medan.example" in html and "sintetis" in html
    assert 'data-figure="open"' in html and 'data-figure="on_time_share"' in html
    english = app.test_client().get("/skpd/DPMPTSP?lang=en").get_data(as_text=True)
    assert "Investment and One-Stop Integrated Services Office" in english and "Main tasks" in english
    bpbd = app.test_client().get("/skpd/BPBD").get_data(as_text=True)
    assert "Banjir / genangan" in bpbd and "hanya di Medan Belawan, Medan Labuhan, Medan Marelan" in bpbd


def test_the_city_hall_and_the_health_units_are_cited_not_synthetic(site: tuple[Flask, Engine]) -> None:
    app, _ = site
    setda = app.test_client().get("/api/skpd/SETDA").get_json()
    hall = setda["office_features"]["features"][0]
    assert hall["properties"]["lokasi"] == "alamat_publik" and hall["properties"]["source"] == "alamat-publik"
    assert "Kapten Maulana Lubis" in hall["properties"]["alamat"]
    assert hall["properties"]["nama_kel"] == "Petisah Tengah"
    dinkes = app.test_client().get("/api/skpd/DINKES").get_json()
    units = [f for f in dinkes["office_features"]["features"] if f["properties"]["jenis"] == "upt"]
    assert len(units) == 38 and {f["properties"]["source"] for f in units} == {"kemenkes-2019"}
    head = [f for f in dinkes["office_features"]["features"] if f["properties"]["jenis"] == "skpd"]
    assert [f["properties"]["source"] for f in head] == ["synthetic"]


def test_no_public_path_shows_a_monitoring_address(site: tuple[Flask, Engine]) -> None:
    app, _ = site
    client = app.test_client()
    for url in ("/api/skpd/KECAMATAN", "/api/skpd/DINKES", "/skpd/KELURAHAN", "/api/skpd"):
        text = client.get(url).get_data(as_text=True)
        assert "monitor_host" not in text and "10.71." not in text and "10.72." not in text, url
    items = client.get("/collections/offices/items?limit=5&f=json").get_json()
    assert items["features"] and all("monitor_host" not in f["properties"] for f in items["features"])
    assert client.get("/collections/network_links/items?f=json").status_code == 404  # staff and operators only


def test_unknown_or_odd_codes_are_refused_with_the_reason_and_lower_case_is_redirected(site: tuple[Flask, Engine]) -> None:
    app, _ = site
    client = app.test_client()
    missing = client.get("/skpd/DINASX", headers={"Accept": "text/html"})
    assert missing.status_code == 404 and "tidak dikenal" in missing.get_data(as_text=True)
    assert client.get("/api/skpd/%3Cscript%3E").status_code == 404
    moved = client.get("/skpd/dlh")
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/skpd/DLH")


def test_the_network_is_for_operators_with_their_addresses(site: tuple[Flask, Engine]) -> None:
    app, engine = site
    assert app.test_client().get("/operator/api/jaringan").status_code == 401
    citizen = app.test_client()
    login(citizen, "skpd_warga")
    assert citizen.get("/operator/api/jaringan").status_code == 403
    staff = app.test_client()
    login(staff, "skpd_staf")
    assert staff.get("/operator/api/jaringan").status_code == 403
    operator = app.test_client()
    login(operator, "skpd_operator")
    body = operator.get("/operator/api/jaringan").get_json()
    with engine.connect() as conn:
        offices = conn.execute(text("SELECT count(*) FROM layers.offices")).scalar_one()
    assert len(body["sites"]) == offices and len(body["links"]) == offices - 1  # each site linked once, a tree
    hall = next(s for s in body["sites"] if s["kode"] == "SKPD-SETDA")
    assert hall["address"] == "10.71.0.1:443" and hall["status"] == "unknown"
    assert {link["status"] for link in body["links"]} == {"unknown"}
    assert operator.get("/operator/api/jaringan/KC-12.71.01").get_json() == {"office": "KC-12.71.01", "probes": []}
    bad = operator.get("/operator/api/jaringan/KC-12.71.01?jam=999")
    assert bad.status_code == 400 and "jam" in json.dumps(bad.get_json())
    assert operator.get("/operator/api/jaringan/%3Cx%3E").status_code == 400
