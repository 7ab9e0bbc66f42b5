"""/arsip and /api/arsip: the page, filing a record with its file through the API, fetching it back."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.helpers.database import settings_for
from tests.helpers.permits import PDF
from webgis.app import create_app

ADMIN = {"Authorization": "Bearer test-token"}


def test_the_page_finds_public_records_by_word_in_bahasa_indonesia(client: FlaskClient) -> None:
    answer = client.get("/arsip?q=drainase")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Arsip Pemerintah Kota Medan" in html
    assert 'data-klasifikasi="publik"' in html and 'data-klasifikasi="rahasia"' not in html
    assert "drainase" in html


def test_bad_search_parameters_get_a_400_saying_what_was_wrong(client: FlaskClient) -> None:
    answer = client.get("/arsip?bbox=1,2,3")
    assert answer.status_code == 400 and "bbox: empat angka" in answer.get_data(as_text=True)
    assert client.get("/api/arsip?kelurahan=x").status_code == 400
    assert client.get("/api/arsip/lampiran").status_code == 400


def test_filing_through_the_api_then_reading_it_back(isolated_database_url: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBGIS_UPLOAD_DIR", str(tmp_path))
    app = create_app(settings_for(isolated_database_url, api_token="test-token"))
    client = app.test_client()
    form = {"nomor_naskah": "005/77/SETDA/2026", "judul": "Notulen rapat terbatas banjir rob", "jenis": "laporan",
            "tanggal": "2026-12-01", "agency": "SETDA", "klasifikasi": "rahasia", "kelas_retensi": "LAP",
            "tautan_layer": "kelurahan", "tautan_kunci": "12.71.21.1001", "berkas": (io.BytesIO(PDF), "x.exe")}
    answer = client.post("/api/arsip", data=form, headers=ADMIN, content_type="multipart/form-data")
    assert answer.status_code == 201, answer.get_data(as_text=True)
    code = answer.get_json()["kode_arsip"]
    found = client.get("/api/arsip?q=rob", headers=ADMIN).get_json()["features"]
    assert [f["id"] for f in found] == [code] and found[0]["properties"]["kode_kel"] == "12.71.21.1001"
    attached = client.get("/api/arsip/lampiran?lapisan=kelurahan&kunci=12.71.21.1001", headers=ADMIN).get_json()
    assert code in [f["id"] for f in attached["features"]]
    download = client.get(f"/api/arsip/{code}/berkas", headers=ADMIN)
    assert download.status_code == 200 and download.data == PDF and download.mimetype == "application/pdf"
    assert client.get(f"/api/arsip/{code}/berkas").status_code == 404  # the public: a confidential record is not there
    assert client.get("/api/arsip?q=rob").get_json()["features"] == []
    refused = client.post("/api/arsip", data={**form, "berkas": (io.BytesIO(b"MZ..."), "x.pdf")}, headers=ADMIN,
                          content_type="multipart/form-data")
    assert refused.status_code == 400
    assert client.get("/api/arsip/penyusutan", headers=ADMIN).status_code == 200
    assert client.get("/api/arsip/penyusutan").status_code == 401
