"""SIMPEG on PostGIS: the synthetic staff, attendance per person and day and per agency and day, case SLA,
the importer's per-row errors."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from services.simpeg import attendance, performance, staff
from services.simpeg.importer import ImportRefused, import_staff
from services.simpeg.indicators import attendance_by_kecamatan
from services.simpeg.seed import offices_of_seed, synthetic_staff

MONDAY = date(2026, 11, 2)
EVENING = datetime(2026, 11, 6, 12, 0, tzinfo=UTC)  # Friday 19:00 WIB: the week is over


def _wib(day: date, hh: int, mm: int) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=attendance.WIB)


def _punch(engine: Engine, pin: int, at: datetime, direction: int, machine: str = "TEST-SIMPEG") -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO devices.attendance_punches (machine, pin, punched_at, direction, seq) "
                          "VALUES (:m, :p, :t, :d, 0) ON CONFLICT DO NOTHING"),
                     {"m": machine, "p": pin, "t": at, "d": direction})


def test_the_seed_is_deterministic_synthetic_and_in_the_real_offices(simpeg_engine: Engine) -> None:
    offices = offices_of_seed(simpeg_engine)
    assert len([o for o in offices if o[0].startswith("KC-")]) == 21
    assert len([o for o in offices if o[0].startswith("KL-")]) == 151
    assert synthetic_staff(offices) == synthetic_staff(offices)
    with simpeg_engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*), count(*) FILTER (WHERE source = 'synthetic'), "
                                 "count(DISTINCT kantor) FROM simpeg.staff")).one()
        machines_offices = set(conn.execute(text("SELECT kantor FROM layers.attendance_machines")).scalars())
    assert rows[0] == rows[1] == 21 * 14 + 151 * 8
    assert rows[2] == 172 and machines_offices == {o[0] for o in offices}  # every office has its machine


def test_a_persons_days_first_in_last_out_late_leave_and_absent(simpeg_engine: Engine, simpeg_people) -> None:  # noqa: ANN001
    person = staff.by_nip(simpeg_engine, simpeg_people.person_nip)
    monday, tuesday, thursday = MONDAY, MONDAY + timedelta(days=1), MONDAY + timedelta(days=3)
    _punch(simpeg_engine, person.pin, _wib(monday, 7, 12), 0)
    _punch(simpeg_engine, person.pin, _wib(monday, 12, 1), 1)  # out for lunch
    _punch(simpeg_engine, person.pin, _wib(monday, 16, 40), 1)
    _punch(simpeg_engine, person.pin, _wib(tuesday, 8, 5), 0)
    _punch(simpeg_engine, person.pin, _wib(tuesday, 15, 30), 1)
    with simpeg_engine.begin() as conn:
        conn.execute(text("INSERT INTO simpeg.leave (staff_id, first_day, last_day, kind) VALUES (:s, :d, :d, 'sakit')"),
                     {"s": person.id, "d": thursday})
    days = attendance.person_month(simpeg_engine, person.nip, MONDAY, MONDAY + timedelta(days=6), now=EVENING)
    by_day = {d.day: d for d in days}
    assert len(days) == 5  # Saturday and Sunday are no working days
    assert by_day[monday].status == "hadir" and by_day[monday].as_dict()["pulang"] == "16:40"
    assert by_day[tuesday].status == "terlambat" and by_day[tuesday].late_minutes == 35
    assert by_day[tuesday].early_minutes == 30
    assert by_day[thursday].status == "sakit"
    assert by_day[MONDAY + timedelta(days=2)].status == "tidak_hadir"
    summary = attendance.summary(days)
    assert summary["hadir_total"] == 2 and summary["tidak_hadir"] == 2 and summary["tingkat_kehadiran"] == 50.0
    # Friday before 16:00 WIB: not yet absent.
    early = attendance.person_month(simpeg_engine, person.nip, MONDAY, MONDAY + timedelta(days=4),
                                    now=datetime(2026, 11, 6, 1, 0, tzinfo=UTC))
    assert early[-1].status == "belum"


def test_agency_figures_count_and_suppress_small_groups(simpeg_engine: Engine) -> None:
    day = date(2026, 11, 10)
    with simpeg_engine.begin() as conn:
        staff.save(conn, [staff.StaffInput(nip=f"19800101200501100{i}", nama=f"Uji {i}", jabatan="Analis",
                                           agency="BKPSDM", kantor="SKPD-BKPSDM", pin=900000 + i) for i in range(3)],
                   actor="test")
    for i in range(3):
        _punch(simpeg_engine, 900000 + i, _wib(day, 7, 10 + 20 * i), 0)
    public = attendance.agency_figures(simpeg_engine, day, day, agency="BKPSDM", now=EVENING + timedelta(days=7))
    assert public == [{"instansi": "BKPSDM", "tanggal": "2026-11-10", "disembunyikan": True, "pegawai": None,
                       "hadir": None, "terlambat": None, "tidak_hadir": None, "cuti": None,
                       "tingkat_kehadiran": None, "catatan": "kelompok kecil"}]
    head = attendance.agency_figures(simpeg_engine, day, day, agency="BKPSDM", public=False,
                                     now=EVENING + timedelta(days=7))
    assert (head[0]["pegawai"], head[0]["hadir"], head[0]["terlambat"], head[0]["tidak_hadir"]) == (3, 3, 1, 0)
    # A large agency on a day no machine delivered anything: no data, not everyone absent.
    quiet = attendance.agency_figures(simpeg_engine, date(2026, 10, 1), date(2026, 10, 1), agency="KECAMATAN",
                                      now=EVENING)
    assert quiet[0]["pegawai"] == 294 and quiet[0]["tidak_hadir"] is None and quiet[0]["catatan"]


def test_kecamatan_indicator_has_the_seams_shape(simpeg_engine: Engine, simpeg_people) -> None:  # noqa: ANN001
    with simpeg_engine.connect() as conn:
        rows = attendance_by_kecamatan(conn, start=MONDAY, end=MONDAY + timedelta(days=4))
    assert rows and {"kode_kec", "month", "value", "n"} == set(rows[0])
    city = [r for r in rows if r["kode_kec"] is None]
    assert len(city) == 1 and city[0]["month"] == date(2026, 11, 1) and 0 < city[0]["value"] <= 100


def test_case_steps_on_time_or_late_against_the_states_due_time(simpeg_engine: Engine, simpeg_people) -> None:  # noqa: ANN001
    person = staff.by_nip(simpeg_engine, simpeg_people.person_nip)
    t0 = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
    events = [("PBG-T1", t0, "citizen:x", "submitted", None), ("PBG-T1", t0 + timedelta(days=1), "user:pegawai",
              "transition", "submitted"),  # 1 day in 'submitted' (due 3): on time
              ("PBG-T1", t0 + timedelta(days=8), "user:pegawai", "transition", "verified"),  # 7 days (due 5): late
              ("PBG-T2", t0, "citizen:y", "submitted", None),
              ("PBG-T2", t0 + timedelta(days=2), "user:rekan", "transition", "submitted")]  # someone else's
    with simpeg_engine.begin() as conn:
        for ref, at, actor, kind, from_state in events:
            conn.execute(text("INSERT INTO engine.case_events (service, case_ref, at, actor, kind, from_state) "
                              "VALUES ('pbg', :r, :a, :who, :k, :f)"),
                         {"r": ref, "a": at, "who": actor, "k": kind, "f": from_state})
    steps = performance.case_steps(simpeg_engine, person.user_id, date(2026, 11, 1), date(2026, 11, 30))
    assert (steps["langkah"], steps["dengan_batas"], steps["tepat_waktu"]) == (2, 2, 1)
    assert steps["persen_tepat_waktu"] == 50.0 and steps["per_layanan"]["pbg"]["langkah"] == 2


def _csv(rows: list[str]) -> bytes:
    return ("nip;nama;jabatan;instansi;kantor;pin;akun\n" + "\n".join(rows) + "\n").encode()


def test_import_stores_all_rows_or_none_and_names_each_bad_row(simpeg_engine: Engine, simpeg_people) -> None:  # noqa: ANN001
    good = ["198501012010011001;Ani Uji;Analis;DLH;SKPD-DLH;910001;",
            "198602022011022002;Budi Uji;Pengawas;DLH;UPT-DLH-1;910002;rekan2"]
    with pytest.raises(ImportRefused, match="rekan2"):  # no such account: nothing stored
        import_staff(simpeg_engine, _csv(good), "pegawai.csv", actor="user:admin")
    with pytest.raises(ImportRefused) as refused:
        import_staff(simpeg_engine, _csv([good[0], "19850101201001100;Cici;Analis;DLH;SKPD-DLH;910003;",
                                          "198701012012011003;Dodi;Analis;DINAS;KANTOR;abc;",
                                          "198801012013011004;Eka;Analis;DLH;SKPD-DLH;910001;"]),
                     "pegawai.csv", actor="user:admin")
    errors = refused.value.report.errors
    assert set(errors) == {3, 4, 5}
    assert "nip" in errors[3][0] and any("instansi" in e for e in errors[4]) and any("kantor" in e for e in errors[4])
    assert any("pin" in e for e in errors[4]) and "baris 2" in errors[5][0]
    with simpeg_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM simpeg.staff WHERE pin BETWEEN 910001 AND 910003")).scalar() == 0
    with pytest.raises(ImportRefused, match="tertaut"):  # `rekan` is someone else's account already
        import_staff(simpeg_engine, _csv([good[0], good[1].replace("rekan2", "rekan")]), "p.csv", actor="user:admin")
    report = import_staff(simpeg_engine, _csv([good[0], good[1].replace("rekan2", "")]), "p.csv",
                          actor="user:admin")
    assert report.stored == 2
    history = staff.history(simpeg_engine, "198501012010011001")
    assert history[0]["actor"] == "user:admin" and history[0]["op"] == "INSERT"


def test_import_xlsx_refuses_a_nip_excel_turned_into_a_number(simpeg_engine: Engine) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["NIP", "Nama", "Jabatan", "Instansi", "Kantor", "PIN"])
    sheet.append([198901012014011005, "Fajar", "Analis", "DLH", "SKPD-DLH", 920001])  # a number: digits lost
    sheet.append(["199001012015011006", "Gita", "Analis", "DLH", "SKPD-DLH", 920002])
    data = io.BytesIO()
    book.save(data)
    with pytest.raises(ImportRefused) as refused:
        import_staff(simpeg_engine, data.getvalue(), "pegawai.xlsx", actor="user:admin")
    assert list(refused.value.report.errors) == [2] and "18" in refused.value.report.errors[2][0]


def test_the_triggers_roll_ups_equal_a_rebuild_from_every_punch(simpeg_engine: Engine, simpeg_people) -> None:  # noqa: ANN001
    """The fast path (rows the punches' trigger keeps) checked against the slow one (recomputed from all punches)."""
    from services.simpeg.queries import rebuild_roll_ups

    person = staff.by_nip(simpeg_engine, simpeg_people.colleague_nip)
    day = date(2026, 11, 17)
    for hh, mm, direction in ((7, 50, 0), (7, 20, 0), (17, 5, 1), (12, 0, 1)):  # out of order, twice in
        _punch(simpeg_engine, person.pin, _wib(day, hh, mm), direction, machine="TEST-ROLLUP")
    _punch(simpeg_engine, person.pin, _wib(day, 7, 20), 0, machine="TEST-ROLLUP")  # fetched again: not counted

    def snapshot(conn) -> tuple[list, list]:  # noqa: ANN001
        return (conn.execute(text("SELECT pin, day, first_in, last_out, punches FROM simpeg.attendance_days "
                                  "ORDER BY pin, day")).all(),
                conn.execute(text("SELECT kantor, day, present FROM simpeg.office_days ORDER BY kantor, day")).all())

    with simpeg_engine.connect() as conn:
        kept = snapshot(conn)
        row = conn.execute(text("SELECT first_in, last_out, punches FROM simpeg.attendance_days "
                                "WHERE pin = :p AND day = :d"), {"p": person.pin, "d": day}).one()
        assert (row.first_in, row.last_out, row.punches) == (_wib(day, 7, 20), _wib(day, 17, 5), 4)
    with simpeg_engine.connect() as conn:
        trans = conn.begin()
        try:
            rebuild_roll_ups(conn)
            assert snapshot(conn) == kept
        finally:
            trans.rollback()
