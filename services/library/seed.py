"""The library's seed: its two layers (branches and mobile-library stops, SYNTHETIC points at the
representative point of the real kelurahan network.yaml names) and its catalogue (titles.py) with
the copies at their home branches. Deterministic; seeding the catalogue twice changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import geopandas as gpd
from sqlalchemy import Engine, func, insert, select

from geodata.synthetic.common import geoframe, prepare_kelurahan
from services.library import queries, titles
from services.library.network import network

SOURCE = "synthetic"
ACTOR = "seed:perpustakaan"
BRANCH_COLUMNS = ["kode_cabang", "nama", "jenis", "alamat", "jam_buka", "kursi_roda", "telepon", "catatan_lokasi",
                  "kode_kel", "nama_kel", "nama_kec", "source"]
STOP_COLUMNS = ["kode_halte", "nama", "armada", "jadwal", "kode_cabang", "catatan_lokasi", "kode_kel", "nama_kel",
                "nama_kec", "source"]
LOCATION_NOTE = "Lokasi sintetis di kelurahan {kel}: titik nyata menunggu data Dinas Perpustakaan dan Kearsipan"


def _placed(entries: list[dict], kelurahan: gpd.GeoDataFrame) -> tuple[list[dict], list]:
    """Each entry's kelurahan row (by name) and the point it stands on; ValueError names an unknown kelurahan."""
    kel = prepare_kelurahan(kelurahan)
    by_name = {name.casefold(): i for i, name in enumerate(kel["nama_kel"])}
    rows, points = [], []
    for entry in entries:
        index = by_name.get(entry["kelurahan"].casefold())
        if index is None:
            raise ValueError(f"network.yaml: {entry['kode']}: no kelurahan named {entry['kelurahan']!r}")
        rows.append({"kode_kel": kel["kode_kel"].iat[index], "nama_kel": kel["nama_kel"].iat[index],
                     "nama_kec": kel["nama_kec"].iat[index],
                     "catatan_lokasi": LOCATION_NOTE.format(kel=kel["nama_kel"].iat[index]), "source": SOURCE})
        points.append(kel["rep"].iat[index])
    return rows, points


def generate_branches(kelurahan: gpd.GeoDataFrame, **context: object) -> gpd.GeoDataFrame:
    branches = network()["branches"]
    placed, points = _placed(branches, kelurahan)
    records = [{"kode_cabang": b["kode"], "nama": b["nama"], "jenis": b["jenis"],
                "alamat": f"Kelurahan {where['nama_kel']}, Kecamatan {where['nama_kec']}", "jam_buka": b["jam_buka"],
                "kursi_roda": b["kursi_roda"], "telepon": None, **where} for b, where in zip(branches, placed, strict=True)]
    return geoframe(records, points, BRANCH_COLUMNS)


def generate_mobile_stops(kelurahan: gpd.GeoDataFrame, **context: object) -> gpd.GeoDataFrame:
    stops = network()["mobile_stops"]
    placed, points = _placed(stops, kelurahan)
    records = [{"kode_halte": s["kode"], "nama": s["nama"], "armada": s["armada"], "jadwal": s["jadwal"],
                "kode_cabang": s["cabang"], **where} for s, where in zip(stops, placed, strict=True)]
    return geoframe(records, points, STOP_COLUMNS)


def seed_catalogue(engine: Engine) -> int:
    """Insert the generated titles and their copies, all available at home; returns how many titles
    were inserted (0 when the catalogue is already there)."""
    with engine.begin() as conn:
        if conn.execute(select(func.count()).select_from(queries.TITLES)).scalar_one():
            return 0
        catalogue = titles.generate()
        conn.execute(insert(queries.TITLES), [
            {"kode_judul": t.kode_judul, "judul": t.judul, "pengarang": t.pengarang, "penerbit": t.penerbit,
             "tahun": t.tahun, "subjek": t.subjek, "bahasa": t.bahasa, "source": SOURCE} for t in catalogue])
        conn.execute(insert(queries.COPIES), [
            {"kode_eksemplar": code, "kode_judul": t.kode_judul, "cabang_asal": branch, "cabang_kini": branch,
             "status": "tersedia", "source": SOURCE} for t in catalogue for code, branch in t.copy_codes()])
        queries.record(conn, "copy", "*", "seeded", None, {"titles": len(catalogue)}, actor=ACTOR,
                       at=datetime.now(UTC))
    return len(catalogue)
