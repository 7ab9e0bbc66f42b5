"""Five years of synthetic records for the indicators' benchmark: complaints, permit cases, PPDB
registrations and PBB-P2 bills with their payments, deterministic, inside the real kelurahan,
every feature `source = "synthetic"` (an SPPT's document code starts with SINTETIS-).

Not part of the seed: at full scale it is ~300 000 rows, loaded only on request
(`python -m services indicators synthetic --scale 1`), by the benchmark into its own database,
and by the tests at a small scale. Case references start with SIN- so they never meet real ones.
Trends are built in (complaints handled faster year by year, collection rising) so the charts
have something to show, and kecamatan differ so the map does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Engine, text

from layers.frames.load import load_columns
from layers.frames.read import read_layer
from services.pbb import queries as pbb_queries
from services.pbb.rules import assess_frame

WIB = ZoneInfo("Asia/Jakarta")
SEED = 20261207
ACTOR = "synthetic:indicators"
END = datetime(2026, 12, 1, tzinfo=WIB)  # the generated history ends here, whatever day it is run
YEARS = 5
# Rows per year at scale 1 (about Medan's order of magnitude for a city of 2.5 million).
PER_YEAR = {"complaints": 30_000, "permit_cases": 8_000, "ppdb_registrations": 20_000}
COMPLAINT_AGENCY = {"JALAN_RUSAK": ("DSDABMBK", 14), "BANJIR": ("DSDABMBK", 7), "LAMPU_JALAN": ("DPKPPR", 7),
                    "SAMPAH": ("DLH", 3), "LAMPU_LALU_LINTAS": ("DISHUB", 2), "BANGUNAN_LIAR": ("SATPOLPP", 30)}


@dataclass(frozen=True)
class Generated:
    complaints: int
    permit_cases: int
    ppdb_registrations: int
    sppt: int


def _kelurahan(engine: Engine) -> gpd.GeoDataFrame:
    frame = read_layer(engine, "kelurahan")
    return frame.sort_values("kode_kel").reset_index(drop=True)


def _points(kel: gpd.GeoDataFrame, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """n points inside the kelurahan (weighted by area), with the row of the kelurahan of each."""
    weights = shapely.area(kel.geometry.values)  # relative weights: degrees² are fine this near the equator
    rows = rng.choice(len(kel), size=n, p=weights / weights.sum())
    points = np.empty(n, dtype=object)
    for row in np.unique(rows):
        members = np.flatnonzero(rows == row)
        polygon = kel.geometry.iat[row]
        minx, miny, maxx, maxy = polygon.bounds
        found: list = []
        while len(found) < len(members):
            xs, ys = rng.uniform(minx, maxx, 4 * len(members)), rng.uniform(miny, maxy, 4 * len(members))
            inside = shapely.contains_xy(polygon, xs, ys)
            found.extend(shapely.points(xs[inside], ys[inside]))
        points[members] = found[:len(members)]
    return points, rows


def _times(rng: np.random.Generator, n: int) -> pd.DatetimeIndex:
    seconds = rng.uniform(0, YEARS * 365.25 * 86400, n)
    return pd.DatetimeIndex(END - pd.to_timedelta(seconds, unit="s")).tz_convert("UTC")


def _place(kel: gpd.GeoDataFrame, rows: np.ndarray) -> dict[str, np.ndarray]:
    return {name: kel[name].to_numpy()[rows] for name in ("kode_kel", "nama_kel", "nama_kec")}


def _kecamatan_factor(kel: gpd.GeoDataFrame, rows: np.ndarray) -> np.ndarray:
    """A fixed 0.7..1.3 per kecamatan: some handle faster than others."""
    codes = kel["kode_kec"].to_numpy()[rows]
    return 0.7 + 0.6 * (np.array([int(c[-2:]) for c in codes]) % 7) / 6


def complaints_frame(kel: gpd.GeoDataFrame, rng: np.random.Generator, n: int) -> tuple[pd.DataFrame, np.ndarray]:
    points, rows = _points(kel, rng, n)
    requested = _times(rng, n)
    codes = rng.choice(sorted(COMPLAINT_AGENCY), size=n)
    sla = np.array([COMPLAINT_AGENCY[c][1] for c in codes])
    years_ago = (END - requested).days.to_numpy() / 365.25
    days = rng.gamma(2.0, sla * _kecamatan_factor(kel, rows) * (0.35 + 0.1 * years_ago) / 2.0)
    resolved = requested + pd.to_timedelta(days, unit="D")
    still_open = resolved > pd.Timestamp(END)
    status = np.where(still_open, "in_progress", np.where(rng.random(n) < 0.5, "resolved", "closed"))
    status = np.where(rng.random(n) < 0.03, "rejected", status)
    frame = pd.DataFrame({"service_request_id": [f"SIN-C-{i:07d}" for i in range(n)], "service_code": codes,
                          "status": status, "requested_datetime": requested,
                          "updated_datetime": np.where(still_open, requested, resolved),
                          "agency": [COMPLAINT_AGENCY[c][0] for c in codes], "supporters": rng.poisson(1.5, n),
                          **_place(kel, rows)})
    frame["updated_datetime"] = pd.to_datetime(frame["updated_datetime"], utc=True)
    frame["state_since"] = frame["updated_datetime"]  # complaints run on the engine: the state's start is kept
    return frame, points


def permits_frame(kel: gpd.GeoDataFrame, rng: np.random.Generator, n: int) -> tuple[pd.DataFrame, np.ndarray]:
    points, rows = _points(kel, rng, n)
    submitted = _times(rng, n)
    days = rng.gamma(3.0, 6.0 * _kecamatan_factor(kel, rows), n)
    decided = submitted + pd.to_timedelta(days, unit="D")
    pending = decided > pd.Timestamp(END)
    status = np.where(pending, "verified", np.where(rng.random(n) < 0.12, "rejected", "issued"))
    squares = shapely.buffer(points, 0.00012, cap_style="square")
    frame = pd.DataFrame({"case_ref": [f"SIN-P-{i:07d}" for i in range(n)],
                          "service": rng.choice(["pbg", "izin_lokasi_usaha"], n), "status": status,
                          "agency": "DPMPTSP", "submitted_at": submitted,
                          "state_since": pd.to_datetime(np.where(pending, submitted, decided), utc=True),
                          **_place(kel, rows)})
    return frame, squares


def ppdb_frame(kel: gpd.GeoDataFrame, rng: np.random.Generator, n: int) -> tuple[pd.DataFrame, np.ndarray]:
    points, rows = _points(kel, rng, n)
    submitted = _times(rng, n)
    placed = rng.random(n) < 0.62 + 0.25 * (_kecamatan_factor(kel, rows) - 0.7)
    status = np.where(placed, rng.choice(["admitted", "re_registered"], n), "not_admitted")
    frame = pd.DataFrame({"case_ref": [f"SIN-D-{i:07d}" for i in range(n)], "service": "ppdb", "status": status,
                          "agency": "DISDIK", "submitted_at": submitted,
                          "state_since": submitted + pd.Timedelta(days=14),
                          "jenjang": rng.choice(["SD", "SMP", "SMA"], n), **_place(kel, rows)})
    return frame, points


INSERT_SPPT = text("""INSERT INTO pbb.sppt (nop, tahun, kode_kel, luas_tanah_m2, luas_bangunan_m2, kode_znt, nilai_per_m2,
    kelas_bangunan, njop_tanah, njop_bangunan, njop, njoptkp, dasar_pengenaan, tarif, pbb_terutang, jatuh_tempo,
    wajib_pajak, akun_wajib_pajak, document_code, paid_bill, paid_at, paid_amount)
    VALUES (:nop, :tahun, :kode_kel, :luas_tanah_m2, :luas_bangunan_m2, :kode_znt, :nilai_per_m2, :kelas_bangunan,
    :njop_tanah, :njop_bangunan, :njop, :njoptkp, :dasar_pengenaan, :tarif, :pbb_terutang, :jatuh_tempo, '', '',
    :document_code, :paid_bill, :paid_at, :paid_amount) ON CONFLICT (nop, tahun) DO NOTHING""")


def sppt_rows(engine: Engine, rng: np.random.Generator, years: list[int], limit: int | None) -> list[dict]:
    """Each seeded parcel's SPPT for past years (assessed by the PBB rules), most of them paid in the year."""
    with engine.connect() as conn:
        parcels = pd.DataFrame(conn.execute(pbb_queries.parcels_to_assess()).mappings().all())
    parcels = parcels.head(limit) if limit else parcels
    assessed = pd.concat([parcels, assess_frame(parcels)], axis=1)
    assessed = assessed[assessed["pbb_terutang"] > 0]
    rows = []
    for year in years:
        for row in assessed.itertuples(index=False):
            paid = rng.random() < 0.55 + 0.06 * (year - years[0])
            when = datetime(year, 1, 1, tzinfo=WIB) + timedelta(days=float(rng.uniform(30, 360)))
            rows.append({**{k: getattr(row, k) for k in ("nop", "kode_kel", "luas_tanah_m2", "luas_bangunan_m2",
                                                          "kode_znt", "kelas_bangunan", "njop_tanah", "njop_bangunan",
                                                          "njop", "njoptkp", "dasar_pengenaan", "tarif", "pbb_terutang")},
                         "nilai_per_m2": int(row.nilai_per_m2), "tahun": year, "jatuh_tempo": date(year, 9, 30),
                         "document_code": f"SINTETIS-{row.nop}-{year}",
                         "paid_bill": f"SIN-{row.nop}-{year}" if paid else None,
                         "paid_at": when if paid else None, "paid_amount": int(row.pbb_terutang) if paid else None})
    return rows


def generate(engine: Engine, *, scale: float = 1.0, parcels: int | None = None) -> Generated:
    """Load five years of synthetic records (scale 1: ~290 000 features and ~30 000 SPPT)."""
    rng = np.random.default_rng(SEED)
    kel = _kelurahan(engine)
    counts = {layer: max(1, int(per_year * YEARS * scale)) for layer, per_year in PER_YEAR.items()}
    builders = {"complaints": complaints_frame, "permit_cases": permits_frame, "ppdb_registrations": ppdb_frame}
    for layer, build in builders.items():
        frame, geometry = build(kel, rng, counts[layer])
        load_columns(engine, layer, frame, geometry, "EPSG:4326", actor=ACTOR, source="synthetic")
    years = list(range(END.year - YEARS, END.year))
    rows = sppt_rows(engine, rng, years, parcels)
    with engine.begin() as conn:
        for start in range(0, len(rows), 5000):
            conn.execute(INSERT_SPPT, rows[start:start + 5000])
    return Generated(counts["complaints"], counts["permit_cases"], counts["ppdb_registrations"], len(rows))
