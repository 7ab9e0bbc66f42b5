"""Seed of the projects layers: city projects in every stage over four fiscal years, with their monthly
progress reports. Synthetic and deterministic (a fixed seed and a fixed "today"), inside the real kelurahan,
labelled `source = "synthetic"`; budget lines, contractors and contract numbers are made up ("sintetis").
The database derives `projects_public` from `projects`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import geopandas as gpd
import numpy as np

from geodata.synthetic.common import (
    DEFAULT_SEED,
    geoframe,
    layer_rng,
    locate,
    prepare_kelurahan,
    sample_in_kelurahan,
)
from services.projects import rules

SEED_TODAY = date(2026, 12, 1)  # the seed's "today": its progress never depends on the day it is run
# (fiscal year, stage, how far physical progress keeps up with the plan): every stage, several years,
# some projects behind their S-curve so the delay flag has cases to show.
PLAN = [
    (2023, "done", 1.0), (2023, "done", 1.0), (2023, "cancelled", 0.0), (2023, "done", 1.0),
    (2024, "done", 1.0), (2024, "done", 1.0), (2024, "construction", 0.8), (2024, "done", 1.0),
    (2025, "done", 1.0), (2025, "construction", 0.95), (2025, "construction", 0.7), (2025, "done", 1.0),
    (2026, "planned", 0.0), (2026, "planned", 0.0), (2026, "procurement", 0.0), (2026, "procurement", 0.0),
    (2026, "tender", 0.0), (2026, "tender", 0.0), (2026, "construction", 1.0), (2026, "construction", 0.6),
    (2026, "construction", 0.9), (2026, "cancelled", 0.0), (2026, "planned", 0.0), (2026, "construction", 1.0),
]
# kind of works -> (owning agency, name pattern, APBD programme code, budget range in millions of rupiah)
KINDS = {
    "jalan": ("DSDABMBK", "Peningkatan jalan lingkungan", "1.03.10.2.01", (800, 9000)),
    "drainase": ("DSDABMBK", "Normalisasi saluran drainase", "1.03.03.2.02", (500, 6000)),
    "jembatan": ("DSDABMBK", "Rehabilitasi jembatan", "1.03.10.2.03", (1500, 12000)),
    "gedung": ("DISDIK", "Rehabilitasi ruang kelas sekolah", "1.01.02.2.01", (400, 3500)),
    "ruang_terbuka": ("DLH", "Penataan taman kota", "1.11.05.2.01", (300, 2500)),
    "air_bersih": ("DPKPPR", "Jaringan air bersih permukiman", "1.04.03.2.01", (600, 4000)),
    "penerangan": ("DISHUB", "Penerangan jalan umum", "1.15.03.2.02", (250, 1800)),
}
COMPANY = ("CV", "PT")
WORD = ("Karya", "Bangun", "Cipta", "Mandiri", "Sejahtera", "Utama", "Deli", "Persada")
TENDER = ("tender", "tender", "seleksi", "e_purchasing", "pengadaan_langsung", "swakelola")
STAGE_ORDER = ("planned", "procurement", "tender", "construction", "done")


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)  # 09:00 WIB


def _monthly(start: date, until: date) -> list[date]:
    days, day = [], start + timedelta(days=30)
    while day <= until:
        days.append(day)
        day += timedelta(days=30)
    return days


def _reports(project: dict, pace: float) -> list[dict]:
    """Monthly progress of a project under construction or done: the S-curve at its pace, always rising."""
    start, end = project["jadwal_mulai"], project["jadwal_selesai"]
    done = project["status"] == "done"
    days = _monthly(start, min(end, SEED_TODAY))
    if done and (not days or days[-1] < end):
        days.append(end)
    out, last = [], 0.0
    for day in days:
        planned = rules.planned_progress(start, end, day)
        physical = 100.0 if done and day == days[-1] else max(last, round(planned * pace, 1))
        late, _ = rules.delay(physical, planned, end, day)
        out.append({"tanggal": day, "progres_fisik": physical, "progres_keuangan": round(physical * 0.85, 1),
                    "progres_rencana": planned, "terlambat": late})
        last = physical
    return out


def _project(i: int, year: int, status: str, pace: float, rng: np.random.Generator) -> tuple[dict, list[dict]]:
    kind = list(KINDS)[i % len(KINDS)]
    agency, name, programme, (low, high) = KINDS[kind]
    pagu = int(rng.integers(low, high)) * 1_000_000
    planned_at = date(year - 1, 10, 1) + timedelta(days=int(rng.integers(0, 60)))
    start = date(year, 3, 1) + timedelta(days=int(rng.integers(0, 120)))
    end = start + timedelta(days=int(rng.integers(120, 270)))
    method = TENDER[int(rng.integers(0, len(TENDER)))]
    reached = STAGE_ORDER.index(status) if status in STAGE_ORDER else int(rng.integers(0, 3))
    project = {
        "case_ref": f"PRJ-SEED{i + 1:04d}", "service": "proyek", "status": status, "agency": agency,
        "submitted_at": _at(planned_at), "state_since": _at(planned_at + timedelta(days=30 * reached)),
        "nama_proyek": f"{name} {i + 1:02d} (sintetis)", "jenis": kind, "tahun_anggaran": year,
        "kode_rekening": f"{programme}.{year % 100:02d}{i + 1:03d}", "pagu": pagu,
        "kib_aset": rules.KIB_OF_KIND[kind], "public_note": "Contoh proyek sintetis.",
    }
    if reached >= 1:
        project.update(kode_rup=f"RUP-{year}-{40000 + i * 37}", metode=method, jadwal_mulai=start, jadwal_selesai=end)
    if reached >= 2 and method in rules.TENDER_METHODS:
        project.update(jumlah_paket=1, jumlah_peserta=int(rng.integers(2, 15)))
    if reached >= 3:
        company = f"{COMPANY[i % 2]} {WORD[i % len(WORD)]} {WORD[(i * 3 + 1) % len(WORD)]} (sintetis)"
        project.update(penyedia=company if method != "swakelola" else f"Swakelola {agency}",
                       nomor_kontrak=f"{i + 1:03d}/SPK/{agency}/{year}",
                       nilai_kontrak=int(pagu * (0.86 + 0.1 * rng.random())) // 1000 * 1000)
    reports = _reports(project, pace) if reached >= 3 else []
    if reports:
        last = reports[-1]
        project.update({k: last[k] for k in ("progres_fisik", "progres_keuangan", "progres_rencana", "terlambat")},
                       progres_tanggal=last["tanggal"])
        _, why = rules.delay(last["progres_fisik"], last["progres_rencana"], end, last["tanggal"])
        project["keterangan_terlambat"] = why
    if status == "done":
        project["tanggal_serah_terima"] = end + timedelta(days=7)
    if status == "cancelled":
        project["public_note"] = "Dibatalkan: anggaran dialihkan (contoh sintetis)."
    return project, reports


def _generate(kelurahan: gpd.GeoDataFrame, seed: int) -> tuple[list[dict], list, list[list[dict]]]:
    kel = prepare_kelurahan(kelurahan)
    rng = layer_rng(seed, "projects")
    points = sample_in_kelurahan(kel, rng, len(PLAN), central_weight=1.5)
    where = locate(points, kel)
    projects, all_reports = [], []
    for i, ((year, status, pace), row) in enumerate(zip(PLAN, where, strict=True)):
        project, reports = _project(i, year, status, pace, rng)
        project.update(kode_kel=kel["kode_kel"].iat[row], nama_kel=kel["nama_kel"].iat[row],
                       nama_kec=kel["nama_kec"].iat[row])
        projects.append(project)
        all_reports.append(reports)
    return projects, points, all_reports


PROJECT_COLUMNS = ["case_ref", "service", "status", "agency", "submitted_at", "state_since", "nama_proyek", "jenis",
                   "tahun_anggaran", "kode_rekening", "pagu", "kib_aset", "public_note", "kode_rup", "metode",
                   "jadwal_mulai", "jadwal_selesai", "jumlah_paket", "jumlah_peserta", "penyedia", "nomor_kontrak",
                   "nilai_kontrak", "progres_fisik", "progres_keuangan", "progres_rencana", "progres_tanggal",
                   "terlambat", "keterangan_terlambat", "tanggal_serah_terima", "kode_kel", "nama_kel", "nama_kec"]


def generate_projects(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED, **context) -> gpd.GeoDataFrame:
    """24 projects of four fiscal years (2023-2026), in every stage, some delayed; made-up budget lines."""
    projects, points, _ = _generate(kelurahan, seed)
    frame = geoframe(projects, points, PROJECT_COLUMNS)
    for column in ("jumlah_paket", "jumlah_peserta"):
        frame[column] = frame[column].astype("Int64")
    frame["terlambat"] = frame["terlambat"].astype("boolean")
    return frame


def generate_progress(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED, **context) -> gpd.GeoDataFrame:
    """The monthly progress reports of the seeded projects under construction or done, at their points."""
    projects, points, all_reports = _generate(kelurahan, seed)
    records, geometries = [], []
    for project, point, reports in zip(projects, points, all_reports, strict=True):
        for n, report in enumerate(reports, start=1):
            records.append({"laporan_id": f"{project['case_ref']}-{n:03d}", "case_ref": project["case_ref"],
                            "agency": project["agency"], "kode_kel": project["kode_kel"],
                            "dilaporkan": _at(report["tanggal"]), "koreksi": False,
                            "catatan": "Laporan progres sintetis.", **report})
            geometries.append(point)
    columns = ["laporan_id", "case_ref", "agency", "kode_kel", "tanggal", "dilaporkan", "progres_fisik",
               "progres_keuangan", "progres_rencana", "terlambat", "koreksi", "catatan"]
    return geoframe(records, geometries, columns)
