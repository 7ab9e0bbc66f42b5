"""Seed of civil_cases: past applications, synthetic and deterministic, made-up people.

For each kind and each month of SEED_MONTHS a few kelurahan get a busy month (5 to 9
registrations, so the public figures have cells above the threshold) and about fifteen
more registrations fall anywhere in Medan (mostly cells under 5, which the public figures
suppress). Most are issued; a few wait in each other state. Names are drawn from lists of
common Indonesian given names with "(sintetis)" appended; NIKs have a valid structure and
agree with the date of birth and sex, but belong to nobody (serial numbers 9xxx).
"""

from __future__ import annotations

from datetime import date, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point

from geodata.synthetic.common import DEFAULT_SEED, geoframe, layer_rng, prepare_kelurahan

AGENCY = "DISDUKCAPIL"
SEED_MONTHS = ("2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11")
KINDS = {"akta_kelahiran": "AKL", "akta_kematian": "AKM", "pindah_keluar": "PDH", "kedatangan": "KDT"}
BUSY_KELURAHAN_PER_MONTH = 3
SCATTERED_PER_MONTH = 15
# An application not yet issued, now and then (the rest are issued registrations).
OTHER_STATES = ("submitted", "verified", "approved", "rejected")
GIVEN = ("Andi", "Budi", "Citra", "Dewi", "Eka", "Fajar", "Gita", "Hadi", "Indah", "Joko", "Kartika", "Lestari",
         "Maya", "Nanda", "Putri", "Rizky", "Sari", "Tono", "Wulan", "Yusuf")
FAMILY = ("Siregar", "Nasution", "Lubis", "Harahap", "Sitompul", "Ginting", "Tarigan", "Sembiring", "Pardede",
          "Simanjuntak")
CITIES = ("Kabupaten Deli Serdang", "Kota Binjai", "Kota Pematangsiantar", "Kabupaten Langkat", "Kota Padang",
          "Kota Pekanbaru", "Kota Banda Aceh", "DKI Jakarta")


def fake_nik(rng: np.random.Generator, born: date, sex: str) -> str:
    """A structurally valid NIK of Medan (12 71 kk) for this date of birth and sex; serial 9xxx, nobody's."""
    day = born.day + (40 if sex == "P" else 0)
    return f"1271{int(rng.integers(1, 22)):02d}{day:02d}{born.month:02d}{born.year % 100:02d}9{int(rng.integers(0, 1000)):03d}"


def _point_in(polygon: shapely.Geometry, rng: np.random.Generator, fallback: Point) -> Point:
    minx, miny, maxx, maxy = polygon.bounds
    for _ in range(200):
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if shapely.contains_xy(polygon, x, y):
            return Point(x, y)
    return fallback


def _name(rng: np.random.Generator) -> str:
    return f"{GIVEN[int(rng.integers(len(GIVEN)))]} {FAMILY[int(rng.integers(len(FAMILY)))]} (sintetis)"


def _day_in(month: str, rng: np.random.Generator) -> date:
    first = date.fromisoformat(month + "-01")
    return first + timedelta(days=int(rng.integers(0, 28)))


