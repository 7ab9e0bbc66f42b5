"""A project's life on the service engine, on the real PostGIS: planned by its agency, moved stage by stage
with what each stage needs, progress reported from the map (only upward unless corrected), delays flagged,
every change kept in history; staff of another agency and citizens reach nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from layers import feature_history
from services.engine import cases, steps
from services.engine.said import CaseNotFound, Forbidden, FormRejected, TransitionNotAllowed
from services.projects import lifecycle
from tests.helpers.permits import jpeg
from tests.services.projects.helpers import (
    AGENCY,
    NOW,
    budget_line,
    citizen,
    in_construction,
    planned,
    point_in,
    report,
    row,
    staff,
)


@pytest.fixture(autouse=True)
def _uploads(upload_dir: Path) -> Path:
    return upload_dir


def test_a_planned_project_is_a_case_of_the_engine_in_its_agency_and_public_at_once(conn: Connection) -> None:
    ref = planned(conn)
    project = row(conn, ref)
    assert ref.startswith("PRJ-") and project["status"] == "planned" and project["agency"] == AGENCY
    assert project["pagu"] == 2_500_000_000 and project["kib_aset"] == "D" and project["nama_kel"]
    public = conn.execute(text("SELECT status, pagu, nama_proyek FROM layers.projects_public WHERE case_ref = :r"),
                          {"r": ref}).one()
    assert public == ("planned", 2_500_000_000, "Peningkatan Jalan Contoh")
    events = conn.execute(text("SELECT kind, to_state, public FROM engine.case_events WHERE case_ref = :r"),
                          {"r": ref}).all()
    assert events == [("submitted", "planned", True)]


def test_a_second_project_on_the_same_budget_line_and_bad_values_are_refused_with_reasons(conn: Connection) -> None:
    planned(conn)
    with pytest.raises(FormRejected) as refused:
        planned(conn)
    assert "sudah punya proyek" in refused.value.problems[0]
    lon, lat = point_in(conn)
    with pytest.raises(FormRejected) as refused:
        lifecycle.plan_project(conn, budget_line(kode_rekening="X.2", pagu="dua milyar", jenis="kapal"), lon=lon,
                               lat=lat, agency=AGENCY, principal=staff())
    said = " | ".join(refused.value.problems)
    assert "Pagu anggaran (Rp): harus angka" in said and "Jenis pekerjaan: pilih salah satu" in said
    with pytest.raises(FormRejected) as refused:
        lifecycle.plan_project(conn, budget_line(kode_rekening="X.3"), lon=99.5, lat=3.0, agency=AGENCY,
                               principal=staff())
    assert "di luar Kota Medan" in refused.value.problems[0]


def test_staff_plan_only_for_their_own_agency_and_citizens_never(conn: Connection) -> None:
    lon, lat = point_in(conn)
    with pytest.raises(Forbidden):
        lifecycle.plan_project(conn, budget_line(), lon=lon, lat=lat, agency="DISDIK", principal=staff())
    with pytest.raises(Forbidden):
        lifecycle.plan_project(conn, budget_line(), lon=lon, lat=lat, agency=AGENCY, principal=citizen())


def test_a_project_moves_through_the_stages_with_what_each_needs_and_keeps_its_history(conn: Connection) -> None:
    ref = planned(conn)
    who = staff()
    with pytest.raises(FormRejected) as refused:  # the procurement plan needs its method and schedule
        lifecycle.advance(conn, ref, "procurement", {"metode": "tender"}, who, now=NOW)
    assert "jadwal_mulai" in str(refused.value) and row(conn, ref)["status"] == "planned"
    with pytest.raises(TransitionNotAllowed):
        lifecycle.advance(conn, ref, "construction", {}, who, now=NOW)
    ref = in_construction(conn, kode_rekening="1.03.10.2.01.9002")
    project = row(conn, ref)
    assert project["status"] == "construction" and project["penyedia"] == "CV Maju Bersama"
    assert project["nilai_kontrak"] == 2_300_000_000 and project["progres_fisik"] == 0
    assert project["due_at"].date() == date(2026, 10, 31)  # due at the contract's planned end
    stages = conn.execute(text("SELECT from_state, to_state FROM engine.case_events WHERE case_ref = :r AND "
                               "kind = 'transition' ORDER BY id"), {"r": ref}).all()
    assert stages == [("planned", "procurement"), ("procurement", "tender"), ("tender", "construction")]
    fid = project["fid"]
    versions = feature_history(conn, "projects", fid)
    assert len(versions) >= 4 and all(v["actor"] == "user:701" for v in versions)


def test_a_contract_above_the_budget_and_a_tender_for_swakelola_are_refused(conn: Connection) -> None:
    ref = planned(conn)
    who = staff()
    lifecycle.advance(conn, ref, "procurement", {"kode_rup": "R-9", "metode": "swakelola",
                                                 "jadwal_mulai": "2026-03-01", "jadwal_selesai": "2026-09-30"},
                      who, now=NOW)
    with pytest.raises(FormRejected) as refused:
        lifecycle.advance(conn, ref, "tender", {"jumlah_paket": "1"}, who, now=NOW)
    assert "tidak melalui tender" in refused.value.problems[0]
    with pytest.raises(FormRejected) as refused:
        lifecycle.advance(conn, ref, "construction", {"penyedia": "Swakelola DSDABMBK",
                                                      "nilai_kontrak": "2600000000"}, who, now=NOW)
    assert "melebihi pagu" in refused.value.problems[0]
    assert row(conn, ref)["status"] == "procurement"


def test_the_generic_desk_cannot_skip_what_a_stage_requires(conn: Connection) -> None:
    """The engine's own transition (the layanan desk) checks the declaration's `requires` too: a tender cannot
    become construction there without its contractor and contract value."""
    ref = planned(conn)
    who = staff()
    lifecycle.advance(conn, ref, "procurement", {"kode_rup": "R-1", "metode": "tender",
                                                 "jadwal_mulai": "2026-03-01", "jadwal_selesai": "2026-09-30"},
                      who, now=NOW)
    steps.transition(conn, "proyek", ref, "tender", who)  # kode_rup is there: allowed
    with pytest.raises(FormRejected) as refused:
        steps.transition(conn, "proyek", ref, "construction", who)
    assert "penyedia" in str(refused.value) and "nilai_kontrak" in str(refused.value)
    assert row(conn, ref)["status"] == "tender"


def test_citizens_cannot_file_a_project_through_the_citizen_form(conn: Connection) -> None:
    lon, lat = point_in(conn)
    with pytest.raises(Forbidden):
        cases.submit(conn, "proyek", cases.Application(fields=budget_line(), lon=lon, lat=lat), citizen())


def test_staff_of_another_agency_neither_see_nor_move_nor_update_a_project(conn: Connection) -> None:
    ref = in_construction(conn)
    other = staff("DISDIK", 703)
    with pytest.raises(CaseNotFound):
        lifecycle.advance(conn, ref, "done", {}, other, now=NOW)
    with pytest.raises(CaseNotFound):
        lifecycle.report_progress(conn, ref, lifecycle.ProgressReport(physical=50, financial=40, on="2026-06-01"),
                                  other, now=NOW)
    with pytest.raises(CaseNotFound):
        lifecycle.project_for_staff(conn, ref, other)
    with pytest.raises(CaseNotFound):
        steps.transition(conn, "proyek", ref, "done", other)
    with pytest.raises(CaseNotFound):
        lifecycle.project_for_staff(conn, ref, citizen())
    assert row(conn, ref)["progres_fisik"] == 0


def test_progress_reports_go_up_are_kept_in_history_and_flag_delays(conn: Connection) -> None:
    ref = in_construction(conn)
    first = report(conn, ref, "20", "15", "2026-05-01", note="Galian selesai", photo=jpeg())
    project = row(conn, ref)
    assert project["progres_fisik"] == 20 and project["progres_tanggal"] == date(2026, 5, 1)
    assert project["terlambat"] is False and 15 < project["progres_rencana"] < 25
    # Mid-June the plan is past 40 %: 25 % is more than 10 points behind.
    second = report(conn, ref, "25", "20", "2026-06-15")
    project = row(conn, ref)
    assert project["terlambat"] is True and "tertinggal" in project["keterangan_terlambat"]
    with pytest.raises(FormRejected) as refused:
        report(conn, ref, "22", "20", "2026-06-15")
    assert "tidak boleh turun dari 25%" in refused.value.problems[0]
    with pytest.raises(FormRejected):
        report(conn, ref, "22", "20", "2026-06-15", correction=True)  # a correction says why
    third = report(conn, ref, "22", "20", "2026-06-15", correction=True, note="Salah hitung volume galian")
    reports = conn.execute(text("SELECT laporan_id, progres_fisik, koreksi, berkas_foto IS NOT NULL, source FROM "
                                "layers.project_progress WHERE case_ref = :r ORDER BY laporan_id"), {"r": ref}).all()
    assert reports == [(first, 20, False, True, "staff"), (second, 25, False, False, "staff"),
                       (third, 22, True, False, "staff")]
    public = conn.execute(text("SELECT progres_fisik, terlambat FROM layers.projects_public WHERE case_ref = :r"),
                          {"r": ref}).one()
    assert public == (22, True)


def test_a_report_far_from_the_works_or_in_the_wrong_stage_is_refused(conn: Connection) -> None:
    ref = in_construction(conn)
    with pytest.raises(FormRejected) as refused:
        report(conn, ref, "10", "5", "2026-05-01", lon=98.75, lat=3.50)
    assert "dari proyek" in refused.value.problems[0]
    with pytest.raises(FormRejected):
        report(conn, ref, "120", "5", "2026-05-01")
    other = planned(conn, kode_rekening="1.03.10.2.01.9003")
    with pytest.raises(TransitionNotAllowed):
        report(conn, other, "10", "5", "2026-05-01")


def test_past_the_planned_end_a_project_is_flagged_even_without_a_report(conn: Connection) -> None:
    ref = in_construction(conn)
    report(conn, ref, "80", "60", "2026-09-01", now=datetime(2026, 9, 2, tzinfo=UTC))
    assert row(conn, ref)["terlambat"] is False
    changed = lifecycle.refresh_delays(conn, now=datetime(2026, 11, 5, tzinfo=UTC))
    project = row(conn, ref)
    assert changed >= 1 and project["terlambat"] is True and "melewati rencana selesai" in project["keterangan_terlambat"]


def test_the_seed_has_every_stage_over_several_years_inside_medan_labelled_synthetic(conn: Connection) -> None:
    stages = {r[0] for r in conn.execute(text("SELECT DISTINCT status FROM layers.projects"))}
    assert stages == {"planned", "procurement", "tender", "construction", "done", "cancelled"}
    years = conn.execute(text("SELECT count(DISTINCT tahun_anggaran) FROM layers.projects")).scalar_one()
    assert years >= 4
    sources = {r[0] for r in conn.execute(text(
        "SELECT source FROM layers.projects UNION SELECT source FROM layers.project_progress"))}
    assert sources == {"synthetic"}
    outside = conn.execute(text("SELECT count(*) FROM layers.projects p WHERE NOT EXISTS (SELECT 1 FROM "
                                "layers.kelurahan k WHERE ST_Contains(k.geom, p.geom))")).scalar_one()
    assert outside == 0
    counts = conn.execute(text("SELECT (SELECT count(*) FROM layers.projects), (SELECT count(*) FROM "
                               "layers.projects_public), (SELECT count(*) FROM layers.project_progress)")).one()
    assert counts[0] == counts[1] and counts[2] > counts[0]
    delayed = conn.execute(text("SELECT count(*) FROM layers.projects WHERE terlambat")).scalar_one()
    assert delayed >= 1


def test_the_indicators_follow_the_seams_shape_and_count_each_project_once_a_month(conn: Connection) -> None:
    import yaml

    from services.projects import indicators

    declared = yaml.safe_load((Path(indicators.__file__).with_name("indicators.yaml")).read_text(encoding="utf-8"))
    assert {d["id"] for d in declared} == {"project_progress", "project_delayed_share"}
    rows = indicators.progress_by_kecamatan(conn, start=date(2025, 1, 1), end=date(2026, 11, 30))
    assert rows and set(rows[0]) == {"kode_kec", "month", "value", "n"}
    city = {r["month"]: r for r in rows if r["kode_kec"] is None}
    assert len(city) == 23 and all(r["month"].day == 1 for r in rows)
    for month, total in city.items():  # the kecamatan add up to the city, each project counted once
        parts = [r for r in rows if r["month"] == month and r["kode_kec"] is not None]
        assert sum(r["n"] for r in parts) == total["n"]
        assert 0 <= total["value"] <= 100
    before = city[date(2026, 11, 1)]
    ref = in_construction(conn, kode_rekening="1.03.10.2.01.9100")
    report(conn, ref, "40", "30", "2026-06-10")
    after = {r["month"]: r for r in indicators.progress_by_kecamatan(conn, start=date(2026, 11, 1),
                                                                     end=date(2026, 11, 30)) if r["kode_kec"] is None}
    assert after[date(2026, 11, 1)]["n"] == before["n"] + 1
    delayed = indicators.delayed_share_by_kecamatan(conn, start=date(2026, 11, 1), end=date(2026, 11, 30))
    assert any(r["value"] > 0 for r in delayed)


def _finished(conn: Connection, **overrides: str) -> str:
    ref = in_construction(conn, **overrides)
    report(conn, ref, "100", "95", "2026-06-10", photo=jpeg())
    return ref


def test_done_hands_the_works_over_to_simbada_in_the_same_transaction(conn: Connection) -> None:
    ref = _finished(conn, jenis="gedung", nama_proyek="Rehabilitasi Gedung Contoh", kode_rekening="1.01.02.9201")
    lifecycle.advance(conn, ref, "done", {}, staff(), now=NOW)
    project = row(conn, ref)
    assert project["status"] == "done" and project["kode_aset"].startswith("C.DSDABMBK.2026.")
    asset = conn.execute(text("SELECT a.kib, a.asal, a.asal_ref, a.agency, a.nilai_perolehan, a.source, "
                              "ST_DWithin(a.geom::geography, p.geom::geography, 1) FROM layers.assets_points a, layers.projects p "
                              "WHERE a.kode_aset = :code AND p.case_ref = :r"),
                         {"code": project["kode_aset"], "r": ref}).one()
    assert asset == ("C", "proyek", ref, AGENCY, 2_300_000_000, "simbada", True)
    public = conn.execute(text("SELECT status, kode_aset FROM layers.projects_public WHERE case_ref = :r"),
                          {"r": ref}).one()
    assert public == ("done", project["kode_aset"])


def test_a_road_is_handed_over_with_its_as_built_line_and_refused_without_it(conn: Connection) -> None:
    ref = _finished(conn, kode_rekening="1.03.10.2.01.9202")
    before = conn.execute(text("SELECT count(*) FROM layers.assets_lines")).scalar_one()
    with pytest.raises(FormRejected) as refused:  # KIB D is a line or an area: the point alone is refused
        lifecycle.advance(conn, ref, "done", {}, staff(), now=NOW)
    assert "serah terima" in refused.value.problems[0]
    assert row(conn, ref)["status"] == "construction" and row(conn, ref)["kode_aset"] is None
    lon, lat = point_in(conn)
    line = {"type": "LineString", "coordinates": [[lon, lat], [lon + 0.002, lat + 0.001]]}
    lifecycle.advance(conn, ref, "done", {"geometri": line}, staff(), now=NOW)
    code = row(conn, ref)["kode_aset"]
    asset = conn.execute(text("SELECT kib, asal, asal_ref, panjang_m > 200 FROM layers.assets_lines "
                              "WHERE kode_aset = :c"), {"c": code}).one()
    assert asset == ("D", "proyek", ref, True)
    assert conn.execute(text("SELECT count(*) FROM layers.assets_lines")).scalar_one() == before + 1


def test_a_project_below_100_percent_is_not_handed_over(conn: Connection) -> None:
    ref = in_construction(conn, jenis="gedung", kode_rekening="1.01.02.9203")
    report(conn, ref, "90", "80", "2026-06-10")
    with pytest.raises(FormRejected) as refused:
        lifecycle.advance(conn, ref, "done", {}, staff(), now=NOW)
    assert "serah terima setelah 100%" in refused.value.problems[0]
