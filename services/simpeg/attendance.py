"""Attendance per person and day, and per agency and day, from the machines' punches.

The rules of the day (Medan's working hours for civil servants, Monday to Friday, WIB):
work starts 07:30 and ends 16:00; a first arrival after 07:30 is late, a last departure before
16:00 is leaving early; a working day with approved leave (cuti, sakit, dinas luar) is leave,
not absence; a working day with no punch is absent once the day is over (today it is "not yet").
National holidays are not modelled yet: such a day counts as a working day.

Individual rows are for the person, their head of agency and admins (layers/access.py); the
agency rows for everyone, with groups smaller than MIN_PUBLIC_GROUP staff suppressed and days
on which no machine of the agency delivered a single punch shown as "no data", not as 100 % absent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from layers.access import MIN_PUBLIC_GROUP
from services.errors import ServiceError
from services.simpeg import queries

WIB = ZoneInfo("Asia/Jakarta")
WORK_START = time(7, 30)
WORK_END = time(16, 0)
MAX_DAYS = 366  # a request over more days is refused (a year is the longest report anyone reads)
STATUSES = ("hadir", "terlambat", "tidak_hadir", "cuti", "sakit", "dinas_luar", "belum")


class BadPeriod(ServiceError):
    """A period that is not two dates in order within a year."""


def period(start: str | date | None, end: str | date | None, *, today: date | None = None) -> tuple[date, date]:
    """The asked period, by default the current month up to today (WIB)."""
    today = today or datetime.now(WIB).date()
    try:
        first = date.fromisoformat(start) if isinstance(start, str) and start else start or today.replace(day=1)
        last = date.fromisoformat(end) if isinstance(end, str) and end else end or today
    except ValueError as exc:
        raise BadPeriod(f"tanggal harus YYYY-MM-DD / dates are YYYY-MM-DD: {exc}") from None
    assert isinstance(first, date) and isinstance(last, date)
    if last < first:
        raise BadPeriod("tanggal akhir sebelum tanggal awal / the end is before the start")
    if (last - first).days >= MAX_DAYS:
        raise BadPeriod(f"paling lama {MAX_DAYS} hari / at most {MAX_DAYS} days")
    return first, last


def month_period(month: str | None, *, today: date | None = None) -> tuple[date, date]:
    """A month 'YYYY-MM' (default: this one) up to today."""
    today = today or datetime.now(WIB).date()
    if not month:
        return today.replace(day=1), today
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise BadPeriod(f"bulan harus YYYY-MM / the month is YYYY-MM: {month!r}") from None
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first, min(last, max(today, first))


@dataclass(frozen=True)
class PersonDay:
    day: date
    status: str
    first_in: datetime | None
    last_out: datetime | None
    late_minutes: int
    early_minutes: int

    def as_dict(self) -> dict[str, Any]:
        clock = lambda t: t.astimezone(WIB).strftime("%H:%M") if t else None  # noqa: E731
        return {"tanggal": self.day.isoformat(), "status": self.status, "masuk": clock(self.first_in),
                "pulang": clock(self.last_out), "terlambat_menit": self.late_minutes,
                "pulang_cepat_menit": self.early_minutes}


def _minutes(a: time, b: time) -> int:
    """Whole minutes from b to a, 0 when a is not after b."""
    return max(0, int((datetime.combine(date.min, a) - datetime.combine(date.min, b)).total_seconds()) // 60)


def person_day(row: dict[str, Any], now: datetime) -> PersonDay:
    """One working day of one person, from its punches and leave."""
    first_in, last_out = row["first_in"], row["last_out"]
    late = _minutes(first_in.astimezone(WIB).time(), WORK_START) if first_in else 0
    early = _minutes(WORK_END, last_out.astimezone(WIB).time()) if last_out else 0
    if row["leave_kind"]:
        status = row["leave_kind"]
    elif first_in or last_out:
        status = "terlambat" if late else "hadir"
    else:
        over = datetime.combine(row["day"], WORK_END, WIB) <= now
        status = "tidak_hadir" if over else "belum"
    return PersonDay(row["day"], status, first_in, last_out, late, early)


def person_month(engine: Engine, nip: str, start: date, end: date, *, now: datetime | None = None) -> list[PersonDay]:
    """Every working day of one person in the period (days after today left out)."""
    now = now or datetime.now(WIB)
    with engine.connect() as conn:
        rows = queries.person_days(conn, start, min(end, now.astimezone(WIB).date()), nip=nip)
    return [person_day(dict(r), now) for r in rows]


def summary(days: list[PersonDay]) -> dict[str, Any]:
    """Counts of a person's days and the rates derived from them."""
    counts = {s: sum(1 for d in days if d.status == s) for s in STATUSES}
    present = counts["hadir"] + counts["terlambat"]
    expected = present + counts["tidak_hadir"]  # leave and today-not-yet are not expected attendance
    return {"hari_kerja": len(days), **counts, "hadir_total": present,
            "tingkat_kehadiran": round(100 * present / expected, 1) if expected else None,
            "tepat_waktu": round(100 * counts["hadir"] / present, 1) if present else None,
            "menit_terlambat": sum(d.late_minutes for d in days)}


def agency_staff_days(engine: Engine, agency: str, day: date, *, now: datetime | None = None
                      ) -> list[dict[str, Any]]:
    """Each staff member of an agency on one day (the head's page): who, and how they came."""
    now = now or datetime.now(WIB)
    with engine.connect() as conn:
        rows = queries.person_days(conn, day, day, agency=agency)
    return [{"nip": r["nip"], "nama": r["nama"], "jabatan": r["jabatan"], "kantor": r["kantor"],
             **person_day(dict(r), now).as_dict()} for r in rows]


def agency_figures(engine: Engine, start: date, end: date, *, agency: str | None = None,
                   public: bool = True, now: datetime | None = None) -> list[dict[str, Any]]:
    """Per agency and working day: present, late, absent, on leave and rates. `public`: groups under
    MIN_PUBLIC_GROUP staff are suppressed (counts and rates None, `disembunyikan` true)."""
    now = now or datetime.now(WIB)
    last = min(end, now.astimezone(WIB).date())
    if last < start:
        return []
    with engine.connect() as conn:
        rows = queries.agency_days(conn, start, last, late_after=WORK_START.isoformat(), agency=agency)
    return [_agency_row(dict(r), public, now) for r in rows]


def _agency_row(r: dict[str, Any], public: bool, now: datetime) -> dict[str, Any]:
    out: dict[str, Any] = {"instansi": r["agency"], "tanggal": r["day"].isoformat()}
    if public and r["staff"] < MIN_PUBLIC_GROUP:
        return {**out, "disembunyikan": True, "pegawai": None, "hadir": None, "terlambat": None,
                "tidak_hadir": None, "cuti": None, "tingkat_kehadiran": None, "catatan": "kelompok kecil"}
    day_over = datetime.combine(r["day"], WORK_END, WIB) <= now
    if not r["punched"]:
        note = "belum ada data mesin" if day_over else "hari ini belum ada absen"
        return {**out, "disembunyikan": False, "pegawai": r["staff"], "hadir": None, "terlambat": None,
                "tidak_hadir": None, "cuti": r["on_leave"], "tingkat_kehadiran": None, "catatan": note}
    expected = r["staff"] - r["on_leave"]
    absent = expected - r["present"] if day_over else None
    return {**out, "disembunyikan": False, "pegawai": r["staff"], "hadir": r["present"], "terlambat": r["late"],
            "tidak_hadir": absent, "cuti": r["on_leave"],
            "tingkat_kehadiran": round(100 * r["present"] / expected, 1) if expected else None, "catatan": None}
