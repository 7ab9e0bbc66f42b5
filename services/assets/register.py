"""Registering a new asset in SIMBADA: the one door for a purchase, a grant, an import, and a project's
handover (services/projects calls `register_asset` with origin="proyek" and the project's id).

Everything is checked before anything is written; the asset is written through `layers/` in the
caller's transaction (a savepoint), so the history records who registered it and a handover
commits or rolls back with the project's own change.
"""

from __future__ import annotations

import json
from datetime import date

from shapely import make_valid, to_geojson
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection

from geodata.synthetic.common import to_utm
from layers import insert_features
from services.assets import queries
from services.assets.rules import (
    DEFAULT_CATEGORY,
    AssetRejected,
    NewAsset,
    check_new_asset,
    geometry_kind,
    layer_for,
)

REGISTER_SOURCE = "simbada"


def asset_code(kib: str, agency: str, acquired_year: int, number: int) -> str:
    """`<KIB>.<agency>.<year>.<running number>`: readable, and unique through one sequence."""
    return f"{kib}.{agency}.{acquired_year}.{number:06d}"


def register_asset(conn: Connection, *, actor: str, kib: str, name: str, agency: str,
                   acquired_year: int, acquisition_value: int, geometry: BaseGeometry,
                   condition: str = "baik", origin: str = "pembelian", origin_ref: str | None = None,
                   category: str | None = None, remarks: str | None = None) -> str:
    """Register one asset; returns its new code. Raises AssetRejected (422) naming every problem.

    `category` (a key of rules.CATEGORIES, which sets the useful life) defaults to the class's usual
    one (a project handing over a road registers KIB D "jalan").
    """
    asset = NewAsset(kib=kib, category=category or DEFAULT_CATEGORY.get(kib, ""), name=name or "",
                     agency=agency, acquired_year=acquired_year, acquisition_value=acquisition_value,
                     condition=condition, origin=origin, origin_ref=origin_ref)
    problems = check_new_asset(asset, this_year=date.today().year)
    layer = None
    if geometry is None or geometry.is_empty:
        problems.append("lokasi aset wajib digambar di peta")
    elif kib in DEFAULT_CATEGORY:
        try:
            layer = layer_for(kib, geometry)
        except AssetRejected as exc:
            problems.append(str(exc))
    if problems:
        raise AssetRejected("aset tidak didaftarkan: " + "; ".join(problems))
    place = conn.execute(queries.select_kelurahan_of(geometry.wkt)).mappings().one_or_none()
    if place is None:
        raise AssetRejected("aset tidak didaftarkan: lokasinya di luar Kota Medan")
    code = asset_code(kib, agency, acquired_year, conn.execute(queries.next_code_number()).scalar_one())
    properties = {
        "kode_aset": code, "nama": name.strip(), "kib": kib, "kategori": asset.category, "agency": agency,
        "tahun_perolehan": acquired_year, "nilai_perolehan": acquisition_value, "kondisi": condition,
        "asal": origin, "asal_ref": origin_ref, "keterangan": remarks, **dict(place), **_measures(geometry),
    }
    feature = {"type": "Feature", "geometry": json.loads(to_geojson(geometry)), "properties": properties}
    insert_features(conn, layer, [feature], actor=actor, source=REGISTER_SOURCE)
    return code


def _measures(geometry: BaseGeometry) -> dict[str, float | None]:
    """Area (m²) of an area, length (m) of a line, in UTM zone 47N (Medan's metric projection)."""
    kind = geometry_kind(geometry)
    utm = to_utm(make_valid(geometry))
    return {"luas_m2": round(float(utm.area), 1) if kind == "area" else None,
            "panjang_m": round(float(utm.length), 1) if kind == "line" else None}
