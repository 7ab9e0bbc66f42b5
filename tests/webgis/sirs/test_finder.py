"""Where is a free bed now: nearest first from a point, free beds of the class first, stale reports marked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import Engine

from services.sirs import finder
from services.sirs.reports import write_report
from services.sirs.rules import BedLine


def test_nearest_first_and_free_beds_of_the_class_first(sirs_app: Flask) -> None:
    client = sirs_app.test_client()
    listed = client.get("/api/sirs/tempat-tidur?lon=98.6785&lat=3.5906").get_json()["rumah_sakit"]
    distances = [h["jarak_m"] for h in listed]
    assert len(listed) == 43 and distances == sorted(distances)
    icu = client.get("/api/sirs/tempat-tidur?lon=98.6785&lat=3.5906&kelas=ICU").get_json()["rumah_sakit"]
    free = [any(b["kelas"] == "ICU" and b["tersedia"] > 0 for b in h["tempat_tidur"]) for h in icu]
    assert True in free and free == sorted(free, reverse=True)  # every hospital with a free ICU bed first


def test_bad_points_and_classes_are_400_in_bahasa_indonesia(sirs_app: Flask) -> None:
    client = sirs_app.test_client()
    for query, words in (("lon=abc&lat=3.5", "harus angka"), ("lon=106.8&lat=-6.2", "di luar Kota Medan"),
                         ("kelas=SUITE", "tidak dikenal")):
        response = client.get(f"/api/sirs/tempat-tidur?{query}")
        assert response.status_code == 400 and words in response.get_json()["description"], query
    assert client.get("/api/sirs/rs/R1275644/riwayat?hari=500").status_code == 400
    assert client.get("/api/sirs/rs/R0000000/riwayat").status_code == 404


def test_a_hospital_silent_longer_than_the_setting_is_stale(sirs_engine: Engine) -> None:
    now = datetime.now(UTC)
    # The seed leaves every seventh hospital silent for 30 hours: stale under the default 6 hours.
    listed = finder.hospitals(sirs_engine, stale_after=timedelta(hours=6), now=now)
    silent = [h for h in listed if h.stale]
    assert 1 <= len(silent) < len(listed)
    quiet = silent[0]
    assert timedelta(hours=30) <= now - quiet.last_report < timedelta(hours=34)  # reports every 4 hours
    patient = {h.kode_faskes: h for h in finder.hospitals(sirs_engine, stale_after=timedelta(hours=35), now=now)}
    assert not patient[quiet.kode_faskes].stale  # the setting decides
    with sirs_engine.begin() as conn:
        write_report(conn, quiet.kode_faskes, [BedLine("ICU", 6, 2)], actor="test", via="form",
                     at=now - timedelta(hours=1))
    again = {h.kode_faskes: h for h in finder.hospitals(sirs_engine, stale_after=timedelta(hours=6), now=now)}
    assert not again[quiet.kode_faskes].stale and again[quiet.kode_faskes].beds["ICU"]["tersedia"] == 2


def test_history_per_class_for_the_chart(sirs_app: Flask) -> None:
    data = sirs_app.test_client().get("/api/sirs/rs/R1275750/riwayat?hari=3").get_json()
    assert data["nama"] and data["seri"]
    for seri in data["seri"]:
        times = [p["waktu"] for p in seri["titik"]]
        assert times == sorted(times) and all(0 <= p["tersedia"] <= p["kapasitas"] for p in seri["titik"])
    page = sirs_app.test_client().get("/tempat-tidur/rs/R1275750")
    assert page.status_code == 200 and "Riwayat tempat tidur kosong" in page.get_data(as_text=True)


def test_bed_occupancy_indicator_per_kecamatan_and_city(sirs_engine: Engine) -> None:
    from datetime import date

    from services.sirs.indicators import occupancy_by_kecamatan

    today = datetime.now(UTC).date()
    with sirs_engine.connect() as conn:
        rows = occupancy_by_kecamatan(conn, start=date(today.year - 1, 1, 1), end=today)
    city = [r for r in rows if r["kode_kec"] is None]
    assert city and all(70 <= r["value"] <= 100 and r["n"] > 0 for r in city)  # the seed's 70-100 % occupancy
    assert {r["kode_kec"] for r in rows} - {None}  # kecamatan of the hospitals


def test_the_finder_speaks_bahasa_indonesia_first_and_english_on_request(sirs_app: Flask) -> None:
    client = sirs_app.test_client()
    page = client.get("/tempat-tidur").get_data(as_text=True)
    assert "Cari tempat tidur kosong" in page and "lebih dari 6.0 jam" in page
    english = client.get("/tempat-tidur?lang=en").get_data(as_text=True)
    assert "Find a free hospital bed" in english and "ICU (intensive care)" in english
