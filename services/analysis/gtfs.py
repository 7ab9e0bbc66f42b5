"""GTFS in and out of the angkot layers, with gtfs-kit (a maintained GTFS library).

Angkot are hail-and-ride: they stop wherever a passenger waves. GTFS says
that with `continuous_pickup = 0` / `continuous_drop_off = 0` (continuous
stopping) on routes.txt; the export writes it and the import keeps it (as a
check: a feed whose routes say otherwise is still imported, the value is
reported). Stops are the planning points of `transit_stops`; `stop_desc`
carries the stop kind (halte / titik_naik) and `route_desc` the vehicle colour.

Bad feeds fail before anything is written, with every problem listed: missing
required files or columns, and references to ids that do not exist.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import geopandas as gpd
import gtfs_kit as gk
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, MultiLineString
from sqlalchemy import Engine

from layers import read_layer
from services.analysis.common import UTM, WGS84, AnalysisError, RunReport, now, publish

REQUIRED_FILES = ["agency", "stops", "routes", "trips", "stop_times"]
REQUIRED_COLUMNS = {
    "agency": ["agency_name", "agency_url", "agency_timezone"],
    "stops": ["stop_id", "stop_lat", "stop_lon"],
    "routes": ["route_id", "route_type"],
    "trips": ["route_id", "service_id", "trip_id"],
    "stop_times": ["trip_id", "stop_id", "stop_sequence"],
}
# (table, column) -> (referenced table, column), checked when the column has values.
REFERENCES = [
    (("routes", "agency_id"), ("agency", "agency_id")),
    (("trips", "route_id"), ("routes", "route_id")),
    (("trips", "shape_id"), ("shapes", "shape_id")),
    (("stop_times", "trip_id"), ("trips", "trip_id")),
    (("stop_times", "stop_id"), ("stops", "stop_id")),
]
STOP_ON_ROUTE_M = 30.0
ANGKOT_KMH = 15.0
AGENCY_URL = "https://www.pemkomedan.go.id"


class GtfsError(AnalysisError):
    def __init__(self, message: str, problems: list[str]):
        super().__init__(message + ":\n  - " + "\n  - ".join(problems))
        self.problems = problems


def _present_files(path: Path) -> set[str]:
    if path.is_dir():
        return {p.stem for p in path.glob("*.txt") if p.stat().st_size > 0}
    try:
        with zipfile.ZipFile(path) as archive:
            return {Path(i.filename).stem for i in archive.infolist() if i.filename.endswith(".txt") and i.file_size}
    except zipfile.BadZipFile:
        raise GtfsError(f"{path.name} is not a GTFS feed", ["not a zip archive or a folder"]) from None


def read_gtfs(path: Path) -> gk.Feed:
    """A checked feed; GtfsError lists every problem found."""
    path = Path(path)
    if not path.exists():
        raise GtfsError(f"{path} cannot be read", ["no such file or folder"])
    present = _present_files(path)
    problems = [f"required file {name}.txt is missing or empty" for name in REQUIRED_FILES if name not in present]
    if not {"calendar", "calendar_dates"} & present:
        problems.append("one of calendar.txt or calendar_dates.txt is required")
    if problems:
        raise GtfsError(f"GTFS feed {path.name} is incomplete; nothing was imported", problems)
    try:
        feed = gk.read_feed(path, dist_units="km")
    except (pd.errors.EmptyDataError, pd.errors.ParserError, ValueError) as exc:
        raise GtfsError(f"GTFS feed {path.name} cannot be parsed; nothing was imported", [str(exc)]) from None
    problems = [f"{name}.txt has no rows" for name in REQUIRED_FILES if getattr(feed, name) is None]
    problems = problems or _column_problems(feed) or _reference_problems(feed)
    if problems:
        raise GtfsError(f"GTFS feed {path.name} has broken data; nothing was imported", problems)
    return feed


def _column_problems(feed: gk.Feed) -> list[str]:
    problems = []
    for table, columns in REQUIRED_COLUMNS.items():
        frame = getattr(feed, table)
        problems += [f"{table}.txt has no column {c}" for c in columns if c not in frame.columns]
    return problems


def _reference_problems(feed: gk.Feed) -> list[str]:
    problems = []
    services = set()
    for table in ("calendar", "calendar_dates"):
        frame = getattr(feed, table)
        if frame is not None and "service_id" in frame:
            services |= set(frame["service_id"].dropna())
    missing = sorted(set(feed.trips["service_id"].dropna()) - services)
    if missing:
        problems.append(f"trips.txt service_id {missing[:5]} not in calendar.txt/calendar_dates.txt")
    for (table, column), (target, target_column) in REFERENCES:
        frame, target_frame = getattr(feed, table), getattr(feed, target)
        if frame is None or column not in frame or frame[column].isna().all():
            continue
        known = set() if target_frame is None or target_column not in target_frame else set(target_frame[target_column])
        if table == "routes" and target_frame is not None and len(target_frame) == 1 and not known:
            continue  # agency_id may be omitted with a single agency
        bad = sorted(set(frame[column].dropna()) - known)
        if bad:
            problems.append(f"{table}.txt {column} {bad[:5]} not found in {target}.txt")
    return problems


@dataclass
class FeedLayers:
    routes: gpd.GeoDataFrame
    stops: gpd.GeoDataFrame
    notes: list[str] = field(default_factory=list)


def _route_lines(feed: gk.Feed) -> dict[str, MultiLineString]:
    """Each route's geometry: its shapes, or else the stop sequence of its longest trip."""
    stops = feed.stops.set_index("stop_id")
    lines: dict[str, list[LineString]] = {}
    shapes = {}
    if feed.shapes is not None and len(feed.shapes):
        for shape_id, pts in feed.shapes.sort_values("shape_pt_sequence").groupby("shape_id"):
            shapes[shape_id] = LineString(pts[["shape_pt_lon", "shape_pt_lat"]].to_numpy(dtype=float))
    stop_times = feed.stop_times.sort_values(["trip_id", "stop_sequence"])
    sizes = stop_times.groupby("trip_id").size()
    for route_id, trips in feed.trips.groupby("route_id"):
        used = [shapes[s] for s in trips.get("shape_id", pd.Series(dtype=object)).dropna().unique() if s in shapes]
        if not used:
            longest = sizes.reindex(trips["trip_id"]).idxmax()
            seq = stop_times.loc[stop_times["trip_id"] == longest, "stop_id"]
            used = [LineString(stops.loc[seq, ["stop_lon", "stop_lat"]].to_numpy(dtype=float))]
        lines[route_id] = _distinct(used)
    return {r: MultiLineString(ls) for r, ls in lines.items()}


