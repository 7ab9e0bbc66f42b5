"""Civil registration's own checks: the NIK's structure and coherence, dates not in the future."""

from __future__ import annotations

from datetime import date

import pytest

from services.civil import rules

TODAY = date(2026, 12, 7)
MOTHER = "1271014505900001"  # Medan, born 5 May 1990, a woman (day + 40)


def _texts(problems: list) -> str:
    return " | ".join(problems)


@pytest.mark.parametrize(("nik", "says"), [
    ("127101450590001", "harus 16 angka"),
    ("12710145059000A1", "harus 16 angka"),
    ("9971014505900001", "kode provinsi 99 tidak ada"),
    ("1200014505900001", "tidak boleh 00"),
    ("1271004505900001", "tidak boleh 00"),
    ("1271013205900001", "bukan tanggal lahir"),  # day 32
    ("1271017205900001", "bukan tanggal lahir"),  # day 72 (a woman's 32)
    ("1271010513900001", "bukan tanggal lahir"),  # month 13
    ("1271013002900001", "bukan tanggal lahir"),  # 30 February
    ("1271014505900000", "nomor urut"),
])
def test_an_nik_with_a_broken_structure_is_refused_saying_which_part(nik: str, says: str) -> None:
    assert says in _texts(rules.nik_problems(nik, "NIK", "NIK"))


def test_an_nik_of_another_region_and_a_29_february_are_valid() -> None:
    assert rules.nik_problems("3174012902000123", "NIK", "NIK") == []  # Jakarta, 29 Feb 2000
    assert rules.nik_problems(MOTHER, "NIK", "NIK") == []
    assert rules.nik_sex(MOTHER) == "P" and rules.nik_birth_date(MOTHER) == (5, 5, 90)


def _birth(**overrides: str) -> dict:
    return {"nik_pemohon": "1271010101850003", "nik_ibu": MOTHER, "tanggal_lahir": "2026-11-30", **overrides}


def test_a_coherent_birth_passes() -> None:
    assert rules.check_birth(_birth(), today=TODAY) == []


def test_a_birth_in_the_future_or_badly_written_is_refused() -> None:
    assert "Tanggal lahir: tidak boleh di masa depan" in rules.check_birth(_birth(tanggal_lahir="2026-12-08"), today=TODAY)
    wrong = rules.check_birth(_birth(tanggal_lahir="30/11/2026"), today=TODAY)
    assert wrong == ["Tanggal lahir: tulis tanggal sebagai TTTT-BB-HH (mis. 2026-03-17)"]
    assert wrong[0].en == "Date of birth: write the date as YYYY-MM-DD (e.g. 2026-03-17)"
    assert rules.check_birth(_birth(tanggal_lahir="2026-02-30"), today=TODAY)


def test_the_mothers_nik_must_be_a_womans_born_well_before_the_child() -> None:
    assert "NIK ibu: NIK ini milik laki-laki" in _texts(rules.check_birth(_birth(nik_ibu="1271010505900001"), today=TODAY))
    child_of_a_toddler = rules.check_birth(_birth(nik_ibu="1271014505240001"), today=TODAY)  # mother born 2024
    assert "tahun lahir ibu di NIK tidak sesuai" in _texts(child_of_a_toddler)


def _death(**overrides: str) -> dict:
    return {"nik_subjek": "1271014505400007", "jenis_kelamin": "P", "tanggal_lahir": "1940-05-05",
            "tanggal_peristiwa": "2026-11-01", **overrides}


def test_a_coherent_death_passes_and_the_nik_must_agree_with_birth_date_and_sex() -> None:
    assert rules.check_death(_death(), today=TODAY) == []
    other_day = rules.check_death(_death(tanggal_lahir="1940-05-06"), today=TODAY)
    assert "tanggal lahir di NIK tidak sama dengan tanggal lahir 1940-05-06" in _texts(other_day)
    assert "NIK ini milik perempuan" in _texts(rules.check_death(_death(jenis_kelamin="L"), today=TODAY))


def test_a_death_before_the_birth_or_in_the_future_is_refused() -> None:
    assert "Tanggal meninggal: sebelum tanggal lahir" in rules.check_death(_death(tanggal_peristiwa="1939-01-01"),
                                                                            today=TODAY)
    assert "Tanggal meninggal: tidak boleh di masa depan" in rules.check_death(_death(tanggal_peristiwa="2027-01-01"),
                                                                                today=TODAY)


def test_a_move_out_may_be_planned_60_days_ahead_but_an_arrival_not_in_the_future() -> None:
    person = {"nik_subjek": "1271010505800009", "jenis_kelamin": "L", "tanggal_lahir": "1980-05-05"}
    assert rules.check_moving_out({**person, "tanggal_peristiwa": "2027-01-20"}, today=TODAY) == []
    assert "Tanggal pindah: paling lambat 60 hari dari hari ini" in rules.check_moving_out(
        {**person, "tanggal_peristiwa": "2027-03-01"}, today=TODAY)
    assert "Tanggal datang: tidak boleh di masa depan" in rules.check_moving_in(
        {**person, "tanggal_peristiwa": "2026-12-08"}, today=TODAY)


def test_the_applicants_nik_is_checked_in_every_kind() -> None:
    for check in rules.CHECKS.values():
        assert "NIK pemohon: kode provinsi 00 tidak ada" in _texts(check({"nik_pemohon": "0071010505800009"},
                                                                         today=TODAY))
