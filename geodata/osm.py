"""Streets, places and points of interest of Kota Medan from an OpenStreetMap extract.

`import_extract` reads an .osm.pbf or .osm (XML) file with GDAL's OSM driver
(through pyogrio, with this folder's osmconf.ini naming the tags read as
fields), keeps what lies inside Kota Medan (the `kota` layer, clipped), and
replaces the three declared layers osm_roads, osm_places and osm_pois in ONE
transaction through the layer machinery (layers.load_frame, mode "replace":
validated against the declarations, history recorded by the tables' triggers).
Anything wrong with the file (unreadable, no street inside Medan) is refused
before a row changes. OpenStreetMap data is ODbL 1.0: the declarations carry
the attribution the maps show.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from layers import load_frame, read_layer
from layers.errors import InvalidFeature
from layers.frames.load import LoadReport
from layers.tables import Bind, transaction

OSM_CONFIG = Path(__file__).resolve().parent / "osmconf.ini"
SUFFIXES = (".osm.pbf", ".pbf", ".osm")
SOURCE = "OpenStreetMap"
CITY_LAYER = "kota"
ROADS, PLACES, POIS = "osm_roads", "osm_places", "osm_pois"
# Ways people drive, ride or walk along and name; not platforms, proposals or ruins.
ROAD_CLASSES = frozenset({
    "motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential",
    "motorway_link", "trunk_link", "primary_link", "secondary_link", "tertiary_link",
    "living_street", "service", "pedestrian", "track", "road", "footway", "path", "cycleway", "steps",
})
PLACE_KINDS = frozenset({"city", "town", "suburb", "quarter", "neighbourhood", "village", "hamlet", "locality"})
POI_KEYS = ("amenity", "tourism", "shop", "leisure")
ONE_WAY_ALONG = frozenset({"yes", "true", "1"})
ONE_WAY_AGAINST = "-1"  # one-way against the way's drawing direction: the line is reversed


@dataclass(frozen=True)
class Extract:
    roads: gpd.GeoDataFrame
    places: gpd.GeoDataFrame
    pois: gpd.GeoDataFrame


def import_extract(bind: Bind, path: Path | str, *, actor: str) -> dict[str, LoadReport]:
    """Replace the OSM layers with the file's features inside Kota Medan: all three or none."""
    path = Path(path)
    extract = read_extract(path, city_outline(bind))
    if extract.roads.empty:
        raise InvalidFeature(f"{path.name}: no streets inside Kota Medan; is this an extract that covers Medan? "
                             "nothing was changed")
    source = f"{SOURCE}:{path.name}"
    with transaction(bind, actor) as conn:
        return {layer: load_frame(conn, layer, frame, actor=actor, mode="replace", source=source)
                for layer, frame in ((ROADS, extract.roads), (PLACES, extract.places), (POIS, extract.pois))}


def city_outline(bind: Bind) -> shapely.Geometry:
    kota = read_layer(bind, CITY_LAYER)
    if kota.empty:
        raise InvalidFeature("the kota layer is empty: seed it first (python -m webgis seed kota)")
    return shapely.union_all(kota.to_crs("EPSG:4326").geometry.values)


def read_extract(path: Path, outline: shapely.Geometry) -> Extract:
    """The file's roads, places and points of interest inside `outline` (WGS 84)."""
    if not path.name.lower().endswith(SUFFIXES):
        raise InvalidFeature(f"{path.name}: not an OpenStreetMap file; use .osm.pbf or .osm")
    if not path.exists() or path.stat().st_size == 0:
        raise InvalidFeature(f"{path.name}: the file is missing or empty")
    bbox = tuple(outline.bounds)
    lines = _read(path, "lines", bbox, "highway IS NOT NULL")
    points = _read(path, "points", bbox, None)
    areas = _read(path, "multipolygons", bbox, " OR ".join(f"{k} IS NOT NULL" for k in POI_KEYS))
    return Extract(roads=roads_of(lines, outline), places=places_of(points, outline),
                   pois=pois_of(points, areas, outline))


def _read(path: Path, layer: str, bbox: tuple[float, ...], where: str | None) -> gpd.GeoDataFrame:
    try:
        return pyogrio.read_dataframe(path, layer=layer, bbox=bbox, where=where, CONFIG_FILE=str(OSM_CONFIG),
                                      INTERLEAVED_READING="NO")
    except Exception as exc:  # GDAL raises many kinds for truncated or corrupt files
        raise InvalidFeature(f"{path.name}: cannot read the OpenStreetMap file ({exc}); nothing was changed") from exc


