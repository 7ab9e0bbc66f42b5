"""A hospital reports its beds through the API with its own token: scoped to that hospital, refused
whole when any line is wrong, refused when revoked; the token itself is kept only as a hash."""

from __future__ import annotations

import uuid

from flask import Flask
from sqlalchemy import Engine, text

from services.sirs import tokens
from tests.helpers.accounts import PASSWORD, csrf_token, login
from webgis.accounts import manage

RS_A, RS_B = "R1275644", "R1275750"  # RS Umum Melati, RS Umum Prof. Dr. Boloni (Kemenkes 2019)
GOOD = {"tempat_tidur": [{"kelas": "ICU", "kapasitas": 12, "tersedia": 5}, {"kelas": "III", "kapasitas": 40,
                                                                               "tersedia": 0}]}


def _state(engine: Engine, kode: str) -> tuple[list, int]:
    with engine.connect() as conn:
        beds = conn.execute(text("SELECT kelas, kapasitas, tersedia FROM sirs.beds WHERE kode_faskes = :k "
                                 "ORDER BY kelas"), {"k": kode}).all()
        reports = conn.execute(text("SELECT count(*) FROM sirs.bed_reports WHERE kode_faskes = :k"),
                               {"k": kode}).scalar_one()
    return [tuple(b) for b in beds], reports


def _put(app: Flask, kode: str, body: object, secret: str | None):  # noqa: ANN202
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    return app.test_client().put(f"/api/sirs/rs/{kode}/tempat-tidur", json=body, headers=headers)


def test_a_hospital_reports_its_own_beds_and_they_are_public(sirs_app: Flask, sirs_engine: Engine) -> None:
    issued = tokens.issue(sirs_engine, RS_A, label="SIMRS Melati", actor="test")
    before = _state(sirs_engine, RS_A)[1]
    response = _put(sirs_app, RS_A, GOOD, issued.secret)
    assert response.status_code == 200, response.get_json()
    beds, reports = _state(sirs_engine, RS_A)
    assert ("ICU", 12, 5) in beds and ("III", 40, 0) in beds
    assert reports == before + 2  # both lines kept in the history
    found = sirs_app.test_client().get("/api/sirs/tempat-tidur?kelas=ICU").get_json()
    melati = next(h for h in found["rumah_sakit"] if h["kode_faskes"] == RS_A)
    assert {"kelas": "ICU", "kapasitas": 12, "tersedia": 5, "source": "dilaporkan"} in melati["tempat_tidur"]
    assert melati["basi"] is False
    with sirs_engine.connect() as conn:  # only the hash is stored, never the secret
        stored = conn.execute(text("SELECT token_sha256 FROM sirs.report_tokens WHERE id = :i"),
                              {"i": issued.id}).scalar_one()
        dump = conn.execute(text("SELECT string_agg(t::text, ' ') FROM sirs.report_tokens t")).scalar_one()
    assert stored == tokens.digest(issued.secret) and issued.secret not in dump


def test_a_token_of_one_hospital_cannot_report_for_another(sirs_app: Flask, sirs_engine: Engine) -> None:
    issued = tokens.issue(sirs_engine, RS_A, label="SIMRS Melati", actor="test")
    before = _state(sirs_engine, RS_B)
    response = _put(sirs_app, RS_B, GOOD, issued.secret)
    assert response.status_code == 403
    assert RS_A in response.get_json()["description"] and RS_B in response.get_json()["description"]
    assert _state(sirs_engine, RS_B) == before


def test_a_bad_report_is_refused_whole_with_every_reason(sirs_app: Flask, sirs_engine: Engine) -> None:
    issued = tokens.issue(sirs_engine, RS_A, label="SIMRS Melati", actor="test")
    before = _state(sirs_engine, RS_A)
    bad = {"tempat_tidur": [{"kelas": "ICU", "kapasitas": 3, "tersedia": 1},          # good, yet not written
                            {"kelas": "III", "kapasitas": 10, "tersedia": 11},        # more free than beds
                            {"kelas": "KELAS-X", "kapasitas": 1, "tersedia": 0},      # no such class
                            {"kelas": "VIP", "kapasitas": -2, "tersedia": "dua"}]}    # not counts
    response = _put(sirs_app, RS_A, bad, issued.secret)
    assert response.status_code == 400
    message = response.get_json()["description"]
    for reason in ("baris 2 (III): tersedia 11 melebihi kapasitas 10", "baris 3: kelas 'KELAS-X' tidak dikenal",
                   "baris 4 (VIP): kapasitas", "baris 4 (VIP): tersedia"):
        assert reason in message, message
    assert _state(sirs_engine, RS_A) == before
    for body in ({}, {"tempat_tidur": []}, {"tempat_tidur": "ICU"}, [1, 2]):
        assert _put(sirs_app, RS_A, body, issued.secret).status_code == 400, body
    assert _state(sirs_engine, RS_A) == before


