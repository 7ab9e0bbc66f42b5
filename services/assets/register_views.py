"""What the SIMBADA pages show, Flask-free: the public register (every asset with its class, agency,
value, book value, condition and place, as GeoJSON), one asset's card with its depreciation
schedule and its transfer history, and the assets a staff member inventories.

Public money is public: the register and the transfers are open to all. Who made a change
(history's actor: a staff account) and the holders of assets are not: the card names the
decree, never the clerk.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import geopandas as gpd
import shapely

from layers.access import Principal
from layers.tables import Bind, reading
from services.assets.queries import REGISTER_COLUMNS, assets_in, with_depreciation
from services.assets.records import asset_history, find_asset
from services.assets.rules import CATEGORIES, KIB_CLASSES, depreciation
from services.errors import ServiceError

SIMPLIFY_DEG = 0.00002  # about 2 m: the register map draws plots, not survey lines
PUBLIC_FIELDS = (*REGISTER_COLUMNS, "masa_manfaat", "penyusutan_akumulasi", "nilai_buku")


class BadFilter(ServiceError):
    status = 400
    code = "InvalidParameterValue"


def _features(frame: gpd.GeoDataFrame) -> dict[str, Any]:
    geometry = shapely.simplify(frame.geometry.values, SIMPLIFY_DEG, preserve_topology=True)
    features = []
    for record, geom in zip(frame.to_dict("records"), geometry, strict=True):
        properties = {k: _plain(record.get(k)) for k in (*PUBLIC_FIELDS, "layer")}
        features.append({"type": "Feature", "id": record["kode_aset"], "geometry": json.loads(shapely.to_geojson(geom)),
                         "properties": properties})
    return {"type": "FeatureCollection", "features": features}


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, date):
        return value.isoformat()
    return None if str(value) in ("<NA>", "NaT") else value


def public_register(bind: Bind, *, kib: str | None = None, agency: str | None = None,
                    condition: str | None = None) -> dict[str, Any]:
    """Every asset matching the filters as a GeoJSON FeatureCollection with totals (value, book value)."""
    if kib is not None and kib not in KIB_CLASSES:
        raise BadFilter(f"kib harus salah satu dari {', '.join(KIB_CLASSES)}")
    if condition is not None and condition not in ("baik", "rusak_ringan", "rusak_berat"):
        raise BadFilter("kondisi harus baik, rusak_ringan atau rusak_berat")
    if agency is not None and not agency.isalnum():
        raise BadFilter("opd ditulis dengan kodenya, misalnya DISDIK")
    frame = assets_in(bind, kib=kib, agency=agency, condition=condition)
    collection = _features(frame)
    collection["totals"] = {"jumlah": len(frame), "nilai_perolehan": int(frame["nilai_perolehan"].sum()),
                            "nilai_buku": int(frame["nilai_buku"].sum())}
    return collection


def staff_assets(bind: Bind, principal: Principal) -> dict[str, Any]:
    """The assets of the principal's agencies (admins: none listed here; they use the register)."""
    agencies = sorted(principal.agencies)
    if not agencies:
        return {"type": "FeatureCollection", "features": []}
    return _features(assets_in(bind, agency=agencies))


def asset_card(bind: Bind, code: str, *, as_of_year: int | None = None) -> dict[str, Any]:
    """One asset's public card: its register fields, depreciation year by year, transfers and conditions."""
    year = as_of_year or date.today().year - 1
    with reading(bind) as conn:
        found = find_asset(conn, code)
    row = found.row
    frame = with_depreciation(gpd.GeoDataFrame([{k: row[k] for k in REGISTER_COLUMNS}]), year)
    card = {k: _plain(v) for k, v in frame.iloc[0].to_dict().items()}
    life = CATEGORIES[row["kategori"]].life_years
    schedule = []
    if life is not None:
        for y in range(row["tahun_perolehan"], min(row["tahun_perolehan"] + life, year + 1)):
            d = depreciation(row["kategori"], int(row["nilai_perolehan"]), row["tahun_perolehan"], y)
            schedule.append({"tahun": y, "akumulasi": d.accumulated, "nilai_buku": d.book_value})
    history = asset_history(bind, code)
    return {"asset": card, "layer": found.layer, "geometry": json.loads(row["geometry_json"]),
            "kib_title": KIB_CLASSES[row["kib"]], "category_title": CATEGORIES[row["kategori"]].title,
            "schedule": schedule, "as_of_year": year,
            "transfers": [_public_event(e) for e in history["transfers"]],
            "conditions": [_public_event(e) for e in history["conditions"]]}


def _public_event(event: dict[str, Any]) -> dict[str, Any]:
    """A change as the public sees it: when, from, to, the decree; not which staff account typed it."""
    return {"at": event["at"], "from": event["from"], "to": event["to"], "note": event["note"]}
