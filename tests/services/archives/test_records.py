"""SIMAR: the classification rule on every read, filing against a case with a checked file, search by
words and place, and the disposal list from the retention classes (data)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from layers.access import ANONYMOUS, RowOutOfScope, with_roles
from layers.db import engine_for
from services.archives import records
from services.archives.retention import retention_classes
from services.errors import NotFound, ServiceError
from tests.helpers.permits import PDF


def _record(**fields: str) -> records.NewRecord:
    form = {"nomor_naskah": "640/123/DPMPTSP/2026", "judul": "Persetujuan bangunan gedung ruko tiga lantai",
            "jenis": "izin", "tanggal": "2026-11-02", "agency": "DPMPTSP", "klasifikasi": "rahasia",
            "kelas_retensi": "IZN", "ringkasan": "Izin PBG untuk ruko di Jalan Gatot Subroto", **fields}
    return records.parse_new(form)


def test_each_reader_reaches_only_the_classifications_it_may(engine: Engine) -> None:
    def seen(principal) -> set[tuple[str, str]]:  # noqa: ANN001
        return {(r["klasifikasi"], r["agency"]) for r in records.search(engine, principal, limit=200)}

    public = seen(ANONYMOUS)
    dlh = seen(with_roles("staff:dlh", "staff", agencies={"DLH"}))
    everything = seen(with_roles("admin:x", "admin"))
    assert {c for c, _ in public} == {"publik"}
    assert {c for c, _ in dlh} == {"publik", "internal", "rahasia"}
    assert {a for c, a in dlh if c == "rahasia"} == {"DLH"}
    assert ("rahasia", "SETDA") in everything and ("rahasia", "SETDA") not in dlh
    assert seen(with_roles("planner:p", "planner")) == public


def test_a_record_filed_against_a_case_is_found_by_words_and_place_and_its_file_served(
        isolated_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBGIS_UPLOAD_DIR", str(tmp_path))
    engine = engine_for(isolated_database_url)
    with engine.connect() as conn:
        case = conn.execute(text("SELECT case_ref, kode_kel FROM layers.permit_cases WHERE agency = 'DPMPTSP' "
                                 "ORDER BY case_ref LIMIT 1")).one()
    staff = with_roles("staff:dpmptsp", "staff", agencies={"DPMPTSP"})
    code = records.file_record(engine, staff, _record(case_ref=case.case_ref), PDF)
    found = records.search(engine, staff, words="ruko Gatot")
    assert [r["kode_arsip"] for r in found] == [code]
    assert found[0]["kode_kel"] == case.kode_kel and found[0]["retensi"]["nasib"] == "permanen"
    assert code in {r["kode_arsip"] for r in records.search(engine, staff, kode_kel=case.kode_kel)}
    assert records.attached(engine, staff, case_ref=case.case_ref)[0]["kode_arsip"] == code
    path, mimetype = records.file_of(engine, staff, code)
    assert Path(path).read_bytes() == PDF and mimetype == "application/pdf"
    for outsider in (ANONYMOUS, with_roles("staff:dlh", "staff", agencies={"DLH"})):
        assert records.search(engine, outsider, words="ruko Gatot") == []
        with pytest.raises(NotFound):
            records.file_of(engine, outsider, code)


def test_a_bad_file_another_agencys_name_or_an_unseen_case_changes_nothing(
        isolated_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBGIS_UPLOAD_DIR", str(tmp_path))
    engine = engine_for(isolated_database_url)
    staff = with_roles("staff:dpmptsp", "staff", agencies={"DPMPTSP"})
    with engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM layers.arsip")).scalar_one()
        other_case = conn.execute(text("SELECT case_ref FROM layers.civil_cases LIMIT 1")).scalar_one()
    with pytest.raises(ServiceError, match="bukan PDF"):
        records.file_record(engine, staff, _record(kode_kel="12.71.01.1001"), b"not a pdf at all")
    with pytest.raises(RowOutOfScope):
        records.file_record(engine, staff, _record(kode_kel="12.71.01.1001", agency="SETDA"))
    with pytest.raises(NotFound):
        records.file_record(engine, staff, _record(case_ref=other_case))
    with pytest.raises(ServiceError) as refused:
        records.parse_new({"jenis": "memo", "tanggal": "kemarin", "klasifikasi": "umum", "kelas_retensi": "X"})
    assert len(refused.value.problems) == 7
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM layers.arsip")).scalar_one() == before
    assert list(tmp_path.iterdir()) == []


def test_the_disposal_list_holds_the_agencys_records_past_retention_never_permanent_ones(engine: Engine) -> None:
    today = date(2026, 12, 7)
    staff = with_roles("staff:dsda", "staff", agencies={"DSDABMBK"})
    listed = records.disposal_list(engine, staff, today)
    assert listed and {r["agency"] for r in listed} == {"DSDABMBK"}
    for r in listed:
        kelas = retention_classes()[r["kelas_retensi"]]
        assert kelas.nasib != "permanen" and kelas.retained_until(date.fromisoformat(r["tanggal"])) <= today
    with engine.connect() as conn:
        due = conn.execute(text("SELECT count(*) FROM layers.arsip WHERE agency = 'DSDABMBK' AND kelas_retensi = 'UND' "
                                "AND tanggal <= '2024-12-07'")).scalar_one()
    assert sum(r["kelas_retensi"] == "UND" for r in listed) == due
    with pytest.raises(ServiceError):
        records.disposal_list(engine, with_roles("planner:p", "planner"), today)


def test_every_seeded_record_has_a_declared_retention_class(engine: Engine) -> None:
    with engine.connect() as conn:
        used = set(conn.execute(text("SELECT DISTINCT kelas_retensi FROM layers.arsip")).scalars())
    assert used and used <= set(retention_classes())
