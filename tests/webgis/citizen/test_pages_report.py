"""The citizen complaint pages over HTTP: form -> tracking page, bad input re-renders the form, CSRF, support."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from tests.helpers.complaints import INSIDE, OUTSIDE, image_bytes

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def _token(web: Any, page: str = "/lapor") -> str:
    match = CSRF_FIELD.search(web.get(page).get_data(as_text=True))
    assert match, f"no CSRF token on {page}"
    return match.group(1)


def _form(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"service_code": "LAMPU_JALAN", "lat": INSIDE["lat"], "long": INSIDE["long"],
                            "attr-LAMPU_JALAN-KONDISI": "mati", "description": "Lampu gang mati sejak Senin."}
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def _post(web: Any, token: str | None = "fetch", **fields: Any) -> Any:
    data = _form(**fields)
    if token == "fetch":
        token = _token(web)
    if token is not None:
        data["csrf_token"] = token
    return web.post("/lapor", data=data, content_type="multipart/form-data")


def _counts(app: Any) -> tuple[int, int]:
    with app.extensions["engine"].connect() as conn:
        return (conn.execute(text("SELECT count(*) FROM layers.complaints")).scalar_one(),
                conn.execute(text("SELECT count(*) FROM layers.complaints_public")).scalar_one())


def _row(app: Any, service_request_id: str) -> dict[str, Any]:
    with app.extensions["engine"].connect() as conn:
        return dict(conn.execute(text("SELECT * FROM layers.complaints WHERE service_request_id = :id"),
                                 {"id": service_request_id}).mappings().one())


def test_the_form_lists_the_categories_with_their_attributes_and_has_no_inline_script(web) -> None:  # noqa: ANN001
    response = web.get("/lapor")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'lang="id"' in html and "Kirim laporan" in html
    assert 'value="BANJIR"' in html and 'name="attr-BANJIR-KEDALAMAN_CM"' in html
    assert 'name="attr-JALAN_RUSAK-JENIS_KERUSAKAN"' in html and 'value="lubang"' in html
    assert CSRF_FIELD.search(html)
    # Strict CSP: every script is a file from this server, no inline code or handler.
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == [] and " onclick=" not in html
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    english = web.get("/lapor?lang=en").get_data(as_text=True)
    assert 'lang="en"' in english and "Send the report" in english and "Damaged road" in english


def test_a_report_from_the_form_gets_a_tracking_number_and_a_status_page(web, complaints_app) -> None:  # noqa: ANN001
    before = _counts(complaints_app)
    response = _post(web, media=(io.BytesIO(image_bytes("PNG")), "lampu.png"), email="ani@example.org",
                     phone="0812 3456 7890", first_name="Ani")
    assert response.status_code == 303
    location = response.headers["Location"]
    match = re.search(r"/lapor/(MDN-[0-9A-Z]{8})\?baru=1$", location)
    assert match, location
    request_id = match.group(1)
    assert _counts(complaints_app) == (before[0] + 1, before[1] + 1)
    row = _row(complaints_app, request_id)
    # Through the Open311 intake: tagged, contact kept for staff, photo stored, the actor is the web form.
    assert row["service_code"] == "LAMPU_JALAN" and row["nama_kel"] and row["agency"] == "DPKPPR"
    assert row["contact_email"] == "ani@example.org" and row["media"].endswith(".png")
    assert row["attributes"] == '{"KONDISI": "mati"}'

    page = web.get(location)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'id="tracking-number" class="c-number">{request_id}<' in html
    assert 'data-status="open"' in html and "Baru diterima" in html and "Laporan Anda diterima" in html
    assert "(oleh warga)" in html  # the history: submitted by a citizen, no name
    for private in ("ani@example.org", "3456", "Ani", "Lampu gang mati"):
        assert private not in html
    assert "In progress" not in web.get(f"/lapor/{request_id}?lang=en").get_data(as_text=True)
    assert "Received" in web.get(f"/lapor/{request_id}?lang=en").get_data(as_text=True)


@pytest.mark.parametrize(("fields", "status", "says"), [
    (OUTSIDE, 400, "outside Kota Medan"),
    ({"lat": None, "long": None}, 400, "a location"),
    ({"lat": "utara", "long": "98.67"}, 400, "a location"),
    ({"service_code": "POTHOLE"}, 400, "unknown service"),
    ({"service_code": None}, 400, "unknown service"),
    ({"description": "x" * 4001}, 400, "at most 4000"),
    ({"attr-LAMPU_JALAN-KONDISI": None}, 400, "attribute[KONDISI]: required"),
    ({"attr-LAMPU_JALAN-KONDISI": "meledak"}, 400, "is not one of"),
    ({"email": "bukan-email"}, 400, "email"),
    ({"media": b"%PDF-1.7 not a photo" * 100}, 400, "not a JPEG, PNG or WebP"),
    ({"media": b"\xff\xd8\xff" + b"\x00" * (5 * 1024 * 1024)}, 413, "5 MB"),
    ({"media": b"\xff\xd8\xff" + b"\x00" * (50 * 1024 * 1024)}, 413, "5 MB"),
])
def test_bad_input_re_renders_the_form_with_the_reason_and_stores_nothing(  # noqa: ANN001
        web, complaints_app, upload_dir: Path, fields: dict, status: int, says: str) -> None:
    before, files = _counts(complaints_app), sorted(upload_dir.iterdir())
    sent = {**fields, "media": (io.BytesIO(fields["media"]), "foto.jpg")} if "media" in fields else fields
    response = _post(web, **{"description": "Lampu mati di gang buntu", **sent})
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert 'id="form-error"' in html and "Tidak ada yang disimpan" in html and says in html
    assert 'id="report-form"' in html  # the form again, ready to correct
    if "description" not in fields and len(fields.get("media", b"")) < 10 * 1024 * 1024:
        assert "Lampu mati di gang buntu" in html  # what the citizen typed is kept
    assert _counts(complaints_app) == before
    assert sorted(upload_dir.iterdir()) == files


def test_a_form_post_without_the_csrf_token_is_refused_and_stores_nothing(web, complaints_app) -> None:  # noqa: ANN001
    before = _counts(complaints_app)
    web.get("/lapor")  # a session exists, but the post does not carry its token
    assert _post(web, token=None).status_code == 400
    assert _post(web, token="forged-token").status_code == 400
    assert _counts(complaints_app) == before


def test_supporting_a_report_instead_of_filing_it_again(web, complaints_app) -> None:  # noqa: ANN001
    first = _post(web, lat="3.58401", long="98.66012", service_code="SAMPAH",
                  **{"attr-SAMPAH-HARI_TIDAK_DIANGKUT": "4"})
    request_id = re.search(r"(MDN-[0-9A-Z]{8})", first.headers["Location"]).group(1)
    # Someone else nearby sees it among the duplicates (the form's script asks Open311's extension).
    found = web.get("/open311/v2/duplicates.json?service_code=SAMPAH&lat=3.58405&long=98.66015").get_json()
    assert request_id in [d["service_request_id"] for d in found]
    before = _counts(complaints_app)
    response = web.post(f"/lapor/{request_id}/dukung", data={"csrf_token": _token(web, f"/lapor/{request_id}")})
    assert response.status_code == 303 and response.headers["Location"].endswith("didukung=1")
    assert _counts(complaints_app) == before  # support, not a second report
    assert _row(complaints_app, request_id)["supporters"] == 1
    html = web.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="supporters">1<' in html and "dukungan Anda tercatat" in html
    assert web.post(f"/lapor/{request_id}/dukung").status_code == 400  # no CSRF token
    assert _row(complaints_app, request_id)["supporters"] == 1


def test_a_closed_report_takes_no_support_and_unknown_numbers_are_404(web, complaints_app) -> None:  # noqa: ANN001
    with complaints_app.extensions["engine"].connect() as conn:
        closed = conn.execute(text("SELECT service_request_id FROM layers.complaints_public "
                                   "WHERE status = 'closed' LIMIT 1")).scalar_one()
    page = web.get(f"/lapor/{closed}").get_data(as_text=True)
    assert "Ditutup" in page and "/dukung" not in page
    response = web.post(f"/lapor/{closed}/dukung", data={"csrf_token": _token(web)})
    assert response.status_code == 409 and "takes no more support" in response.get_data(as_text=True)
    assert web.get("/lapor/MDN-ZZZZZZZZ").status_code == 404
    assert web.get("/lapor/'%20OR%201=1").status_code == 404


def test_english_stays_english_through_the_post_and_the_redirect(web) -> None:  # noqa: ANN001
    form = web.get("/lapor?lang=en").get_data(as_text=True)
    assert 'action="/lapor?lang=en"' in form and 'href="/ppdb?lang=en"' in form
    token = CSRF_FIELD.search(form).group(1)
    response = web.post("/lapor?lang=en", data={**_form(), "csrf_token": token}, content_type="multipart/form-data")
    assert response.status_code == 303 and response.headers["Location"].endswith("baru=1&lang=en")
    html = web.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your report was received" in html and 'lang="en"' in html
    refused = web.post("/lapor?lang=en", data={**_form(lat="3.0"), "csrf_token": token},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "The report was not sent" in refused and "Nothing was stored" in refused
