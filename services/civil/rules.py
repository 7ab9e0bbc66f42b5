"""Civil registration's own checks of an application: NIK structure, dates, their coherence.

An NIK (Nomor Induk Kependudukan, 16 digits) is PP KK CC DDMMYY NNNN: province, regency or
city and district of the first registration, the date of birth (a woman's day plus 40) and
a serial number. It is checked for its structure only, wherever it was issued (a family
moving into Medan brings NIKs of other regions), and against the date of birth and sex the
form gives. Dates are ISO (YYYY-MM-DD) and not in the future (a move out may be planned up
to MOVE_AHEAD_DAYS ahead); "today" is the day in Medan (WIB).

Each `check_*` is named by a declaration's `form_rules` and returns every problem (said.Said).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from services.engine.said import Said

WIB = ZoneInfo("Asia/Jakarta")
# Province codes of Dukcapil (Aceh 11 ... Papua Barat Daya 96); 12 is Sumatera Utara (Medan: 1271).
PROVINCES = frozenset({11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53, 61, 62, 63, 64,
                       65, 71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96, 97})
NIK_DIGITS = re.compile(r"^[0-9]{16}$")
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
OLDEST_YEARS = 130  # nobody registered is older
MOVE_AHEAD_DAYS = 60
MIN_MOTHER_AGE_YEARS = 10  # a mother's NIK dated later than this before the birth is a typing error


def today_wib() -> date:
    return datetime.now(WIB).date()


def nik_problems(nik: str, label: str, label_en: str) -> list[Said]:
    """What is wrong with the structure of one NIK ([] when nothing)."""
    if not NIK_DIGITS.match(nik):
        return [Said(f"{label}: harus 16 angka", f"{label_en}: must be 16 digits")]
    province, regency, district = int(nik[0:2]), int(nik[2:4]), int(nik[4:6])
    if province not in PROVINCES:
        return [Said(f"{label}: kode provinsi {nik[0:2]} tidak ada", f"{label_en}: no province code {nik[0:2]}")]
    if regency == 0 or district == 0:
        return [Said(f"{label}: kode kabupaten/kota atau kecamatan tidak boleh 00",
                     f"{label_en}: the regency or district code cannot be 00")]
    if nik_birth_date(nik) is None:
        return [Said(f"{label}: angka ke-7 sampai ke-12 bukan tanggal lahir (HHBBTT, perempuan HH+40)",
                     f"{label_en}: digits 7-12 are not a date of birth (DDMMYY, women DD+40)")]
    if nik[12:] == "0000":
        return [Said(f"{label}: nomor urut (4 angka terakhir) tidak boleh 0000",
                     f"{label_en}: the serial number (last 4 digits) cannot be 0000")]
    return []


def nik_birth_date(nik: str) -> tuple[int, int, int] | None:
    """(day, month, two-digit year) of birth in an NIK, None when they are not a date."""
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    if day > 40:
        day -= 40
    try:
        date(2000, month, day)  # a leap year: the two digits of the year cannot refuse 29 February
    except ValueError:
        return None
    return day, month, year


def nik_sex(nik: str) -> str:
    return "P" if int(nik[6:8]) > 40 else "L"


def parse_date(value: str | None, label: str, label_en: str, today: date, *,
               ahead_days: int = 0) -> tuple[date | None, list[Said]]:
    """An ISO date, not later than today (+ ahead_days) and not absurdly old."""
    if value is None:
        return None, []
    try:
        if not ISO_DATE.match(value):
            raise ValueError
        parsed = date.fromisoformat(value)
    except ValueError:
        return None, [Said(f"{label}: tulis tanggal sebagai TTTT-BB-HH (mis. 2026-03-17)",
                           f"{label_en}: write the date as YYYY-MM-DD (e.g. 2026-03-17)")]
    if parsed > today + timedelta(days=ahead_days):
        if ahead_days:
            return None, [Said(f"{label}: paling lambat {ahead_days} hari dari hari ini",
                               f"{label_en}: at most {ahead_days} days from today")]
        return None, [Said(f"{label}: tidak boleh di masa depan", f"{label_en}: cannot be in the future")]
    if parsed.year < today.year - OLDEST_YEARS:
        return None, [Said(f"{label}: lebih dari {OLDEST_YEARS} tahun yang lalu",
                           f"{label_en}: more than {OLDEST_YEARS} years ago")]
    return parsed, []


def _nik_matches_person(nik: str, born: date | None, sex: str | None, label: str, label_en: str) -> list[Said]:
    """The NIK's date of birth and sex agree with the form's (checked only when both are given)."""
    problems = []
    if born is not None and nik_birth_date(nik) != (born.day, born.month, born.year % 100):
        problems.append(Said(f"{label}: tanggal lahir di NIK tidak sama dengan tanggal lahir {born.isoformat()}",
                             f"{label_en}: the date of birth in the NIK differs from {born.isoformat()}"))
    if sex in ("L", "P") and nik_sex(nik) != sex:
        problems.append(Said(f"{label}: NIK ini milik {'perempuan' if nik_sex(nik) == 'P' else 'laki-laki'}, "
                             "tidak sama dengan jenis kelamin yang diisi",
                             f"{label_en}: this NIK is a {'woman' if nik_sex(nik) == 'P' else 'man'}'s, "
                             "unlike the sex given"))
    return problems


def _niks(values: Mapping[str, Any], names: dict[str, tuple[str, str]]) -> list[Said]:
    problems = []
    for name, (label, label_en) in names.items():
        if values.get(name):
            problems += nik_problems(str(values[name]), label, label_en)
    return problems


APPLICANT = {"nik_pemohon": ("NIK pemohon", "Applicant's NIK")}


def check_birth(values: Mapping[str, Any], *, today: date | None = None) -> list[Said]:
    """A birth: the mother's (and father's) NIK, the birth date not in the future, the mother born before."""
    today = today or today_wib()
    problems = _niks(values, {**APPLICANT, "nik_ibu": ("NIK ibu", "Mother's NIK"),
                              "nik_ayah": ("NIK ayah", "Father's NIK")})
    born, wrong = parse_date(values.get("tanggal_lahir"), "Tanggal lahir", "Date of birth", today)
    problems += wrong
    mother = values.get("nik_ibu")
    if mother and not nik_problems(str(mother), "", "") and nik_sex(str(mother)) != "P":
        problems.append(Said("NIK ibu: NIK ini milik laki-laki (hari lahir perempuan ditambah 40)",
                             "Mother's NIK: this NIK is a man's (a woman's birth day is plus 40)"))
    if mother and born is not None and not nik_problems(str(mother), "", ""):
        two_digit = int(str(mother)[10:12])
        # The NIK gives two digits of the year: the mother's is the latest such year before the child's.
        mother_year = born.year - ((born.year - two_digit) % 100)
        if born.year - mother_year < MIN_MOTHER_AGE_YEARS:
            problems.append(Said("NIK ibu: tahun lahir ibu di NIK tidak sesuai dengan tanggal lahir anak",
                                 "Mother's NIK: the mother's year of birth does not fit the child's date of birth"))
    return problems


def _person_and_event(values: Mapping[str, Any], today: date, event: tuple[str, str], *,
                      ahead_days: int = 0) -> list[Said]:
    """A registered person (NIK, date of birth, sex) and the event's date after the birth."""
    problems = _niks(values, {**APPLICANT, "nik_subjek": ("NIK yang didaftarkan", "NIK registered")})
    born, wrong = parse_date(values.get("tanggal_lahir"), "Tanggal lahir", "Date of birth", today)
    problems += wrong
    happened, wrong = parse_date(values.get("tanggal_peristiwa"), *event, today, ahead_days=ahead_days)
    problems += wrong
    nik = values.get("nik_subjek")
    if nik and not nik_problems(str(nik), "", ""):
        problems += _nik_matches_person(str(nik), born, values.get("jenis_kelamin"), "NIK yang didaftarkan",
                                        "NIK registered")
    if born is not None and happened is not None and happened < born:
        problems.append(Said(f"{event[0]}: sebelum tanggal lahir", f"{event[1]}: before the date of birth"))
    return problems


def check_death(values: Mapping[str, Any], *, today: date | None = None) -> list[Said]:
    return _person_and_event(values, today or today_wib(), ("Tanggal meninggal", "Date of death"))


def check_moving_out(values: Mapping[str, Any], *, today: date | None = None) -> list[Said]:
    return _person_and_event(values, today or today_wib(), ("Tanggal pindah", "Moving date"),
                             ahead_days=MOVE_AHEAD_DAYS)


def check_moving_in(values: Mapping[str, Any], *, today: date | None = None) -> list[Said]:
    return _person_and_event(values, today or today_wib(), ("Tanggal datang", "Arrival date"))


CHECKS: dict[str, Callable[..., list[Said]]] = {
    "akta_kelahiran": check_birth, "akta_kematian": check_death,
    "pindah_keluar": check_moving_out, "kedatangan": check_moving_in,
}
