"""The service engine on the real PostGIS: submit, transitions by role, assign, comment, visits, audit."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from layers import feature_history
from layers.access import ANONYMOUS
from services.engine import cases, queue, steps
from services.engine.said import (
    CaseNotFound,
    Forbidden,
    FormRejected,
    NotSignedIn,
    TransitionNotAllowed,
)
from tests.helpers.permits import PDF, citizen, jpeg, pbg_fields, plot_in, staff


@pytest.fixture(autouse=True)
def _uploads(upload_dir: Path) -> Path:
    return upload_dir


def _apply(conn: Connection, **kwargs) -> cases.Receipt:  # noqa: ANN003
    application = cases.Application(fields=kwargs.pop("fields", pbg_fields()),
                                    geometry=kwargs.pop("geometry") if "geometry" in kwargs else plot_in(conn),
                                    files=kwargs.pop("files", {"site_plan": PDF}), **kwargs)
    return cases.submit(conn, "pbg", application, citizen())


def _row(conn: Connection, case_ref: str) -> dict:
    return dict(conn.execute(text("SELECT * FROM layers.permit_cases WHERE case_ref = :r"), {"r": case_ref}).mappings().one())


def test_a_submitted_application_is_one_case_with_its_checks_fee_and_due_time(conn: Connection) -> None:
    receipt = _apply(conn)
    row = _row(conn, receipt.case_ref)
    assert receipt.case_ref.startswith("PBG-") and row["status"] == "submitted"
    assert row["agency"] == "DPMPTSP" and row["akun_pemohon"] == "user:501"
    assert row["zone_code"] == "R" and row["nama_kel"]
    assert row["due_at"] - row["submitted_at"] == timedelta(days=3)
    assert row["fee"] == 120 * 1_800_000 * 0.0175 * 0.5 // 1000 * 1000  # 1,890,000 for 120 m² of housing
    assert 400 < row["plot_area_m2"] < 600
    assert {f["check"] for f in receipt.findings["findings"]} == {"zoning", "flood", "river"}
    events = conn.execute(text("SELECT kind, to_state, public FROM engine.case_events WHERE case_ref = :r"),
                          {"r": receipt.case_ref}).all()
    assert events == [("submitted", "submitted", True)]


@pytest.mark.parametrize(("change", "problem"), [
    ({"fields": pbg_fields(floors="dua")}, "Jumlah lantai: harus bilangan bulat"),
    ({"fields": pbg_fields(building_use="kandang")}, "Fungsi bangunan: pilih salah satu dari"),
    ({"fields": pbg_fields(nik_pemohon="123")}, "NIK (16 angka): harus 16 angka"),
    ({"fields": pbg_fields(address=None)}, "Alamat lokasi bangunan: wajib diisi"),
    ({"files": {}}, "Gambar rencana / denah (PDF atau foto): wajib dilampirkan"),
    ({"files": {"site_plan": b"MZ\x90\x00 not a pdf"}}, "isi berkas bukan PDF atau foto"),
    ({"files": {"site_plan": b"\xff\xd8\xff" + b"0" * 100}}, "foto rusak"),
    ({"geometry": {"type": "Polygon", "coordinates": [[[101.0, 1.0], [101.001, 1.0], [101.001, 1.001], [101.0, 1.0]]]}},
     "lokasi: berada di luar Kota Medan"),
    ({"geometry": {"type": "Point", "coordinates": [98.67, 3.59]}}, "lokasi: gambar bidang tanah"),
])
def test_bad_input_is_refused_in_indonesian_and_nothing_is_written(conn: Connection, upload_dir: Path,
                                                                    change: dict, problem: str) -> None:
    before = conn.execute(text("SELECT count(*) FROM layers.permit_cases")).scalar_one()
    files_before = set(upload_dir.iterdir())
    with pytest.raises(FormRejected) as refused:
        _apply(conn, **change)
    assert refused.value.status == 400
    assert any(problem in str(p) for p in refused.value.problems), refused.value.problems
    assert all(p.en for p in refused.value.problems)  # English on request
    assert conn.execute(text("SELECT count(*) FROM layers.permit_cases")).scalar_one() == before
    assert set(upload_dir.iterdir()) == files_before


def test_the_anonymous_cannot_apply(conn: Connection) -> None:
    with pytest.raises(NotSignedIn):
        cases.submit(conn, "pbg", cases.Application(fields=pbg_fields(), geometry=plot_in(conn)), ANONYMOUS)


def test_a_double_submit_with_one_client_key_files_one_case(conn: Connection) -> None:
    first = _apply(conn, client_key="kunci-satu-123")
    again = _apply(conn, client_key="kunci-satu-123")
    assert again.replayed and again.case_ref == first.case_ref
    assert conn.execute(text("SELECT count(*) FROM layers.permit_cases WHERE akun_pemohon = 'user:501' "
                             "AND submitted_at > now() - interval '1 hour'")).scalar_one() == 1
    assert _apply(conn, client_key="kunci-dua-1234").case_ref != first.case_ref


def test_the_workflow_to_issue_with_roles_checked_and_history_kept(conn: Connection) -> None:
    ref = _apply(conn).case_ref
    officer = staff()
    with pytest.raises(Forbidden, match="hanya untuk peran staff"):
        steps.transition(conn, "pbg", ref, "verified", citizen())
    with pytest.raises(TransitionNotAllowed, match="tidak dapat menjadi approved; yang mungkin: verified, rejected"):
        steps.transition(conn, "pbg", ref, "approved", officer)
    assert _row(conn, ref)["status"] == "submitted"
    steps.transition(conn, "pbg", ref, "verified", officer)
    steps.transition(conn, "pbg", ref, "field_check", officer)
    row = _row(conn, ref)
    lon, lat = conn.execute(text("SELECT ST_X(ST_Centroid(geom)), ST_Y(ST_Centroid(geom)) FROM layers.permit_cases "
                                 "WHERE case_ref = :r"), {"r": ref}).one()
    with pytest.raises(FormRejected, match="kunjungan: titik berjarak"):
        steps.record_visit(conn, "pbg", ref, officer, lon=lon + 0.01, lat=lat, note="Cek", photo=jpeg())
    steps.record_visit(conn, "pbg", ref, officer, lon=lon, lat=lat, note="Bangunan sesuai gambar", photo=jpeg())
    with pytest.raises(FormRejected, match="catatan: tuliskan alasannya"):
        steps.transition(conn, "pbg", ref, "rejected", officer)
    steps.transition(conn, "pbg", ref, "approved", officer, note="Sesuai")
    steps.transition(conn, "pbg", ref, "issued", officer)
    assert _row(conn, ref)["status"] == "issued"
    public = conn.execute(text("SELECT * FROM layers.permits_public WHERE case_ref = :r"), {"r": ref}).mappings().one()
    assert public["status"] == "issued" and "nama_pemohon" not in public
    history = feature_history(conn, "permit_cases", row["fid"])
    assert [h["new"]["status"] for h in history if h["op"] == "update" and
            h["old"]["status"] != h["new"]["status"]] == ["verified", "field_check", "approved", "issued"]
    kinds = conn.execute(text("SELECT kind FROM engine.case_events WHERE case_ref = :r ORDER BY id"), {"r": ref}).scalars().all()
    assert kinds == ["submitted", "transition", "transition", "visit", "transition", "transition"]


def test_staff_of_another_agency_and_other_citizens_do_not_reach_the_case(conn: Connection) -> None:
    ref = _apply(conn).case_ref
    with pytest.raises(CaseNotFound):
        steps.transition(conn, "pbg", ref, "verified", staff(agencies=("DSDABMBK",)))
    with pytest.raises(CaseNotFound):
        queue.case_for(conn, "pbg", ref, citizen(999))
    with pytest.raises(CaseNotFound):
        steps.transition(conn, "pbg", ref, "withdrawn", citizen(999))
    mine = queue.case_for(conn, "pbg", ref, citizen())
    assert "nik_pemohon" not in mine["properties"] and "internal_notes" not in mine["properties"]
    assert [s["to"] for s in mine["steps"]] == ["withdrawn"]
    steps.transition(conn, "pbg", ref, "withdrawn", citizen())
    assert _row(conn, ref)["status"] == "withdrawn"


def test_assign_comment_and_the_applicants_timeline(conn: Connection) -> None:
    ref = _apply(conn).case_ref
    officer = staff()
    steps.assign(conn, "pbg", ref, "Budi (verifikator)", officer)
    steps.comment(conn, "pbg", ref, "Mohon lengkapi IMB lama", officer, public=True)
    steps.comment(conn, "pbg", ref, "Pemohon pernah ditolak 2025", officer, public=False)
    with pytest.raises(Forbidden):
        steps.comment(conn, "pbg", ref, "hai", citizen(), public=True)
    row = _row(conn, ref)
    assert row["assigned_to"] == "Budi (verifikator)" and row["public_note"] == "Mohon lengkapi IMB lama"
    mine = queue.case_for(conn, "pbg", ref, citizen())
    assert [e["note"] for e in mine["events"] if e["kind"] == "comment"] == ["Mohon lengkapi IMB lama"]
    assert {e["actor"] for e in mine["events"]} <= {"pemohon", "petugas"}
    theirs = queue.case_for(conn, "pbg", ref, officer)
    assert len([e for e in theirs["events"] if e["kind"] == "comment"]) == 2


def test_overdue_cases_are_those_past_their_states_due_time(conn: Connection) -> None:
    ref = _apply(conn, fields=pbg_fields()).case_ref
    conn.execute(text("UPDATE layers.permit_cases SET due_at = now() - interval '1 day' WHERE case_ref = :r"), {"r": ref})
    listed = queue.list_cases(conn, ["pbg", "izin_lokasi_usaha"], staff(), overdue_only=True)
    assert ref in [c["case_ref"] for c in listed] and all(c["overdue"] for c in listed)
    assert queue.list_cases(conn, ["pbg"], staff(agencies=("DSDABMBK",))) == []
    assert all(c["status"] not in ("issued", "rejected", "withdrawn") for c in listed)


@dataclass(frozen=True)
class PaidBill:
    """A bill as services.engine.payments hands it to on_paid handlers (the fields the contract names)."""

    service: str
    case_ref: str
    number: str = "SBX-0001"
    provider: str = "sandbox"


def test_a_paid_bill_moves_the_case_to_the_declared_state_once(conn: Connection) -> None:
    ref = _apply(conn).case_ref
    officer = staff()
    steps.on_bill_paid(conn, PaidBill("pbg", ref))  # a bill for a case not yet approved: nothing moves
    assert _row(conn, ref)["status"] == "submitted"
    for to in ("verified", "field_check", "approved"):
        steps.transition(conn, "pbg", ref, to, officer, note="ok")
    steps.on_bill_paid(conn, PaidBill("pbg", ref))
    steps.on_bill_paid(conn, PaidBill("pbg", ref))  # delivered twice: the case moved once
    assert _row(conn, ref)["status"] == "issued"
    moves = conn.execute(text("SELECT actor, to_state FROM engine.case_events WHERE case_ref = :r AND to_state = 'issued'"),
                         {"r": ref}).all()
    assert moves == [("payments:sandbox", "issued")]
    steps.on_bill_paid(conn, PaidBill("unknown_service", ref))  # not ours: ignored


def test_a_point_service_is_located_by_a_map_click_or_an_address(conn: Connection) -> None:
    spec = cases.service_spec("pbg")
    location = spec.form.location.model_copy(update={"kinds": ["point", "address"]})
    point_spec = spec.model_copy(update={"form": spec.form.model_copy(update={"location": location})})
    name = conn.execute(text("SELECT nama_kel FROM layers.kelurahan ORDER BY kode_kel LIMIT 1")).scalar_one()
    clicked, problems = cases._location(conn, point_spec, cases.Application(fields={}, lon="98.67", lat="3.59"), citizen())
    assert clicked == {"type": "Point", "coordinates": [98.67, 3.59]} and problems == []
    placed, problems = cases._location(conn, point_spec, cases.Application(fields={"address": f"Jl. Mawar, {name}"}), citizen())
    assert placed["type"] == "Point" and problems == []
    _, problems = cases._location(conn, point_spec, cases.Application(fields={"address": "Jl. Entah di mana"}), citizen())
    assert "alamat tidak menyebut jalan, tempat atau kelurahan" in problems[0]


def _tax_parcel(conn: Connection, plot: dict, owner: str, nop: str) -> int:
    """One tax parcel of `owner` (an account value) with `plot` as its boundary."""
    return conn.execute(text("""
        INSERT INTO layers.tax_parcels (nop, kode_kel, luas_tanah_m2, luas_bangunan_m2, kode_znt, agency,
                                        akun_wajib_pajak, source, geom)
        VALUES (:nop, '1275000000', 500, 0, 'ZNT-T', 'BAPENDA', :owner, 'synthetic',
                ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(:plot), 4326)))
        RETURNING fid"""), {"nop": nop, "owner": owner, "plot": json.dumps(plot)}).scalar_one()


def test_a_parcel_picked_on_the_map_is_the_plot_but_only_the_applicants_own(conn: Connection) -> None:
    plot = plot_in(conn)
    own = _tax_parcel(conn, plot, "user:501", "12.75.000.000.000-0001.0")
    others = _tax_parcel(conn, plot, "user:777", "12.75.000.000.000-0002.0")
    receipt = _apply(conn, geometry=None, parcel=str(own))  # nothing drawn: the parcel is the plot
    same = conn.execute(text("""SELECT ST_HausdorffDistance(c.geom, p.geom) < 1e-7 FROM layers.permit_cases c,
                                layers.tax_parcels p WHERE c.case_ref = :r AND p.fid = :f"""),
                        {"r": receipt.case_ref, "f": own}).scalar_one()
    assert same
    before = conn.execute(text("SELECT count(*) FROM layers.permit_cases")).scalar_one()
    for parcel in (others, 999_999_999, "x"):  # someone else's parcel is as absent as one that is not there
        with pytest.raises(FormRejected) as refused:
            _apply(conn, geometry=None, parcel=str(parcel))
        assert [str(p) for p in refused.value.problems] == ["lokasi: bidang yang dipilih tidak ada"]
    assert conn.execute(text("SELECT count(*) FROM layers.permit_cases")).scalar_one() == before