def test_missing_unknown_and_revoked_tokens_are_refused(sirs_app: Flask, sirs_engine: Engine) -> None:
    before = _state(sirs_engine, RS_A)
    issued = tokens.issue(sirs_engine, RS_A, label="lama", actor="test")
    tokens.revoke(sirs_engine, issued.id, actor="test")
    for secret in (None, "rsb_" + "x" * 43, issued.secret, "mwg_nottheplatformtoken"):
        response = _put(sirs_app, RS_A, GOOD, secret)
        assert response.status_code == 401, secret
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "dicabut" in _put(sirs_app, RS_A, GOOD, issued.secret).get_json()["description"]
    assert _state(sirs_engine, RS_A) == before
    assert _put(sirs_app, "R0000000", GOOD, issued.secret).status_code == 404  # no such hospital


def test_admins_issue_and_revoke_tokens_through_the_api(sirs_app: Flask, sirs_engine: Engine) -> None:
    admin = manage.create_user(sirs_engine, "test", None, f"adm{uuid.uuid4().hex[:6]}", PASSWORD, roles=["admin"])
    secret = manage.create_token(sirs_engine, "test", None, admin, "t", roles=["admin"]).secret
    client, auth = sirs_app.test_client(), {"Authorization": f"Bearer {secret}"}
    assert client.post(f"/api/sirs/rs/{RS_B}/token", json={}, headers=auth).status_code == 400
    made = client.post(f"/api/sirs/rs/{RS_B}/token", json={"label": "SIMRS Boloni"}, headers=auth)
    assert made.status_code == 201
    hospital_token = made.get_json()["token"]
    assert _put(sirs_app, RS_B, GOOD, hospital_token).status_code == 200
    listed = client.get(f"/api/sirs/token?kode_faskes={RS_B}", headers=auth).get_json()["token"]
    assert hospital_token not in str(listed) and listed[0]["prefix"] == hospital_token[:10]
    assert client.delete(f"/api/sirs/token/{made.get_json()['id']}", headers=auth).status_code == 200
    assert _put(sirs_app, RS_B, GOOD, hospital_token).status_code == 401
    assert client.post(f"/api/sirs/rs/{RS_B}/token", json={"label": "x"}).status_code == 401  # anonymous


def test_staff_report_on_the_form_only_for_their_hospital(sirs_app: Flask, sirs_engine: Engine) -> None:
    suffix = uuid.uuid4().hex[:6]
    own = manage.create_user(sirs_engine, "test", None, f"rsa{suffix}", PASSWORD, roles=["staff"],
                             agencies=[f"RS-{RS_A}"])
    other = manage.create_user(sirs_engine, "test", None, f"rsb{suffix}", PASSWORD, roles=["staff"],
                               agencies=[f"RS-{RS_B}"])
    form = f"/tempat-tidur/rs/{RS_A}/lapor"
    client = sirs_app.test_client()
    login(client, other.username)
    assert client.get(form).status_code == 403
    before = _state(sirs_engine, RS_A)
    refused = client.post(form, data={"csrf_token": csrf_token(client, "/account"), "kapasitas_ICU": "4",
                                      "tersedia_ICU": "1"})
    assert refused.status_code == 403 and _state(sirs_engine, RS_A) == before
    client = sirs_app.test_client()
    login(client, own.username)
    assert client.get(form).status_code == 200
    bad = client.post(form, data={"csrf_token": csrf_token(client, form), "kapasitas_ICU": "4", "tersedia_ICU": "9"})
    assert bad.status_code == 400 and "tersedia 9 melebihi kapasitas 4" in bad.get_data(as_text=True)
    assert _state(sirs_engine, RS_A) == before
    ok = client.post(form, data={"csrf_token": csrf_token(client, form), "kapasitas_ICU": "4", "tersedia_ICU": "2"})
    assert ok.status_code == 303
    assert ("ICU", 4, 2) in _state(sirs_engine, RS_A)[0]
