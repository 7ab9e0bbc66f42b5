"""Every write route leaves an audit record when it succeeds and when it is refused for lack of rights.

Generated from the app's URL map, like the authorisation matrix: every
(endpoint, method) with POST/PUT/PATCH/DELETE needs a successful call in
SUCCESS or a reason in SUCCESS_EXEMPT, and is called by the anonymous public
and by a citizen's token; each 401/403 they get must have left an
access.denied (or token.refused) record naming the URL. Routes anyone may
call are listed in REFUSAL_EXEMPT with the reason. Runs on a database of its
own: the successful calls change data.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from geodata.cluster import drop_database, ensure_database
from tests.helpers.accounts import PASSWORD, build_app, csrf_token, login
from tests.helpers.routes import samples, urls
from webgis.accounts import audit, manage

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
CONFIG_TOKEN = {"Authorization": "Bearer test-token"}
POINT = {"type": "Point", "coordinates": [98.6722, 3.5952]}

# Anyone may call these; there is no "lack of rights" to refuse.
REFUSAL_EXEMPT = {
    ("accounts.login", "POST"): "the login form: the password decides (failures are audited, test_login.py)",
    ("accounts.logout", "POST"): "ending one's own session needs no right",
    ("open311.v2.create_request", "POST"): "citizens report without an account (Open311 GeoReport v2)",
    ("open311.v2.support", "POST"): "anyone may support a report",
    ("citizen.report", "POST"): "the citizens' report form: no account needed",
    ("citizen.support", "POST"): "anyone may support a report",
    ("umkm.contact", "POST"): "anyone may write to a verified business's seller (the owner's e-mail stays private)",
    ("layanan_api.site_check", "POST"): "anyone may check a drawn plot; it writes nothing",
    ("pbb.pay", "POST"): "anyone may pay a tax object's bill by its NOP, as at a bank counter",
    ("waste.pay", "POST"): "anyone may pay a waste fee by its customer number, as at a bank counter",
    ("payments.sandbox_pay", "POST"): "the sandbox gateway's own page, standing in for the payer's bank",
    ("payments_callback.callback", "POST"): "the gateway's callback: its HMAC signature decides (401 without), "
                                            "every callback is kept in payments.callbacks",
}
# Writes whose success cannot be staged here, with the reason; their refusals are still checked.
SUCCESS_EXEMPT = {
    ("operator.api_command", "POST"): "needs a live Modbus device; the view audits operator.command itself "
                                      "(tests/devices)",
    ("operator.api_ack", "POST"): "needs an open alarm from the poller; the view audits operator.alarm_ack itself",
    ("operator.api_shelve", "POST"): "needs an open alarm from the poller; the view audits operator.alarm_shelve "
                                     "itself (tests/devices/test_alarm_lifecycle.py)",
    ("operator.api_unshelve", "POST"): "needs a shelved alarm; the view audits operator.alarm_unshelve itself",
    ("layanan_api.site_check", "POST"): "writes nothing: the findings of a drawn plot",
    ("operator.api_adaptive_switch", "POST"): "turning the loop on needs fresh detector data from the poller; the "
                                              "view audits operator.adaptive_on/off itself "
                                              "(tests/webgis/operator/test_operator_adaptive.py)",
    **{("ppdb_online." + name, "POST"): "needs a PPDB round open in time (or closed, for allocating) with verified "
                                        "registrations; the view audits it itself (case.submitted, case.transition, "
                                        "ppdb.round, ppdb.allocate, ppdb.release; tests/webgis/ppdb stages a whole round)"
       for name in ("register", "reregister", "create_round", "allocate", "release")},
    ("payments.sandbox_pay", "POST"): "the sandbox gateway's page, standing in for the payer's bank: the "
                                      "platform's side of a payment is the callback (tests/webgis/payments)",
    ("payments_callback.callback", "POST"): "no principal: the gateway's signed callback; every callback, "
                                            "accepted or refused, is kept in payments.callbacks with its answer",
}


@dataclass
class World:
    app: Flask
    admin: FlaskClient  # an admin's logged-in browser
    admin_name: str
    operator_token: str
    cctv_fid: int
    complaint_id: str

    def json_client(self) -> FlaskClient:
        return self.app.test_client()


@pytest.fixture(scope="module")
def world(server_url: str, template_database_url: str) -> Iterator[World]:
    name = f"medan_test_{uuid.uuid4().hex[:10]}"
    ensure_database(server_url, name, template=make_url(template_database_url).database)
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    app = build_app(url, LOGIN_RATE_LIMIT="10000 per minute", LOGIN_LOCKOUT_ATTEMPTS=1000,
                    COMPLAINT_RATE_LIMIT="10000 per minute", COMPLAINT_RATE_LIMIT_PER_ADDRESS="10000 per minute",
                    COMPLAINT_SUPPORT_RATE_LIMIT="10000 per minute",
                     COMPLAINT_SUPPORT_RATE_LIMIT_PER_ADDRESS="10000 per minute")
    engine = app.extensions["engine"]
    admin_name = f"aadmin{uuid.uuid4().hex[:6]}"
    manage.create_user(engine, "test", None, admin_name, PASSWORD, roles=["admin"])
    operator = manage.create_user(engine, "test", None, f"aop{uuid.uuid4().hex[:6]}", PASSWORD, roles=["operator"])
    admin = app.test_client()
    assert login(admin, admin_name).status_code == 302
    with engine.connect() as conn:
        fid = conn.execute(text("SELECT min(fid) FROM layers.cctv")).scalar_one()
        complaint = conn.execute(text("SELECT service_request_id FROM layers.complaints WHERE status = 'open' "
                                      "ORDER BY fid LIMIT 1")).scalar_one()
    yield World(app, admin, admin_name, manage.create_token(engine, "test", None, operator, "audit").secret,
                fid, complaint)
    engine.dispose()
    drop_database(server_url, name)


def _last_id(app: Flask) -> int:
    with app.extensions["engine"].connect() as conn:
        return conn.execute(text("SELECT coalesce(max(id), 0) FROM auth.audit_log")).scalar_one()


def _records_since(app: Flask, since: int, path: str) -> list[dict]:
    return [e for e in audit.search(app.extensions["engine"], limit=1000)
            if e["id"] > since and e["details"].get("path") == path]


def _write_rules(app: Flask) -> list[tuple[object, str]]:
    return sorted(((rule, m) for rule in app.url_map.iter_rules() for m in rule.methods & set(WRITE_METHODS)),
                  key=lambda rm: (rm[0].rule, rm[1]))


# ---------------------------------------------------------------- successful calls, one per write route

def _form(w: World, page: str, url: str, data: dict) -> tuple[str, object]:
    return url, w.admin.post(url, data={**data, "csrf_token": csrf_token(w.admin, page)})


def _user_for(w: World, *roles: str):  # noqa: ANN202
    return manage.create_user(w.app.extensions["engine"], "test", None, f"s{uuid.uuid4().hex[:10]}", PASSWORD,
                              roles=roles or ("citizen",))


def _login(w: World) -> tuple[str, object]:
    user = _user_for(w)
    return "/login", login(w.app.test_client(), user.username)


def _logout(w: World) -> tuple[str, object]:
    client = w.app.test_client()
    login(client, _user_for(w).username)
    return "/logout", client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})


def _change_password(w: World) -> tuple[str, object]:
    client = w.app.test_client()
    login(client, _user_for(w).username)
    return "/account/password", client.post("/account/password", data={
        "csrf_token": csrf_token(client, "/account"), "current_password": PASSWORD,
        "new_password": PASSWORD + "-baru", "confirm_password": PASSWORD + "-baru"})


def _token_create(w: World) -> tuple[str, object]:
    return _form(w, "/account/tokens", "/account/tokens", {"name": "audit"})


def _token_revoke(w: World) -> tuple[str, object]:
    token = manage.create_token(w.app.extensions["engine"], "test", None,
                                _user_for(w, "admin"), "x")  # any token: an admin may revoke it
    return _form(w, "/account/tokens", f"/account/tokens/{token.id}/revoke", {})


def _admin_user_create(w: World) -> tuple[str, object]:
    return _form(w, "/admin/users", "/admin/users",
                 {"username": f"n{uuid.uuid4().hex[:8]}", "password": PASSWORD, "roles": "citizen"})


def _admin_user_update(w: World) -> tuple[str, object]:
    user = _user_for(w)
    return _form(w, f"/admin/users/{user.username}", f"/admin/users/{user.username}",
                 {"roles": ["citizen", "planner"], "active": "on"})


def _api(w: World, method: str, url: str, token: str = "test-token", **kwargs: object) -> tuple[str, object]:
    return url, w.json_client().open(url, method=method, headers={"Authorization": f"Bearer {token}"}, **kwargs)


def _user_token(w: World) -> str:
    return manage.create_token(w.app.extensions["engine"], "test", None, _user_for(w), "t").secret


def _api_token_create(w: World) -> tuple[str, object]:
    return _api(w, "POST", "/auth/tokens", _user_token(w), json={"name": "audit"})


def _api_token_revoke(w: World) -> tuple[str, object]:
    secret = _user_token(w)
    token_id = w.json_client().get("/auth/tokens", headers={"Authorization": f"Bearer {secret}"}).json["tokens"][0]["id"]
    return _api(w, "DELETE", f"/auth/tokens/{token_id}", secret)


def _api_user_create(w: World) -> tuple[str, object]:
    return _api(w, "POST", "/auth/users", json={"username": f"j{uuid.uuid4().hex[:8]}", "password": PASSWORD})


def _api_user_roles(w: World) -> tuple[str, object]:
    user = _user_for(w)
    return _api(w, "POST", f"/auth/users/{user.username}/roles", json={"add": ["planner"]})


def _cctv(name: str) -> dict:
    return {"type": "Feature", "geometry": POINT, "properties": {
        "kode": f"CCTV-A{uuid.uuid4().hex[:6]}", "nama": name, "model": "cctv_ipcam_v1", "status": "aktif"}}


def _new_cctv(w: World) -> int:
    url, response = _api(w, "POST", "/collections/cctv/items", w.operator_token, json=_cctv("Audit"))
    assert response.status_code == 201, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _create_item(w: World) -> tuple[str, object]:
    return _api(w, "POST", "/collections/cctv/items", w.operator_token, json=_cctv("Audit create"))


def _replace_item(w: World) -> tuple[str, object]:
    return _api_if_match(w, "PUT", _new_cctv(w), json=_cctv("Audit replace"))


def _api_if_match(w: World, method: str, fid: int, **kwargs: object) -> tuple[str, object]:
    url = f"/collections/cctv/items/{fid}"
    headers = {"Authorization": f"Bearer {w.operator_token}", "If-Match": "*"}
    return url, w.json_client().open(url, method=method, headers=headers, **kwargs)


def _update_item(w: World) -> tuple[str, object]:
    return _api_if_match(w, "PATCH", _new_cctv(w), json={"properties": {"nama": "Audit patch"}},
                         content_type="application/merge-patch+json")


def _delete_item(w: World) -> tuple[str, object]:
    return _api_if_match(w, "DELETE", _new_cctv(w))


def _restore(w: World) -> tuple[str, object]:
    fid = _new_cctv(w)
    _api_if_match(w, "PATCH", fid, json={"properties": {"nama": "Audit before restore"}},
                  content_type="application/merge-patch+json")
    with w.app.extensions["engine"].connect() as conn:
        first = conn.execute(text("SELECT min(id) FROM core.feature_history WHERE layer = 'cctv' AND fid = :f"),
                             {"f": fid}).scalar_one()
    return _api(w, "POST", f"/admin/history/cctv/{fid}/restore/{first}", w.operator_token, data={"confirm": "yes"})


def _report(w: World) -> tuple[str, object]:
    return "/open311/v2/requests.json", w.json_client().post("/open311/v2/requests.json", data={
        "service_code": "LAMPU_JALAN", "lat": "3.5952", "long": "98.6722", "attribute[KONDISI]": "mati",
        "description": "Lampu mati (uji audit)."})


def _support(w: World) -> tuple[str, object]:
    url = f"/open311/v2/requests/{w.complaint_id}/support.json"
    return url, w.json_client().post(url)


def _citizen_report(w: World) -> tuple[str, object]:
    client = w.app.test_client()
    return "/lapor", client.post("/lapor", data={
        "csrf_token": csrf_token(client, "/lapor"), "service_code": "LAMPU_JALAN", "lat": "3.5952",
        "long": "98.6722", "attr-LAMPU_JALAN-KONDISI": "mati", "description": "Lampu mati (uji audit, web)."})


def _citizen_support(w: World) -> tuple[str, object]:
    created = _report(w)[1]
    assert created.status_code == 200, created.get_data(as_text=True)
    rid = created.get_json()[0]["service_request_id"]
    client = w.app.test_client()
    url = f"/lapor/{rid}/dukung"
    return url, client.post(url, data={"csrf_token": csrf_token(client, f"/lapor/{rid}")})


def _staff(w: World, action: str, body: dict) -> tuple[str, object]:
    return _api(w, "POST", f"/open311/staff/requests/{w.complaint_id}/{action}", json=body)


def _desk(w: World, action: str, data: dict) -> tuple[str, object]:
    """A staff desk form, as the admin's browser session, on a report of its own (the JSON calls move the shared one)."""
    created = _report(w)[1]
    assert created.status_code == 200, created.get_data(as_text=True)
    page = f"/open311/staff/reports/{created.get_json()[0]['service_request_id']}"
    return _form(w, page, f"{page}/{action}", data)


