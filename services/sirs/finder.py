"""Where is a free bed now: hospitals with their latest beds per class, nearest first, stale ones marked.

A hospital that has not reported for longer than the setting (WEBGIS_SIRS_STALE_AFTER_MINUTES) is
listed with `stale = True` (its figures may be out of date); one that never reported has no beds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from services.errors import ServiceError
from services.sirs import queries, tokens
from services.sirs.rules import BED_CLASSES

MEDAN_BOX = (98.5, 3.4, 98.9, 3.9)  # a point outside this is no place in or near Medan
MAX_HISTORY_DAYS = 90


class BadQuery(ServiceError):
    code = "InvalidParameterValue"


@dataclass
class Hospital:
    kode_faskes: str
    nama: str
    alamat: str | None
    nama_kel: str | None
    nama_kec: str | None
    lon: float
    lat: float
    distance_m: float | None
    last_report: datetime | None
    stale: bool = False
    beds: dict[str, dict[str, Any]] = field(default_factory=dict)

    def free(self, kelas: str | None) -> int:
        """Free beds of one class, or of every class but the emergency department's (None)."""
        if kelas:
            return self.beds.get(kelas, {}).get("tersedia", 0)
        return sum(b["tersedia"] for k, b in self.beds.items() if k != "IGD")

    def as_json(self) -> dict[str, Any]:
        return {"kode_faskes": self.kode_faskes, "nama": self.nama, "alamat": self.alamat,
                "nama_kel": self.nama_kel, "nama_kec": self.nama_kec, "lon": self.lon, "lat": self.lat,
                "jarak_m": None if self.distance_m is None else round(self.distance_m),
                "laporan_terakhir": self.last_report.isoformat() if self.last_report else None,
                "basi": self.stale, "tempat_tidur": [{"kelas": k, **b} for k, b in self.beds.items()]}


def check_point(lon: str | None, lat: str | None) -> tuple[float, float] | None:
    if not lon and not lat:
        return None
    try:
        x, y = float(lon or ""), float(lat or "")
    except ValueError:
        raise BadQuery("lon dan lat harus angka desimal (mis. lon=98.67&lat=3.59)") from None
    if not (MEDAN_BOX[0] <= x <= MEDAN_BOX[2] and MEDAN_BOX[1] <= y <= MEDAN_BOX[3]):
        raise BadQuery("titik di luar Kota Medan dan sekitarnya")
    return x, y


def check_class(kelas: str | None) -> str | None:
    if not kelas:
        return None
    kelas = kelas.strip().upper()
    if kelas not in BED_CLASSES:
        raise BadQuery(f"kelas {kelas!r} tidak dikenal; pilih {', '.join(BED_CLASSES)}")
    return kelas


def hospitals(engine: Engine, *, stale_after: timedelta, point: tuple[float, float] | None = None,
              kelas: str | None = None, now: datetime | None = None) -> list[Hospital]:
    """Every hospital with its beds; nearest to `point` first; with `kelas`, those with a free bed of
    that class first (nearest first among them), then the rest."""
    now = now or datetime.now(UTC)
    lon, lat = point if point else (None, None)
    found: dict[str, Hospital] = {}
    with engine.connect() as conn:
        for row in conn.execute(queries.hospitals_with_beds(), {"lon": lon, "lat": lat}).mappings():
            h = found.get(row["kode_faskes"])
            if h is None:
                last = row["last_report"]
                h = found[row["kode_faskes"]] = Hospital(
                    row["kode_faskes"], row["nama"], row["alamat"], row["nama_kel"], row["nama_kec"], row["lon"],
                    row["lat"], row["distance_m"], last, stale=last is None or now - last > stale_after)
            if row["kelas"] is not None:
                h.beds[row["kelas"]] = {"kapasitas": row["kapasitas"], "tersedia": row["tersedia"],
                                        "source": row["source"]}
    listed = list(found.values())
    order = list(BED_CLASSES)
    for h in listed:  # the classes in the order of the SIRS report, not the alphabet's
        h.beds = dict(sorted(h.beds.items(), key=lambda item: order.index(item[0])))
    if kelas:
        # Stable sort: among equals, the order of the query (nearest first) holds.
        listed.sort(key=lambda h: (h.free(kelas) == 0, h.stale))
    return listed


def history(engine: Engine, kode_faskes: str, *, days: int = 7, now: datetime | None = None) -> dict[str, Any]:
    """One hospital's reports of the last `days` days per class: [(time, free, capacity)] for the chart."""
    if not 1 <= days <= MAX_HISTORY_DAYS:
        raise BadQuery(f"hari harus 1..{MAX_HISTORY_DAYS}")
    since = (now or datetime.now(UTC)) - timedelta(days=days)
    with engine.connect() as conn:
        hospital = tokens.require_hospital(conn, kode_faskes)
        series: dict[str, list[dict[str, Any]]] = {}
        for row in conn.execute(queries.history(), {"kode": kode_faskes, "since": since}).mappings():
            series.setdefault(row["kelas"], []).append(
                {"waktu": row["reported_at"].isoformat(), "tersedia": row["tersedia"], "kapasitas": row["kapasitas"]})
    return {"kode_faskes": kode_faskes, "nama": hospital["nama"], "sejak": since.isoformat(), "hari": days,
            "seri": [{"kelas": k, "judul": BED_CLASSES[k], "titik": v} for k, v in series.items()]}
