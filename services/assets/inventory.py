"""Inventory visits (inventarisasi/sensus barang): staff of the agency that uses an asset stand at it,
record the condition they find with a photo, and the asset's condition changes with it.

Who may visit is who may change the asset (layers/access.py: the layer's writers, within their
agency's rows); where they stood must be at the asset (VISIT_RADIUS_M, as for the engine's field
visits); the photo is checked like a complaint's (services/engine/media.py) and kept for staff.
The visit row and the asset's new condition commit together, and the layers' history records
the change of condition under the visitor's name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from layers.access import Principal, can_write_row
from layers.features.write import update_feature
from layers.registry import get_registry
from layers.tables import Bind, reading, transaction
from services.assets import queries
from services.assets.records import find_asset
from services.assets.rules import CONDITIONS
from services.engine import media
from services.engine.cases import VISIT_RADIUS_M
from services.errors import NotFound, ServiceError

MAX_NOTE = 1000


class VisitRejected(ServiceError):
    """A visit that cannot be recorded as sent; nothing was written."""

    status = 422
    code = "InvalidVisit"


class NotYourAsset(ServiceError):
    status = 403
    code = "Forbidden"


@dataclass(frozen=True)
class Visit:
    id: int
    kode_aset: str
    kondisi: str
    kondisi_sebelumnya: str
    distance_m: float


def _checked(kondisi: Any, lon: Any, lat: Any, photo: bytes | None, note: str | None) -> tuple[float, float, str]:
    problems = []
    if kondisi not in CONDITIONS:
        problems.append(f"kondisi harus salah satu dari {', '.join(CONDITIONS)}")
    try:
        x, y = float(lon), float(lat)
        if not (math.isfinite(x) and math.isfinite(y)):
            raise ValueError
    except (TypeError, ValueError):
        problems.append("tandai titik tempat Anda berdiri di peta")
        x = y = 0.0
    if not photo:
        problems.append("lampirkan foto barang")
    else:
        try:
            media.check_photo(photo)
        except ServiceError as exc:
            problems.append(f"foto tidak sah ({exc})")
    text = (note or "").strip()
    if len(text) > MAX_NOTE:
        problems.append(f"catatan paling panjang {MAX_NOTE} karakter")
    if problems:
        raise VisitRejected("kunjungan tidak dicatat: " + "; ".join(problems))
    return x, y, text


def record_visit(bind: Bind, principal: Principal, *, kode_aset: str, kondisi: Any, lon: Any, lat: Any,
                 photo: bytes | None, note: str | None = None) -> Visit:
    """Record one inventory visit and set the asset's condition (and date of last inventory). One transaction."""
    x, y, text = _checked(kondisi, lon, lat, photo, note)
    with transaction(bind, principal.actor) as conn:
        found = find_asset(conn, kode_aset, lock=True)
        spec = get_registry().get(found.layer)
        if not can_write_row(spec, principal, found.row):
            raise NotYourAsset(f"{principal.actor} tidak mengelola aset {kode_aset} ({found.row['agency']})")
        distance = conn.execute(queries.select_distance_m(found.layer, found.row["fid"], x, y)).scalar_one()
        if distance > VISIT_RADIUS_M:
            raise VisitRejected(f"kunjungan tidak dicatat: titik berjarak {distance:,.0f} m dari aset; "
                                f"paling jauh {VISIT_RADIUS_M:.0f} m")
        stored = media.store_photo(photo)  # type: ignore[arg-type]  # checked above
        try:
            visit_id = conn.execute(queries.insert_visit(), {
                "layer": found.layer, "kode_aset": kode_aset, "agency": found.row["agency"], "actor": principal.actor,
                "kondisi": kondisi, "kondisi_sebelumnya": found.row["kondisi"], "catatan": text,
                "distance_m": float(distance), "photo": stored, "lon": x, "lat": y}).scalar_one()
            update_feature(conn, found.layer, found.row["fid"], {"type": "Feature", "properties": {
                "kondisi": kondisi, "inventarisasi_terakhir": date.today().isoformat()}},
                actor=principal.actor, partial=True)
        except BaseException:
            media.remove_photo(stored)
            raise
    return Visit(visit_id, kode_aset, kondisi, found.row["kondisi"], round(float(distance), 1))


def visits_of(bind: Bind, principal: Principal, kode_aset: str) -> list[dict]:
    """An asset's visits, newest last, for the staff who may change it (photos and visitors are internal)."""
    with reading(bind) as conn:
        found = find_asset(conn, kode_aset)
        if not can_write_row(get_registry().get(found.layer), principal, found.row):
            raise NotFound(f"tidak ada kunjungan aset {kode_aset} untuk Anda")
        return [dict(r) for r in conn.execute(queries.select_visits(), {"code": kode_aset}).mappings()]