def _ilu_fields() -> dict[str, str]:
    return {"nama_pemohon": "Uji Audit", "nik_pemohon": "1271010101010101", "telp_pemohon": "0812 0000 0000",
            "address": "Jl. Audit 1", "business_name": "Warung Audit", "business_kind": "kuliner"}


def _plot(w: World) -> dict:
    from tests.helpers.permits import plot_in

    with w.app.extensions["engine"].connect() as conn:
        return plot_in(conn)


def _service_case(w: World) -> tuple[str, dict]:
    """A new business location application (no files needed) by a new citizen, through the API."""
    plot = _plot(w)
    url, response = _api(w, "POST", "/api/layanan/izin_lokasi_usaha/permohonan", _user_token(w),
                         json={"fields": _ilu_fields(), "geometry": plot})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["case_ref"], plot


def _service_apply(w: World) -> tuple[str, object]:
    return _api(w, "POST", "/api/layanan/izin_lokasi_usaha/permohonan", _user_token(w),
                json={"fields": _ilu_fields(), "geometry": _plot(w)})


def _service_api_step(w: World, step: str) -> tuple[str, object]:
    ref, plot = _service_case(w)
    url = f"/api/layanan/izin_lokasi_usaha/permohonan/{ref}/{step}"
    if step == "kunjungan":
        import io

        from tests.helpers.permits import jpeg

        lon, lat = plot["coordinates"][0][0]
        return _api(w, "POST", url, data={"lon": str(lon), "lat": str(lat), "note": "Uji audit",
                                          "photo": (io.BytesIO(jpeg()), "foto.jpg")}, content_type="multipart/form-data")
    body = {"transisi": {"to": "verified"}, "tugaskan": {"assignee": "Tim audit"},
            "catatan": {"note": "Uji audit", "public": False}}[step]
    return _api(w, "POST", url, json=body)


