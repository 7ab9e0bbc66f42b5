"""Bad reports get a clear 4xx in the spec's error format, and nothing is stored: no row, no file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.helpers.complaints import INSIDE, OUTSIDE, image_bytes, post_report


def _counts(app) -> tuple[int, int]:  # noqa: ANN001
    with app.extensions["engine"].connect() as conn:
        return (conn.execute(text("SELECT count(*) FROM layers.complaints")).scalar_one(),
                conn.execute(text("SELECT count(*) FROM layers.complaints_public")).scalar_one())


@pytest.mark.parametrize(("fields", "status", "says"), [
    (OUTSIDE, 400, "outside Kota Medan"),
    ({"lat": None, "long": None}, 400, "lat"),
    ({"lat": "nan", "long": "98.67"}, 400, "WGS 84"),
    ({"service_code": "POTHOLE"}, 400, "unknown service"),
    ({"service_code": None}, 400, "service_code"),
    ({"description": "x" * 4001}, 400, "at most 4000"),
    ({"attribute[KONDISI]": None}, 400, "attribute[KONDISI]: required"),
    ({"attribute[KONDISI]": "meledak"}, 400, "is not one of"),
    ({"attribute[WARNA]": "merah"}, 400, "not an attribute"),
    ({"email": "not-an-email"}, 400, "email"),
    ({"media": b"%PDF-1.7 not a photo" * 100}, 400, "not a JPEG, PNG or WebP"),
    ({"media": b"\xff\xd8\xff\xe0" + b"\x00" * 5000}, 400, "damaged"),
    ({"media": b"\xff\xd8\xff" + b"\x00" * (5 * 1024 * 1024)}, 413, "5 MB"),  # one photo 3 bytes too many
    ({"media": b"\xff\xd8\xff" + b"\x00" * (50 * 1024 * 1024)}, 413, "5 MB"),
])
def test_refused_with_a_clear_error_and_nothing_stored(web, complaints_app, upload_dir: Path,  # noqa: ANN001
                                                       fields: dict, status: int, says: str) -> None:
    before, files = _counts(complaints_app), sorted(upload_dir.iterdir())
    for fmt in ("json", "xml"):
        sent = {**fields, "media": (io.BytesIO(fields["media"]), "foto.jpg")} if "media" in fields else fields
        response = post_report(web, fmt=fmt, **sent)
        assert response.status_code == status, response.data[:300]
        if fmt == "json":
            errors = response.get_json()
            assert all(e["code"] == status for e in errors)
            assert any(says in e["description"] for e in errors), errors
        else:
            assert b"<errors><error><code>" + str(status).encode() in response.data
    assert _counts(complaints_app) == before
    assert sorted(upload_dir.iterdir()) == files


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_real_photo_is_stored_outside_the_web_root_and_served_to_staff_only(
        web, upload_dir: Path, staff_token, fmt: str) -> None:  # noqa: ANN001
    response = post_report(web, media=(io.BytesIO(image_bytes(fmt)), "../../etc/passwd"))
    assert response.status_code == 200, response.data
    rid = response.get_json()[0]["service_request_id"]
    stored = [p for p in upload_dir.iterdir() if p.read_bytes() == image_bytes(fmt)]
    assert stored and all(len(p.stem) == 32 and "passwd" not in p.name for p in stored)
    assert "static" not in str(upload_dir)
    staff = {"Authorization": f"Bearer {staff_token('staff', agencies=('DPKPPR',))}"}
    (record,) = web.get(f"/open311/v2/requests/{rid}.json", headers=staff).get_json()
    photo = web.get(record["media_url"].replace("http://localhost", ""), headers=staff)
    assert photo.status_code == 200 and photo.data == image_bytes(fmt)
    assert web.get(record["media_url"].replace("http://localhost", "")).status_code == 401


def test_submissions_are_rate_limited_per_address_when_anonymous_and_per_key_otherwise(
        complaints_app, staff_token) -> None:  # noqa: ANN001
    """Issue 17: anonymous reports count per address (their own, larger limit: carrier-grade NAT);
    a report sent with an api_key counts against that key, whatever the address."""
    config = complaints_app.config
    config.update(COMPLAINT_RATE_LIMIT="1 per minute", COMPLAINT_RATE_LIMIT_PER_ADDRESS="2 per minute")
    try:
        client = complaints_app.test_client()
        form = {"service_code": "LAMPU_JALAN", **INSIDE, "attribute[KONDISI]": "mati"}

        def post(ip: str, **extra: str) -> int:
            return client.post("/open311/v2/requests.json", data={**form, **extra},
                               environ_base={"REMOTE_ADDR": ip}).status_code

        anonymous = [post("10.9.9.9") for _ in range(3)]
        other_address = post("10.9.9.10")
        key = staff_token("staff", agencies=("DPKPPR",))
        keyed = [post("10.9.9.9", api_key=key) for _ in range(2)]
        bad_key = post("10.9.9.11", api_key="mwg_not-a-token")
    finally:
        config.update(COMPLAINT_RATE_LIMIT="100000 per minute", COMPLAINT_RATE_LIMIT_PER_ADDRESS="100000 per minute")
    assert anonymous == [200, 200, 429]
    assert other_address == 200
    assert keyed == [200, 429]
    assert bad_key == 403  # an invented key buys no budget: counted per address, then refused by the view