def _text(frame: gpd.GeoDataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    values = frame[column].astype(object)
    return values.where(values.notna() & (values.astype(str).str.strip() != ""), None)


def roads_of(lines: gpd.GeoDataFrame, outline: shapely.Geometry) -> gpd.GeoDataFrame:
    """Named or not, every road way clipped to the city; one-way ways drawn in their direction."""
    lines = lines[lines["highway"].isin(ROAD_CLASSES)] if len(lines) else lines
    oneway = _text(lines, "oneway").str.lower()
    junction = _text(lines, "junction")
    geometry = lines.geometry.values
    against = (oneway == ONE_WAY_AGAINST).to_numpy()
    geometry[against] = shapely.reverse(geometry[against])
    clipped = _lines_only(shapely.intersection(geometry, outline))
    frame = gpd.GeoDataFrame({
        "osm_id": "way/" + lines["osm_id"].astype(str),
        "nama": _text(lines, "name"),
        "kelas": lines["highway"].astype(str),
        "satu_arah": (oneway.isin(ONE_WAY_ALONG) | (oneway == ONE_WAY_AGAINST) | (junction == "roundabout")),
        "ref": _text(lines, "ref"),
    }, geometry=clipped, crs="EPSG:4326")
    return frame[~frame.geometry.is_empty].reset_index(drop=True)


def _lines_only(geometries: list) -> list:
    """A clip's line parts as one MultiLineString each (a way touching the boundary leaves points too)."""
    out = []
    for geometry in geometries:
        parts = shapely.get_parts(shapely.get_parts(geometry))  # twice: a collection may hold multi-lines
        lines = [part for part in parts if part.geom_type == "LineString" and not part.is_empty]
        out.append(shapely.MultiLineString(lines) if lines else shapely.MultiLineString())
    return out


def places_of(points: gpd.GeoDataFrame, outline: shapely.Geometry) -> gpd.GeoDataFrame:
    inside = points[points["place"].isin(PLACE_KINDS) & _text(points, "name").notna()
                    & shapely.within(points.geometry.values, outline)] if len(points) else points
    return gpd.GeoDataFrame({
        "osm_id": "node/" + inside["osm_id"].astype(str),
        "nama": _text(inside, "name"),
        "jenis": inside["place"].astype(str),
    }, geometry=inside.geometry.values, crs="EPSG:4326").reset_index(drop=True)


def pois_of(points: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, outline: shapely.Geometry) -> gpd.GeoDataFrame:
    """Named amenities, sights, shops and leisure places: nodes as they are, areas at a point inside them."""
    frames = [_pois(points, "node/" + points["osm_id"].astype(str), points.geometry.values, outline)]
    if len(areas):
        ids = areas["osm_way_id"].where(areas["osm_way_id"].notna(), None)
        osm_ids = [f"way/{w}" if w is not None else f"relation/{r}" for w, r in zip(ids, areas["osm_id"], strict=True)]
        frames.append(_pois(areas, pd.Series(osm_ids, index=areas.index),
                            shapely.point_on_surface(areas.geometry.values), outline))
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs="EPSG:4326")


def _pois(frame: gpd.GeoDataFrame, osm_ids: pd.Series, geometry: list, outline: shapely.Geometry) -> pd.DataFrame:
    category = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    kind = category.copy()
    for key in reversed(POI_KEYS):  # the first key present wins: amenity=place_of_worship over tourism=attraction
        values = _text(frame, key)
        category = category.where(values.isna(), key)
        kind = kind.where(values.isna(), values)
    geometry = np.asarray(geometry, dtype=object)
    keep = (category.notna() & _text(frame, "name").notna()).to_numpy(dtype=bool)
    if len(frame):
        keep = keep & shapely.within(geometry, outline)
    return pd.DataFrame({
        "osm_id": osm_ids[keep].to_numpy(dtype=object), "nama": _text(frame, "name")[keep].to_numpy(),
        "kategori": category[keep].to_numpy(), "jenis": kind[keep].to_numpy(),
        "agama": _text(frame, "religion")[keep].to_numpy(), "geometry": geometry[keep],
    })