def _service_desk_step(w: World, step: str) -> tuple[str, object]:
    ref, plot = _service_case(w)
    page = f"/meja/izin_lokasi_usaha/{ref}"
    if step == "kunjungan":
        import io

        from tests.helpers.permits import jpeg

        lon, lat = plot["coordinates"][0][0]
        return f"{page}/{step}", w.admin.post(f"{page}/{step}", content_type="multipart/form-data", data={
            "lon": str(lon), "lat": str(lat), "note": "Uji audit", "photo": (io.BytesIO(jpeg()), "foto.jpg"),
            "csrf_token": csrf_token(w.admin, page)})
    body = {"transisi": {"to": "verified"}, "tugaskan": {"assignee": "Tim audit"},
            "catatan": {"note": "Uji audit", "visibility": "internal"}}[step]
    return _form(w, page, f"{page}/{step}", body)


def _project_import(w: World) -> tuple[str, object]:
    import io

    with w.app.extensions["engine"].connect() as conn:
        kel = conn.execute(text("SELECT kode_kel FROM layers.kelurahan ORDER BY kode_kel LIMIT 1")).scalar_one()
    rows = f"tahun,kode_rekening,nama_kegiatan,skpd,pagu,kode_kel\n2027,9.99.AUDIT,Uji audit,DISDIK,1000000,{kel}\n"
    return "/proyek/staf/impor", w.admin.post("/proyek/staf/impor", content_type="multipart/form-data", data={
        "jenis": "apbd", "berkas": (io.BytesIO(rows.encode()), "apbd.csv"),
        "csrf_token": csrf_token(w.admin, "/proyek/staf")})