def _distinct(lines: list[LineString]) -> list[LineString]:
    # The return trip of an angkot runs the same streets; keep one of each way.
    kept: list[LineString] = []
    for line in lines:
        if not any(line.equals(k) or line.equals(k.reverse()) for k in kept):
            kept.append(line)
    return kept


def feed_to_layers(feed: gk.Feed) -> FeedLayers:
    """The feed as transit_routes and transit_stops frames (declared properties only)."""
    routes = feed.routes.copy()
    agency = feed.agency.copy()
    if "agency_id" not in routes or routes["agency_id"].isna().all():
        routes["agency_id"] = agency["agency_id"].iloc[0] if "agency_id" in agency else None
    names = dict(zip(agency.get("agency_id", pd.Series([None])), agency["agency_name"], strict=False))
    code = routes.get("route_short_name", pd.Series(index=routes.index, dtype=object)).fillna(routes["route_id"])
    lines = _route_lines(feed)
    routes = routes[routes["route_id"].isin(lines)]
    geoms = gpd.GeoSeries([lines[r] for r in routes["route_id"]], crs=WGS84)
    route_frame = gpd.GeoDataFrame({
        "kode_trayek": code.loc[routes.index].astype(str).to_numpy(),
        "nama": routes.get("route_long_name", code).fillna(code).loc[routes.index].astype(str).to_numpy(),
        "operator": routes["agency_id"].map(names).to_numpy(),
        "warna": routes["route_desc"].to_numpy() if "route_desc" in routes else None,
        "panjang_km": np.round(geoms.to_crs(UTM).length.to_numpy() / 1000, 2),
    }, geometry=geoms.to_numpy(), crs=WGS84)
    notes = []
    if "continuous_pickup" in routes and (routes["continuous_pickup"].fillna(1) != 0).any():
        notes.append("some routes are not hail-and-ride (continuous_pickup != 0)")
    return FeedLayers(route_frame, _stops_frame(feed, dict(zip(routes["route_id"], code.loc[routes.index],
                                                                 strict=True))), notes)


def _stops_frame(feed: gk.Feed, code_of: dict[str, str]) -> gpd.GeoDataFrame:
    stops = feed.stops
    served = feed.stop_times[["trip_id", "stop_id"]].merge(feed.trips[["trip_id", "route_id"]], on="trip_id")
    served["kode"] = served["route_id"].map(code_of)
    serving = served.dropna(subset=["kode"]).groupby("stop_id")["kode"].agg(
        lambda c: ",".join(sorted(set(c), key=lambda k: (len(k), k))))
    kind = stops["stop_desc"] if "stop_desc" in stops else pd.Series("titik_naik", index=stops.index)
    return gpd.GeoDataFrame({
        "kode_halte": stops["stop_id"].astype(str).to_numpy(),
        "nama": stops.get("stop_name", stops["stop_id"]).fillna(stops["stop_id"]).astype(str).to_numpy(),
        "jenis": np.where(kind.fillna("") == "halte", "halte", "titik_naik"),
        "trayek": stops["stop_id"].map(serving).to_numpy(),
    }, geometry=gpd.points_from_xy(stops["stop_lon"].astype(float), stops["stop_lat"].astype(float)), crs=WGS84)


