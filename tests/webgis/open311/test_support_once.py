"""One support per person (issue 16, item 7): an account counts once, an anonymous citizen once per
signed session cookie, through Open311 and the citizen page; the per-address rate limit stays."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from sqlalchemy import text

from tests.helpers.complaints import post_report


def _supporters(app: Flask, rid: str) -> int:
    with app.extensions["engine"].connect() as conn:
        return conn.execute(text("SELECT c.supporters FROM layers.complaints c JOIN layers.complaints_public p "
                                 "USING (service_request_id, supporters) WHERE service_request_id = :r"),
                            {"r": rid}).scalar_one()


def test_the_same_person_supports_a_report_once(complaints_app: Flask, web,  # noqa: ANN001
                                                staff_token: Callable[..., str]) -> None:
    (created,) = post_report(web).get_json()
    rid = created["service_request_id"]
    url = f"/open311/v2/requests/{rid}/support.json"
    citizen = complaints_app.test_client()
    assert citizen.post(url).status_code == 200
    again = citizen.post(url)
    assert again.status_code == 409 and "already support" in again.get_data(as_text=True)
    assert _supporters(complaints_app, rid) == 1
    assert complaints_app.test_client().post(url).get_json()[0]["supporters"] == 2  # another person
    token = {"Authorization": f"Bearer {staff_token('citizen')}"}
    assert complaints_app.test_client().post(url, headers=token).status_code == 200
    assert complaints_app.test_client().post(url, headers=token).status_code == 409  # the account, any client
    assert _supporters(complaints_app, rid) == 3


def test_the_citizen_page_says_a_second_support_is_not_counted(complaints_app: Flask, web) -> None:  # noqa: ANN001
    (created,) = post_report(web).get_json()
    rid = created["service_request_id"]
    citizen = complaints_app.test_client()
    page = citizen.get(f"/lapor/{rid}").get_data(as_text=True)
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    assert citizen.post(f"/lapor/{rid}/dukung", data={"csrf_token": csrf}).status_code == 303
    second = citizen.post(f"/lapor/{rid}/dukung", data={"csrf_token": csrf})
    assert second.status_code == 409 and "sudah mendukung" in second.get_data(as_text=True)
    assert _supporters(complaints_app, rid) == 1
