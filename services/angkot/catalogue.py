"""The route pages' data: every angkot route with its label, colour and length, one route with its
stops in order along it, and the GTFS feed of them all as a zip (services/analysis/gtfs.build_feed,
the same feed `python -m services gtfs export` writes).

A stop belongs to a route when it lies within 30 m of the line, the rule of the GTFS export, so a
route page and the feed's stop_times list the same stops in the same order.
"""

from __future__ import annotations

import io
import re
import tempfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from sqlalchemy import Engine

from layers import read_layer
from services.analysis.common import UTM
from services.analysis.gtfs import STOP_ON_ROUTE_M, build_feed
from services.angkot.labels import route_label
from services.errors import NotFound


def _natural(code: str) -> tuple[int, str]:
    digits = re.match(r"\d+", code)
    return (int(digits.group()) if digits else 10**9, code)


def _summary(row: Any) -> dict[str, Any]:
    return {"kode_trayek": str(row.kode_trayek), "label": route_label(row.operator, row.kode_trayek),
            "nama": row.nama, "operator": row.operator, "warna": row.warna,
            "panjang_km": None if row.panjang_km is None or np.isnan(row.panjang_km) else float(row.panjang_km)}


def routes(engine: Engine) -> list[dict[str, Any]]:
    """Every route, by number, each with how many stops it has."""
    frame = read_layer(engine, "transit_routes")
    stops = read_layer(engine, "transit_stops")
    counts = _stop_counts(frame, stops)
    found = [{**_summary(r), "halte": int(n)} for r, n in zip(frame.itertuples(), counts, strict=True)]
    return sorted(found, key=lambda r: _natural(r["kode_trayek"]))


def _stop_counts(frame: gpd.GeoDataFrame, stops: gpd.GeoDataFrame) -> np.ndarray:
    if not len(frame) or not len(stops):
        return np.zeros(len(frame), dtype=int)
    lines = np.asarray(frame.to_crs(UTM).geometry.values)
    points = np.asarray(stops.to_crs(UTM).geometry.values)
    line_idx, _ = shapely.STRtree(points).query(lines, predicate="dwithin", distance=STOP_ON_ROUTE_M)
    return np.bincount(line_idx, minlength=len(lines))


def route(engine: Engine, kode_trayek: str) -> dict[str, Any]:
    """One route: its summary, its line (GeoJSON) and its stops in order from the first terminal."""
    frame = read_layer(engine, "transit_routes")
    hit = frame[frame["kode_trayek"].astype(str) == kode_trayek]
    if hit.empty:
        raise NotFound(f"trayek angkot {kode_trayek[:20]!r} tidak ada")
    row = next(hit.itertuples())
    stops = read_layer(engine, "transit_stops")
    line_utm = shapely.line_merge(hit.to_crs(UTM).geometry.iloc[0])
    if line_utm.geom_type != "LineString":
        line_utm = max(line_utm.geoms, key=lambda g: g.length)
    points = np.asarray(stops.to_crs(UTM).geometry.values)
    near = np.flatnonzero(shapely.distance(points, line_utm) <= STOP_ON_ROUTE_M)
    along = shapely.line_locate_point(line_utm, points[near])
    ordered = [(int(near[k]), float(along[k])) for k in np.argsort(along, kind="stable")]
    labels = {str(r.kode_trayek): route_label(r.operator, r.kode_trayek) for r in frame.itertuples()}
    listed = [{"kode_halte": str(stops["kode_halte"].iat[i]), "nama": stops["nama"].iat[i],
               "jenis": stops["jenis"].iat[i], "km": round(d / 1000, 2),
               "trayek_lain": [{"kode_trayek": c, "label": labels.get(c, c)}
                               for c in str(stops["trayek"].iat[i] or "").split(",") if c and c != kode_trayek],
               "lon": round(stops.geometry.iat[i].x, 6), "lat": round(stops.geometry.iat[i].y, 6)}
              for i, d in ordered]
    geometry = shapely.geometry.mapping(row.geometry)
    return {**_summary(row), "halte": listed, "geometry": geometry}


def gtfs_zip(engine: Engine) -> bytes:
    """The angkot layers as a GTFS zip, built in memory from the current layers."""
    feed = build_feed(read_layer(engine, "transit_routes"), read_layer(engine, "transit_stops"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "angkot_medan.zip"
        feed.to_file(path)
        return io.BytesIO(path.read_bytes()).getvalue()
