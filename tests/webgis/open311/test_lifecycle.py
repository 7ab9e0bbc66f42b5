"""A report's whole life through the API: filed, supported, worked by its agency, closed; history kept."""

from __future__ import annotations

from tests.helpers.complaints import post_report


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_full_life_cycle(web, staff_token) -> None:  # noqa: ANN001
    (created,) = post_report(web, email="warga@example.org", first_name="Siti").get_json()
    rid = created["service_request_id"]
    dpkppr = _bearer(staff_token("staff", agencies=("DPKPPR",)))

    # The agency's queue holds it, tagged from the spatial core.
    queue = web.get("/open311/staff/queue?status=open&kelurahan=12.71.05.1002", headers=dpkppr).get_json()
    mine = next(r for r in queue["requests"] if r["service_request_id"] == rid)
    assert mine["nama_kel"] == "Silalas" and mine["nama_kec"] == "Medan Barat"
    assert mine["risk_class"] in ("rendah", "sedang", "tinggi") and mine["nearest_device"].startswith("LPJU-")
    assert mine["contact"]["email"] == "warga@example.org"  # staff see the contact

    # Another citizen supports it instead of filing it again.
    supported = web.post(f"/open311/v2/requests/{rid}/support.json")
    assert supported.status_code == 200 and supported.get_json()[0]["supporters"] == 1

    steps = [("acknowledged", "Laporan diterima.", True), ("in_progress", "Teknisi menuju lokasi.", True),
             ("resolved", "Lampu sudah diganti.", True), ("closed", "Dicek oleh Pak Budi, rumah no. 5.", False)]
    for status, note, public in steps:
        response = web.post(f"/open311/staff/requests/{rid}/status", json={"status": status, "note": note,
                                                                            "public": public}, headers=dpkppr)
        assert response.status_code == 200, response.get_json()
    assert web.post(f"/open311/staff/requests/{rid}/assign", json={"assignee": "Tim LPJU 3"},
                    headers=dpkppr).status_code == 200

    (record,) = web.get(f"/open311/v2/requests/{rid}.json").get_json()
    assert record["status"] == "closed" and "Lampu sudah diganti." in record["status_notes"]
    assert record["expected_datetime"] is None

    public = web.get(f"/open311/v2/requests/{rid}/history.json").get_json()
    assert [e.get("status") for e in public if "status" in e] == ["open", "acknowledged", "in_progress", "resolved", "closed"]
    assert {e["by"] for e in public} == {"warga", "petugas"}
    assert any(e.get("supporters") == 1 for e in public)
    text = str(public)
    assert "Pak Budi" not in text and "Tim LPJU" not in text and "user:" not in text

    staff_view = web.get(f"/open311/staff/requests/{rid}", headers=dpkppr).get_json()
    assert staff_view["internal_notes"] == "Dicek oleh Pak Budi, rumah no. 5."
    assert staff_view["assigned_to"] == "Tim LPJU 3"
    assert any(e["by"].startswith(("user:", "token:")) and e.get("internal_notes") for e in staff_view["history"])


def test_a_status_change_outside_the_workflow_is_refused_and_changes_nothing(web, staff_token) -> None:  # noqa: ANN001
    (created,) = post_report(web).get_json()
    rid = created["service_request_id"]
    dpkppr = _bearer(staff_token("staff", agencies=("DPKPPR",)))
    before = web.get(f"/open311/staff/requests/{rid}", headers=dpkppr).get_json()
    for status in ("resolved", "closed", "in_progress", "open", "pending"):
        response = web.post(f"/open311/staff/requests/{rid}/status", json={"status": status}, headers=dpkppr)
        assert response.status_code in (400, 409), status
        assert response.get_json()["description"]
    after = web.get(f"/open311/staff/requests/{rid}", headers=dpkppr).get_json()
    assert after["internal_status"] == "open" and after["updated_datetime"] == before["updated_datetime"]
    assert len(after["history"]) == 1


def test_only_the_responsible_agency_and_staff_may_act(web, staff_token) -> None:  # noqa: ANN001
    (created,) = post_report(web).get_json()
    rid = created["service_request_id"]
    dishub = _bearer(staff_token("staff", agencies=("DISHUB",)))
    citizen = _bearer(staff_token("citizen"))
    assert web.post(f"/open311/staff/requests/{rid}/status", json={"status": "acknowledged"},
                    headers=dishub).status_code == 403
    assert rid not in str(web.get("/open311/staff/queue", headers=dishub).get_json())
    assert web.get("/open311/staff/queue", headers=citizen).status_code == 403
    assert web.get("/open311/staff/queue").status_code == 401
    admin = {"Authorization": "Bearer test-token"}
    assert web.post(f"/open311/staff/requests/{rid}/status", json={"status": "acknowledged"},
                    headers=admin).status_code == 200


def test_duplicates_are_suggested_and_support_ends_when_closed(web, staff_token) -> None:  # noqa: ANN001
    (first,) = post_report(web, service_code="SAMPAH", **{"attribute[HARI_TIDAK_DIANGKUT]": "4",
                                                           "attribute[KONDISI]": None}).get_json()
    near = web.get("/open311/v2/duplicates.json?service_code=SAMPAH&lat=3.5954&long=98.6722").get_json()
    assert first["service_request_id"] in [d["service_request_id"] for d in near]  # ~22 m away
    far = web.get("/open311/v2/duplicates.json?service_code=SAMPAH&lat=3.5958&long=98.6722").get_json()
    assert first["service_request_id"] not in [d["service_request_id"] for d in far]  # ~67 m away
    other = web.get("/open311/v2/duplicates.json?service_code=BANJIR&lat=3.5952&long=98.6722").get_json()
    assert first["service_request_id"] not in [d["service_request_id"] for d in other]
    (second,) = post_report(web, service_code="SAMPAH", **{"attribute[HARI_TIDAK_DIANGKUT]": "5",
                                                            "attribute[KONDISI]": None}).get_json()
    assert first["service_request_id"] in second["service_notice"]

    admin = {"Authorization": "Bearer test-token"}
    web.post(f"/open311/staff/requests/{first['service_request_id']}/status", json={"status": "rejected"}, headers=admin)
    response = web.post(f"/open311/v2/requests/{first['service_request_id']}/support.json")
    assert response.status_code == 409 and response.get_json()[0]["code"] == 409