def _service_citizen(w: World, step: str) -> tuple[str, object]:
    import json

    client = w.app.test_client()
    login(client, _user_for(w).username)
    token = csrf_token(client, "/layanan/izin_lokasi_usaha")
    created = client.post("/layanan/izin_lokasi_usaha", data={**_ilu_fields(), "geometry": json.dumps(_plot(w)),
                                                             "csrf_token": token})
    if step == "submit":
        return "/layanan/izin_lokasi_usaha", created
    ref = created.headers["Location"].split("?")[0].rsplit("/", 1)[1]
    url = f"/layanan/izin_lokasi_usaha/{ref}/langkah"
    return url, client.post(url, data={"to": "withdrawn", "csrf_token": token})


def _pbb_pay(w: World) -> tuple[str, object]:
    from services.pbb.billing import issue_year

    engine = w.app.extensions["engine"]
    issue_year(engine, 2026, kode_kel="12.71.01.1001")
    with engine.connect() as conn:
        nop = conn.execute(text("SELECT nop FROM pbb.sppt WHERE tahun = 2026 ORDER BY nop LIMIT 1")).scalar_one()
    return _form(w, f"/pbb/nop/{nop}", f"/pbb/nop/{nop}/2026/bayar", {})


def _simpeg_import(w: World) -> tuple[str, object]:
    import io

    url = "/api/simpeg/pegawai/impor"
    body = b"nip,nama,jabatan,instansi,kantor,pin\n197001012000011001,Uji Audit,Analis,BKPSDM,SKPD-BKPSDM,990001\n"
    return url, w.json_client().post(url, headers=CONFIG_TOKEN, data={"berkas": (io.BytesIO(body), "pegawai.csv")},
                                     content_type="multipart/form-data")


