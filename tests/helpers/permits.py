"""Helpers of the engine and permits tests: principals, plots inside Medan, files."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image
from shapely.geometry import Point, mapping
from sqlalchemy import Connection, text

from layers.access import Principal
from services.permits.seed import plot_around

AGENCY = "DPMPTSP"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def citizen(user_id: int = 501) -> Principal:
    return Principal(actor=f"user:{user_id}", roles=frozenset({"citizen"}), user_id=user_id)


def staff(user_id: int = 601, agencies: tuple[str, ...] = (AGENCY,)) -> Principal:
    return Principal(actor=f"user:{user_id}", roles=frozenset({"staff"}), agencies=frozenset(agencies), user_id=user_id)


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (120, 160, 90)).save(buffer, format="JPEG")
    return buffer.getvalue()


def plot_in(conn: Connection, zone_code: str = "R", *, far_from_rivers: bool = True,
            width_m: float = 20, depth_m: float = 25) -> dict[str, Any]:
    """A rectangular plot at the inner point of a zone of this type, away from rivers (GeoJSON)."""
    rows = conn.execute(text("""
        SELECT ST_X(p), ST_Y(p) FROM (
          SELECT ST_PointOnSurface(z.geom) AS p FROM layers.zoning z WHERE z.zone_code = :code ORDER BY z.zone_id) q
        WHERE NOT :far OR NOT EXISTS (SELECT 1 FROM layers.rivers r WHERE ST_DWithin(r.geom::geography, q.p::geography, 200))
          AND NOT EXISTS (SELECT 1 FROM layers.zoning z2 WHERE z2.zone_code <> :code
                          AND ST_DWithin(z2.geom::geography, q.p::geography, 40))
        LIMIT 1"""), {"code": zone_code, "far": far_from_rivers}).first()
    assert rows is not None, f"no {zone_code} zone away from rivers"
    return dict(mapping(plot_around(Point(rows[0], rows[1]), width_m, depth_m)))


def pbg_fields(**overrides: Any) -> dict[str, Any]:
    fields = {"nama_pemohon": "Siti Aminah", "nik_pemohon": "1271012345678901", "telp_pemohon": "0812 3456 7890",
              "email_pemohon": "siti@example.org", "address": "Jl. Contoh No. 1", "building_use": "hunian",
              "floors": "2", "floor_area_m2": "120"}
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}
