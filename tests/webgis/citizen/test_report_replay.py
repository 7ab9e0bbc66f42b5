"""Sending a kept report again over HTTP (issue 20 item 11): a fresh CSRF token from /lapor/token.json,
and the idempotency key makes a replay answer the report already filed instead of filing a second."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text

from tests.helpers.complaints import INSIDE


def _fresh_token(web: Any) -> str:
    response = web.get("/lapor/token.json")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    return response.get_json()["csrf_token"]


def _post(web: Any, key: str, token: str) -> Any:
    data = {"service_code": "LAMPU_JALAN", "lat": INSIDE["lat"], "long": INSIDE["long"],
            "attr-LAMPU_JALAN-KONDISI": "mati", "description": "Lampu mati, dikirim ulang dari ponsel.",
            "idempotency_key": key, "csrf_token": token}
    return web.post("/lapor", data=data, content_type="multipart/form-data")


def _count(app: Any) -> int:
    with app.extensions["engine"].connect() as conn:
        return conn.execute(text("SELECT count(*) FROM layers.complaints")).scalar_one()


def test_a_replayed_report_is_filed_once_and_answers_the_same_tracking_page(web, complaints_app) -> None:  # noqa: ANN001
    key, before = str(uuid.uuid4()), _count(complaints_app)
    first = _post(web, key, _fresh_token(web))
    assert first.status_code == 303 and "/lapor/MDN-" in first.headers["Location"]
    # The phone sends it again later from a new session (its cookie gone), with a token fetched then.
    web.delete_cookie("session")
    again = _post(web, key, _fresh_token(web))
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert _count(complaints_app) == before + 1


def test_a_token_from_token_json_is_accepted_and_a_stale_one_is_refused(web, complaints_app) -> None:  # noqa: ANN001
    before = _count(complaints_app)
    refused = _post(web, uuid.uuid4().hex, "ImYwN2Q.stale-token-from-a-cached-page")
    assert refused.status_code == 400 and _count(complaints_app) == before
    accepted = _post(web, uuid.uuid4().hex, _fresh_token(web))
    assert accepted.status_code == 303 and _count(complaints_app) == before + 1


def test_a_malformed_key_re_renders_the_form_with_the_reason(web, complaints_app) -> None:  # noqa: ANN001
    before = _count(complaints_app)
    response = _post(web, "kunci jelek", _fresh_token(web))
    assert response.status_code == 400 and "idempotency_key" in response.get_data(as_text=True)
    assert _count(complaints_app) == before


def test_open311_honours_the_idempotency_key_header(web, complaints_app) -> None:  # noqa: ANN001
    """An Open311 client retrying on a weak connection (Idempotency-Key, the IETF httpapi draft's header)."""
    headers, before = {"Idempotency-Key": uuid.uuid4().hex}, _count(complaints_app)
    form = {"service_code": "LAMPU_JALAN", "lat": INSIDE["lat"], "long": INSIDE["long"],
            "attribute[KONDISI]": "mati", "description": "Lampu mati, aplikasi mencoba lagi."}
    first = web.post("/open311/v2/requests.json", data=form, headers=headers)
    again = web.post("/open311/v2/requests.json", data=form, headers=headers)
    assert first.status_code == again.status_code == 200, first.get_data(as_text=True)
    assert again.get_json() == first.get_json() and _count(complaints_app) == before + 1
    bad = web.post("/open311/v2/requests.json", data=form, headers={"Idempotency-Key": "x"})
    assert bad.status_code == 400 and _count(complaints_app) == before + 1