def _waste_pay(w: World) -> tuple[str, object]:
    from services.waste.billing import issue_month

    issue_month(w.app.extensions["engine"], "2026-11")
    return _form(w, "/retribusi-sampah/RS-000001", "/retribusi-sampah/RS-000001/2026-11/bayar", {})


HOSPITAL = "R1275644"  # RS Umum Melati (Kemenkes 2019)
BEDS = {"tempat_tidur": [{"kelas": "ICU", "kapasitas": 8, "tersedia": 2}]}


def _hospital_report(w: World) -> tuple[str, object]:
    from services.sirs import tokens

    issued = tokens.issue(w.app.extensions["engine"], HOSPITAL, label="audit", actor="test")
    return _api(w, "PUT", f"/api/sirs/rs/{HOSPITAL}/tempat-tidur", issued.secret, json=BEDS)


def _hospital_token_revoke(w: World) -> tuple[str, object]:
    from services.sirs import tokens

    issued = tokens.issue(w.app.extensions["engine"], HOSPITAL, label="audit", actor="test")
    return _api(w, "DELETE", f"/api/sirs/token/{issued.id}")


def _funds_import(w: World) -> tuple[str, object]:
    import io

    csv = b"npsn,tahun,arah,kategori,jumlah\n10257713,2025,belanja,asesmen,1000\n"
    return _form(w, "/dana-sekolah/impor", "/dana-sekolah/impor", {"berkas": (io.BytesIO(csv), "dana.csv")})


def _asset_visit(w: World) -> tuple[str, object]:
    """An inventory visit of a seeded asset (services/assets), where it stands, with a photo."""
    import io

    from tests.helpers.permits import jpeg

    with w.app.extensions["engine"].connect() as conn:
        code, lon, lat = conn.execute(text("SELECT kode_aset, ST_X(geom), ST_Y(geom) FROM layers.assets_points "
                                           "ORDER BY kode_aset LIMIT 1")).one()
    page = "/aset/inventarisasi"
    return page, w.admin.post(page, content_type="multipart/form-data", data={
        "kode_aset": code, "kondisi": "baik", "lon": str(lon), "lat": str(lat), "note": "Uji audit",
        "photo": (io.BytesIO(jpeg()), "foto.jpg"), "csrf_token": csrf_token(w.admin, page)})


def _archive_file(w: World) -> tuple[str, object]:
    """SIMAR: a record filed through the API (services/archives), without a file."""
    form = {"nomor_naskah": "005/1/SETDA/2026", "judul": "Uji audit arsip", "jenis": "surat", "tanggal": "2026-12-01",
            "agency": "SETDA", "klasifikasi": "internal", "kelas_retensi": "UND", "kode_kel": "12.71.01.1001"}
    return "/api/arsip", w.app.test_client().post("/api/arsip", data=form, headers=CONFIG_TOKEN,
                                                  content_type="multipart/form-data")


def _asset_transfer(w: World) -> tuple[str, object]:
    """An admin moves a seeded asset to another agency and back (the register stays as seeded)."""
    with w.app.extensions["engine"].connect() as conn:
        code, agency = conn.execute(text("SELECT kode_aset, agency FROM layers.assets_points WHERE agency <> 'DLH' "
                                         "ORDER BY kode_aset DESC LIMIT 1")).one()
    page = f"/aset/{code}"

    def move(to: str):  # noqa: ANN202
        return w.admin.post(f"{page}/mutasi", data={"to_agency": to, "decree": "SK uji audit",
                                                   "csrf_token": csrf_token(w.admin, page)})

    response = move("DLH")
    move(agency)
    return f"{page}/mutasi", response


def _umkm_owner(w: World) -> tuple[FlaskClient, str]:
    """A citizen's browser owning a seeded verified business (handed to the account here)."""
    user = _user_for(w)
    with w.app.extensions["engine"].begin() as conn:
        case_ref = conn.execute(text("""UPDATE layers.umkm_businesses SET akun_pemohon = :a WHERE case_ref = (
            SELECT case_ref FROM layers.umkm_businesses WHERE status = 'verified' AND akun_pemohon IS NULL
            ORDER BY case_ref LIMIT 1) RETURNING case_ref"""), {"a": f"user:{user.id}"}).scalar_one()
    client = w.app.test_client()
    login(client, user.username)
    return client, case_ref


def _umkm_publish(w: World) -> tuple[str, object]:
    client, case_ref = _umkm_owner(w)
    url = f"/umkm/saya/{case_ref}/produk"
    return url, client.post(url, data={"nama_produk": "Uji audit", "harga": "1000",
                                       "csrf_token": csrf_token(client, f"/umkm/usaha/{case_ref}")})