def import_gtfs(engine: Engine, path: Path, *, actor: str = "gtfs-import") -> RunReport:
    """Replace the angkot routes and stops with a GTFS feed's, in one transaction."""
    started = now()
    layers = feed_to_layers(read_gtfs(Path(path)))
    return publish(engine, "gtfs-import", {"transit_routes": layers.routes, "transit_stops": layers.stops},
                   input_layers=[], input_files={"feed": Path(path)},
                   parameters={"file": Path(path).name, "notes": layers.notes}, started_at=started,
                   actor=actor, source=f"gtfs:{Path(path).name}")


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text.lower()).strip("_") or "angkot"


def _seconds_to_time(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _stop_times_for(line: LineString, stop_ids: np.ndarray, stops_utm: np.ndarray, trip_id: str,
                    depart_s: float) -> list[dict]:
    near = shapely.distance(stops_utm, line) <= STOP_ON_ROUTE_M
    along = shapely.line_locate_point(line, stops_utm[near])
    order = np.argsort(along, kind="stable")
    speed = ANGKOT_KMH * 1000 / 3600
    return [{"trip_id": trip_id, "stop_id": sid, "stop_sequence": k + 1,
             "arrival_time": _seconds_to_time(depart_s + d / speed),
             "departure_time": _seconds_to_time(depart_s + d / speed), "timepoint": 0}
            for k, (sid, d) in enumerate(zip(stop_ids[near][order], along[order], strict=True))]


def build_feed(routes: gpd.GeoDataFrame, stops: gpd.GeoDataFrame, *, start: date = date(2026, 1, 1),
               end: date = date(2026, 12, 31), first_departure_s: int = 6 * 3600) -> gk.Feed:
    """A GTFS feed of the angkot layers: one daily service, a trip each way per route.

    Stops within 30 m of a route are its stop_times, in order along it, timed
    at 15 km/h (a planning figure, not a timetable: angkot run on headways).
    """
    operators = routes["operator"].fillna("Angkot Medan")
    agency = pd.DataFrame({"agency_id": [_slug(o) for o in operators.unique()], "agency_name": operators.unique(),
                           "agency_url": AGENCY_URL, "agency_timezone": "Asia/Jakarta", "agency_lang": "id"})
    route_table = pd.DataFrame({
        "route_id": routes["kode_trayek"].astype(str), "agency_id": [_slug(o) for o in operators],
        "route_short_name": routes["kode_trayek"].astype(str), "route_long_name": routes["nama"],
        "route_desc": routes["warna"], "route_type": 3,
        "continuous_pickup": 0, "continuous_drop_off": 0})  # hail-and-ride
    stops_utm = np.asarray(stops.to_crs(UTM).geometry.values)
    stop_ids = stops["kode_halte"].astype(str).to_numpy()
    shapes, trips, stop_times = [], [], []
    for code, geom in zip(route_table["route_id"], routes.to_crs(UTM).geometry, strict=True):
        merged = shapely.line_merge(geom)
        line = merged if merged.geom_type == "LineString" else max(merged.geoms, key=lambda g: g.length)
        for direction, way in enumerate((line, line.reverse())):
            trip_id, shape_id = f"{code}-{direction}", f"{code}-{direction}"
            lonlat = gpd.GeoSeries([way], crs=UTM).to_crs(WGS84).iloc[0].coords
            shapes += [{"shape_id": shape_id, "shape_pt_lon": x, "shape_pt_lat": y, "shape_pt_sequence": k + 1}
                       for k, (x, y) in enumerate(lonlat)]
            trips.append({"route_id": code, "service_id": "harian", "trip_id": trip_id,
                          "direction_id": direction, "shape_id": shape_id})
            stop_times += _stop_times_for(way, stop_ids, stops_utm, trip_id, first_departure_s)
    stop_table = pd.DataFrame({"stop_id": stop_ids, "stop_name": stops["nama"], "stop_desc": stops["jenis"],
                               "stop_lat": stops.geometry.y.round(6), "stop_lon": stops.geometry.x.round(6)})
    days = {d: 1 for d in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")}
    calendar = pd.DataFrame([{"service_id": "harian", **days, "start_date": start.strftime("%Y%m%d"),
                              "end_date": end.strftime("%Y%m%d")}])
    return gk.Feed(dist_units="km", agency=agency, routes=route_table, stops=stop_table,
                   trips=pd.DataFrame(trips), stop_times=pd.DataFrame(stop_times), shapes=pd.DataFrame(shapes),
                   calendar=calendar)


def export_gtfs(engine: Engine, path: Path) -> Path:
    """Write the angkot layers as a GTFS zip (or folder)."""
    feed = build_feed(read_layer(engine, "transit_routes"), read_layer(engine, "transit_stops"))
    feed.to_file(Path(path))
    return Path(path)
