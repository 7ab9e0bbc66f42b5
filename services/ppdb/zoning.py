"""Which schools can a child apply to from home? Eligible schools ranked by distance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
from pyproj import Transformer

from config.settings import MEDAN_EXTENT
from layers import read_layer
from layers.tables import Bind, reading
from services.errors import ServiceError
from services.ppdb.queries import select_kelurahan_at
from services.ppdb.rules import DEFAULT_RULE, ZoningRule

# Medan lies in UTM zone 47N, where metres are true to within 0.1 % across the city.
TO_UTM = Transformer.from_crs("EPSG:4326", "EPSG:32647", always_xy=True)
LEVELS = ("SD", "SMP", "SMA", "SMK")


@dataclass(frozen=True)
class SchoolChoice:
    fid: int
    npsn: str
    nama: str
    status: str
    distance_m: float
    in_zone: bool
    capacity: int  # seats in the zonasi pathway
    lon: float | None = None
    lat: float | None = None


def check_level(level: str) -> str:
    if level not in LEVELS:
        raise ServiceError(f"unknown school level {level!r}; choose one of {', '.join(LEVELS)}")
    return level


def check_home(lon: float, lat: float, what: str = "home") -> tuple[float, float]:
    if lon is None or lat is None or not np.isfinite([lon, lat]).all():
        raise ServiceError(f"{what} has no location")
    x0, y0, x1, y1 = MEDAN_EXTENT
    if not (x0 <= lon <= x1 and y0 <= lat <= y1):
        raise ServiceError(f"{what} at {lon:.5f},{lat:.5f} is outside Medan")
    return float(lon), float(lat)


def kelurahan_at(bind: Bind, lon: float, lat: float) -> dict[str, Any] | None:
    """The kelurahan containing a home ({kode_kel, nama_kel, nama_kec}); None outside the city."""
    with reading(bind) as conn:
        row = conn.execute(select_kelurahan_at(lon, lat)).mappings().one_or_none()
    return None if row is None else dict(row)


def candidate_schools(bind: Bind, level: str, rule: ZoningRule = DEFAULT_RULE) -> gpd.GeoDataFrame:
    """The schools of one level taking part, with UTM coordinates and zonasi seats.

    A school whose point lies outside the city (`lokasi_diragukan`, kept by the
    database) takes no part until staff correct it: its distance is not real.
    """
    where: dict[str, object] = {"jenjang": check_level(level), "lokasi_diragukan": False}
    if rule.public_only:
        where["status"] = "Negeri"
    schools = read_layer(bind, "schools", where=where).reset_index()
    x, y = TO_UTM.transform(schools.geometry.x.to_numpy(), schools.geometry.y.to_numpy())
    schools["x"], schools["y"] = x, y
    schools["seats"] = [rule.seats(level, c) for c in schools["daya_tampung"].astype("float")]
    return schools


def schools_for_home(
    bind: Bind, lon: float, lat: float, level: str, *, rule: ZoningRule = DEFAULT_RULE, limit: int = 10
) -> list[SchoolChoice]:
    """Eligible schools nearest first (straight line: Medan has no open road graph yet)."""
    lon, lat = check_home(lon, lat)
    schools = candidate_schools(bind, level, rule)
    hx, hy = TO_UTM.transform(lon, lat)
    distance = np.hypot(schools["x"].to_numpy() - hx, schools["y"].to_numpy() - hy)
    order = np.argsort(distance, kind="stable")[:limit]
    radius = rule.zone_radius_m[level]
    return [
        SchoolChoice(
            fid=int(schools.at[i, "fid"]), npsn=str(schools.at[i, "npsn"]), nama=str(schools.at[i, "nama"]),
            status=str(schools.at[i, "status"]), distance_m=round(float(distance[i]), 1),
            in_zone=bool(distance[i] <= radius), capacity=int(schools.at[i, "seats"]),
            lon=round(float(schools.geometry.iat[i].x), 6), lat=round(float(schools.geometry.iat[i].y), 6),
        )
        for i in order
    ]