def _umkm_withdraw(w: World) -> tuple[str, object]:
    client, case_ref = _umkm_owner(w)
    with w.app.extensions["engine"].connect() as conn:
        code = conn.execute(text("SELECT kode_produk FROM layers.umkm_products WHERE case_ref = :r LIMIT 1"),
                            {"r": case_ref}).scalar_one()
    url = f"/umkm/saya/{case_ref}/produk/{code}/tarik"
    return url, client.post(url, data={"csrf_token": csrf_token(client, f"/umkm/usaha/{case_ref}")})


def _umkm_contact(w: World) -> tuple[str, object]:
    with w.app.extensions["engine"].connect() as conn:
        case_ref = conn.execute(text("SELECT case_ref FROM layers.umkm_public ORDER BY case_ref LIMIT 1")).scalar_one()
    url = f"/umkm/usaha/{case_ref}/pesan"
    return _form(w, f"/umkm/usaha/{case_ref}", url, {"nama": "Uji", "kontak": "uji@example.org",
                                                      "pesan": f"Uji audit {uuid.uuid4().hex[:6]}"})


def _library_member(w: World) -> tuple[FlaskClient, object]:
    """(browser, response): a citizen who has just joined the library through its page."""
    from services.library.seed import seed_catalogue

    engine = w.app.extensions["engine"]
    seed_catalogue(engine)  # once: the world's seed has the branches, not the catalogue
    client = w.app.test_client()
    login(client, _user_for(w).username)
    with engine.connect() as conn:
        branch = conn.execute(text("SELECT kode_cabang FROM layers.library_branches ORDER BY 1 LIMIT 1")).scalar_one()
    return client, client.post("/perpustakaan/anggota", data={
        "nama": "Uji Audit", "email": "uji@example.org", "cabang_asal": branch,
        "csrf_token": csrf_token(client, "/perpustakaan/anggota")})


def _library_reserve(w: World, *, elsewhere: bool = False) -> tuple[FlaskClient, str, str, str, object]:
    """(member's browser, reservation code, pickup branch, url, response): a free copy reserved at its
    own branch, or (elsewhere) at another branch, so that it must be sent."""
    client, joined = _library_member(w)
    assert joined.status_code == 303, joined.get_data(as_text=True)[:300]
    with w.app.extensions["engine"].connect() as conn:
        title, at = conn.execute(text("SELECT kode_judul, min(cabang_kini) FROM library.copies GROUP BY kode_judul "
                                      "HAVING bool_and(status = 'tersedia') AND count(DISTINCT cabang_kini) = 1 "
                                      "ORDER BY random() LIMIT 1")).one()
        if elsewhere:
            at = conn.execute(text("SELECT kode_cabang FROM layers.library_branches WHERE kode_cabang <> :a "
                                   "ORDER BY 1 LIMIT 1"), {"a": at}).scalar_one()
    page = f"/perpustakaan/judul/{title}"
    response = client.post(f"{page}/pesan", data={"cabang": at, "csrf_token": csrf_token(client, page)})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return client, response.headers["Location"].split("baru=")[1].split("&")[0], at, f"{page}/pesan", response


def _library_cancel(w: World) -> tuple[str, object]:
    client, code, *_ = _library_reserve(w)
    url = f"/perpustakaan/pesanan/{code}/batal"
    return url, client.post(url, data={"csrf_token": csrf_token(client, "/perpustakaan/saya")})


def _library_receive(w: World) -> tuple[str, object]:
    _client, code, at, *_ = _library_reserve(w, elsewhere=True)
    return _form(w, f"/perpustakaan/meja/{at}", f"/perpustakaan/meja/{at}/{code}/terima", {})


def _library_hand_over(w: World) -> tuple[str, object]:
    _client, code, at, *_ = _library_reserve(w)
    with w.app.extensions["engine"].connect() as conn:
        card = conn.execute(text("SELECT nomor_anggota FROM library.reservations WHERE kode_pesan = :k"),
                            {"k": code}).scalar_one()
    return _form(w, f"/perpustakaan/meja/{at}", f"/perpustakaan/meja/{at}/{code}/serahkan", {"nomor_anggota": card})