def _people(kind: str, event: date, rng: np.random.Generator) -> dict:
    """The registered person and the kind's own fields, coherent with each other."""
    sex = "P" if rng.random() < 0.5 else "L"
    if kind == "akta_kelahiran":
        mother_born = event - timedelta(days=int(rng.integers(20 * 365, 40 * 365)))
        return {"nama_subjek": _name(rng), "jenis_kelamin": sex, "tanggal_lahir": event.isoformat(),
                "tempat_lahir": "Klinik Bersalin Contoh (sintetis)", "nama_ibu": _name(rng), "nik_ibu": fake_nik(rng, mother_born, "P"),
                "nama_ayah": _name(rng), "hubungan": "ibu"}
    years = (60, 95) if kind == "akta_kematian" else (18, 60)
    born = event - timedelta(days=int(rng.integers(years[0] * 365, years[1] * 365)))
    person = {"nama_subjek": _name(rng), "nik_subjek": fake_nik(rng, born, sex), "jenis_kelamin": sex,
              "tanggal_lahir": born.isoformat(), "tanggal_peristiwa": event.isoformat(),
              "hubungan": "anak" if kind == "akta_kematian" else "diri_sendiri"}
    if kind == "akta_kematian":
        person["tempat_peristiwa"] = "Rumah Sakit (sintetis)"
    else:
        person.update({"kota_lain": f"{CITIES[int(rng.integers(len(CITIES)))]} (sintetis)", "alamat_lain": "Jl. Contoh (sintetis)",
                       "jumlah_pengikut": int(rng.integers(0, 5))})
        if kind == "kedatangan":
            person["nomor_skpwni"] = f"SKPWNI/SINTETIS/{int(rng.integers(1000, 9999))}"
    return person


def _rows_of_month(kind: str, month: str, n_kel: int, rng: np.random.Generator) -> list[int]:
    """The kelurahan (row numbers) of one kind-month's registrations: a few busy ones and some scattered."""
    busy = rng.choice(n_kel, size=BUSY_KELURAHAN_PER_MONTH, replace=False)
    rows = [int(b) for b in busy for _ in range(int(rng.integers(5, 10)))]
    return rows + [int(r) for r in rng.integers(0, n_kel, size=SCATTERED_PER_MONTH)]


def generate_civil_cases(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED, **context) -> gpd.GeoDataFrame:
    """Past applications of the four kinds over SEED_MONTHS, inside the kelurahan; made-up people."""
    kel = prepare_kelurahan(kelurahan)
    rng = layer_rng(seed, "civil_cases")
    records, points = [], []
    for kind, prefix in KINDS.items():
        for month in SEED_MONTHS:
            for row in _rows_of_month(kind, month, len(kel), rng):
                number = len(records) + 1
                event = _day_in(month, rng)
                status = "issued" if rng.random() < 0.9 else OTHER_STATES[int(rng.integers(len(OTHER_STATES)))]
                submitted = pd.Timestamp(event.isoformat() + "T09:00:00+07:00") + pd.Timedelta(days=int(rng.integers(1, 20)))
                applicant_born = date(1970 + int(rng.integers(0, 30)), int(rng.integers(1, 13)), int(rng.integers(1, 29)))
                records.append({
                    "case_ref": f"{prefix}-SEED{number:04d}", "service": kind, "status": status, "agency": AGENCY,
                    "submitted_at": submitted, "state_since": submitted + pd.Timedelta(days=3),
                    "kode_kel": kel["kode_kel"].iat[row], "nama_kel": kel["nama_kel"].iat[row],
                    "nama_kec": kel["nama_kec"].iat[row],
                    "address": f"Jl. Contoh No. {number} (sintetis), {kel['nama_kel'].iat[row]}",
                    "public_note": "Contoh permohonan sintetis.",
                    "nama_pemohon": f"Pemohon {_name(rng)}", "nik_pemohon": fake_nik(rng, applicant_born, "L"),
                    "telp_pemohon": f"0800-1000-{number:04d}", "email_pemohon": f"warga{number:04d}@contoh.invalid",
                    "internal_notes": f"Catatan internal contoh {number:04d} (sintetis)",
                    **_people(kind, event, rng),
                })
                points.append(_point_in(kel.geometry.iat[row], rng, kel["rep"].iat[row]))
    columns = sorted({key for record in records for key in record}, key=lambda k: (k != "case_ref", k))
    frame = geoframe(records, points, columns)
    # Whole numbers stay whole where some rows have none (pandas would make the column float).
    frame["jumlah_pengikut"] = pd.Series([r.get("jumlah_pengikut") for r in records], dtype=object)
    return frame