SUCCESS: dict[tuple[str, str], Callable[[World], tuple[str, object]]] = {
    ("perpustakaan.join", "POST"): lambda w: ("/perpustakaan/anggota", _library_member(w)[1]),
    ("perpustakaan.reserve", "POST"): lambda w: _library_reserve(w)[3:],
    ("perpustakaan.cancel", "POST"): _library_cancel,
    ("perpustakaan.receive", "POST"): _library_receive,
    ("perpustakaan.hand_over", "POST"): _library_hand_over,
    ("umkm.publish", "POST"): _umkm_publish,
    ("umkm.withdraw", "POST"): _umkm_withdraw,
    ("umkm.contact", "POST"): _umkm_contact,
    ("aset.transfer_asset", "POST"): _asset_transfer,
    ("sirs.report_api", "PUT"): _hospital_report,
    ("sirs.report_form", "POST"): lambda w: _form(w, f"/tempat-tidur/rs/{HOSPITAL}/lapor",
                                                  f"/tempat-tidur/rs/{HOSPITAL}/lapor",
                                                  {"kapasitas_ICU": "8", "tersedia_ICU": "3"}),
    ("sirs.token_issue", "POST"): lambda w: _api(w, "POST", f"/api/sirs/rs/{HOSPITAL}/token", json={"label": "audit"}),
    ("sirs.token_revoke", "DELETE"): _hospital_token_revoke,
    ("schoolfunds.entry_form", "POST"): lambda w: _form(w, "/dana-sekolah/10257713/isi", "/dana-sekolah/10257713/isi",
                                                        {"tahun": "2025", "belanja_honor": "1000"}),
    ("schoolfunds.import_page", "POST"): _funds_import,
    ("aset.record_visit", "POST"): _asset_visit,
    ("arsip.file_api", "POST"): _archive_file,
    ("pbb.pay", "POST"): _pbb_pay,
    ("waste.pay", "POST"): _waste_pay,
    ("simpeg.import_staff_api", "POST"): _simpeg_import,
    ("accounts.login", "POST"): _login,
    ("accounts.logout", "POST"): _logout,
    ("accounts.change_password", "POST"): _change_password,
    ("accounts.token_create", "POST"): _token_create,
    ("accounts.token_revoke", "POST"): _token_revoke,
    ("accounts_admin.user_create", "POST"): _admin_user_create,
    ("accounts_admin.user_update", "POST"): _admin_user_update,
    ("accounts_api.token_create", "POST"): _api_token_create,
    ("accounts_api.token_revoke", "DELETE"): _api_token_revoke,
    ("accounts_api.user_create", "POST"): _api_user_create,
    ("accounts_api.user_roles", "POST"): _api_user_roles,
    ("ogcapi.create_item", "POST"): _create_item,
    ("ogcapi.replace_item", "PUT"): _replace_item,
    ("ogcapi.update_item", "PATCH"): _update_item,
    ("ogcapi.delete_item", "DELETE"): _delete_item,
    ("feature_history.restore", "POST"): _restore,
    ("open311.v2.create_request", "POST"): _report,
    ("open311.v2.support", "POST"): _support,
    ("citizen.report", "POST"): _citizen_report,
    ("citizen.support", "POST"): _citizen_support,
    ("open311.staff.comment", "POST"): lambda w: _staff(w, "comment", {"note": "Dicek (uji audit)."}),
    ("open311.staff.assign", "POST"): lambda w: _staff(w, "assign", {"assignee": "Tim audit"}),
    ("open311.staff.change_status", "POST"): lambda w: _staff(w, "status", {"status": "acknowledged",
                                                                           "note": "Diterima."}),
    ("open311.desk.add_comment", "POST"): lambda w: _desk(w, "comment", {"note": "Dicek (uji audit).",
                                                                        "visibility": "internal"}),
    ("open311.desk.set_assignee", "POST"): lambda w: _desk(w, "assign", {"assignee": "Tim audit"}),
    ("open311.desk.set_status", "POST"): lambda w: _desk(w, "status", {"status": "acknowledged"}),
    ("layanan_api.apply", "POST"): _service_apply,
    ("layanan_api.transition", "POST"): lambda w: _service_api_step(w, "transisi"),
    ("layanan_api.assign", "POST"): lambda w: _service_api_step(w, "tugaskan"),
    ("layanan_api.comment", "POST"): lambda w: _service_api_step(w, "catatan"),
    ("layanan_api.visit", "POST"): lambda w: _service_api_step(w, "kunjungan"),
    ("layanan_desk.transition", "POST"): lambda w: _service_desk_step(w, "transisi"),
    ("layanan_desk.assign", "POST"): lambda w: _service_desk_step(w, "tugaskan"),
    ("layanan_desk.comment", "POST"): lambda w: _service_desk_step(w, "catatan"),
    ("layanan_desk.visit", "POST"): lambda w: _service_desk_step(w, "kunjungan"),
    ("proyek.staff_progress", "POST"): lambda w: _form(w, "/proyek/staf?kode=PRJ-SEED0019",
                                                       "/proyek/staf/PRJ-SEED0019/progres",
                                                       {"progres_fisik": "100", "progres_keuangan": "100"}),
    ("proyek.staff_stage", "POST"): lambda w: _form(w, "/proyek/staf?kode=PRJ-SEED0013", "/proyek/staf/PRJ-SEED0013/tahap",
                                                    {"to": "cancelled", "catatan": "Uji audit"}),
    ("proyek.staff_import", "POST"): _project_import,
    ("layanan.submit", "POST"): lambda w: _service_citizen(w, "submit"),
    ("layanan.applicant_step", "POST"): lambda w: _service_citizen(w, "withdraw"),
}


def test_every_write_route_has_a_success_call_or_a_reason(world: World) -> None:
    missing = [f"{rule.endpoint} {m} {rule.rule}" for rule, m in _write_rules(world.app)
               if (rule.endpoint, m) not in SUCCESS and (rule.endpoint, m) not in SUCCESS_EXEMPT]
    assert missing == [], "give each new write route a successful call in SUCCESS (or a reason in SUCCESS_EXEMPT)"


def test_every_successful_write_is_audited(world: World) -> None:
    failures = []
    for rule, method in _write_rules(world.app):
        call = SUCCESS.get((rule.endpoint, method))
        if call is None:
            continue
        since = _last_id(world.app)
        url, response = call(world)
        if response.status_code >= 400:
            failures.append(f"{method} {url}: {response.status_code} {response.get_data(as_text=True)[:200]}")
            continue
        if not _records_since(world.app, since, url):
            failures.append(f"{method} {url}: {response.status_code} but no audit record")
    assert failures == [], "\n".join(failures)


def test_every_refused_write_is_audited(world: World) -> None:
    engine = world.app.extensions["engine"]
    citizen = manage.create_user(engine, "test", None, f"c{uuid.uuid4().hex[:10]}", PASSWORD, roles=["citizen"])
    citizen_token = manage.create_token(engine, "test", None, citizen, "audit").secret
    layer_samples = [s for s in samples(engine) if s.spec.id in ("cctv", "complaints")]
    failures, refused_routes = [], set()
    for rule, method in _write_rules(world.app):
        if (rule.endpoint, method) in REFUSAL_EXEMPT:
            continue
        for url in urls(world.app, rule, layer_samples):
            for who, headers in (("anonymous", {}), ("citizen", {"Authorization": f"Bearer {citizen_token}"})):
                since = _last_id(world.app)
                # JSON: no CSRF check for the anonymous, none for a token; what is left is the access check.
                response = world.json_client().open(url, method=method, headers=headers, json={"type": "Nothing"})
                if response.status_code not in (401, 403):
                    continue
                refused_routes.add((rule.endpoint, method))
                events = {e["event"] for e in _records_since(world.app, since, url)}
                if not events & {"access.denied", "token.refused"}:
                    failures.append(f"{method} {url} as {who}: {response.status_code} without an audit record")
    unrefused = [f"{endpoint} {m}" for endpoint, m in
                 {(rule.endpoint, m) for rule, m in _write_rules(world.app)} - refused_routes - set(REFUSAL_EXEMPT)]
    assert failures == [], "\n".join(failures)
    assert unrefused == [], "neither the public nor a citizen was refused: add the route to REFUSAL_EXEMPT, with why"


def test_a_missing_csrf_token_and_a_revoked_token_are_audited(world: World) -> None:
    since = _last_id(world.app)
    response = world.admin.post("/admin/users", data={"username": "nobody", "password": PASSWORD})
    assert response.status_code == 400
    (record,) = [e for e in _records_since(world.app, since, "/admin/users") if e["event"] == "csrf.refused"]
    assert record["actor"] == f"user:{world.admin_name}"

    user = _user_for(world, "staff")
    token = manage.create_token(world.app.extensions["engine"], "test", None, user, "soon revoked")
    manage.revoke_token(world.app.extensions["engine"], None, token.id, user.principal())
    since = _last_id(world.app)
    refused = world.json_client().get("/auth/me", headers={"Authorization": f"Bearer {token.secret}"})
    assert refused.status_code == 401 and "revoked" in refused.json["description"]
    (record,) = [e for e in _records_since(world.app, since, "/auth/me") if e["event"] == "token.refused"]
    assert record["details"]["prefix"] == token.prefix and "revoked" in record["details"]["reason"]
    assert token.secret not in str(record["details"])

    expiring = manage.create_token(world.app.extensions["engine"], "test", None, user, "expired")
    with world.app.extensions["engine"].begin() as conn:
        conn.execute(text("UPDATE auth.api_tokens SET expires_at = now() - interval '1 minute' WHERE id = :id"),
                     {"id": expiring.id})
    since = _last_id(world.app)
    refused = world.json_client().post("/collections/cctv/items", json={"type": "Feature"},
                                       headers={"Authorization": f"Bearer {expiring.secret}"})
    assert refused.status_code == 401 and "expired" in refused.json["description"]
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    records = _records_since(world.app, since, "/collections/cctv/items")
    assert [e["event"] for e in records] == ["token.refused"]  # once, not again by the catch-all
    assert records[0]["details"]["prefix"] == expiring.prefix and records[0]["details"]["method"] == "POST"
