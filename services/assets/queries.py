"""SIMBADA's SQL: small statement builders over its own layers (identifiers from the registry, values bound)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import geopandas as gpd
import pandas as pd
import shapely
from sqlalchemy import (
    Float,
    Select,
    Table,
    Text,
    bindparam,
    case,
    func,
    literal,
    select,
    text,
    true,
)
from sqlalchemy.sql.elements import TextClause

from config import database_url
from layers import engine_for
from layers.tables import Bind, layer_table, reading
from services.assets.rules import KINDS_BY_KIB, LAYER_BY_KIND, depreciation

KELURAHAN = "kelurahan"


def select_kelurahan_of(wkt: str) -> Select:
    """The kelurahan holding a geometry's point on surface (kode_kel, nama_kel, nama_kec)."""
    kel = layer_table(KELURAHAN)
    point = func.ST_PointOnSurface(func.ST_GeomFromText(bindparam("wkt", wkt, type_=Text), 4326))
    return (select(kel.c.kode_kel, kel.c.nama_kel, kel.c.nama_kec).where(func.ST_Intersects(kel.c.geom, point))
            .order_by(func.ST_Area(kel.c.geom)).limit(1))


def next_code_number() -> TextClause:
    """The register's running number (one sequence for every layer, so codes never clash)."""
    return text("SELECT nextval('assets.kode_seq')")


# ---------------------------------------------------------------- the planners' questions

HAZARDS = {  # hazard -> (zones layer, class property, classes from low to high)
    "flood": ("flood_hazard_zones", "kelas", ("rendah", "sedang", "tinggi")),
}
CLASS_NAMES = {"low": "rendah", "medium": "sedang", "high": "tinggi",
               "rendah": "rendah", "sedang": "sedang", "tinggi": "tinggi"}
NEAR_LAYERS = {"schools": "nama", "health_facilities": "nama", "kelurahan": "nama_kel"}  # layer -> its name property
CONDITION_WORDS = {"poor": ("rusak_ringan", "rusak_berat"), "buruk": ("rusak_ringan", "rusak_berat"),
                   "bad": ("rusak_berat",)}


class PlannerQueryError(ValueError):
    """A question the register cannot answer as asked (an unknown hazard, class or layer)."""


def _listed(value: str | Sequence[str] | None) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


def select_assets(layer: str, columns: Sequence[str], *, kib: Sequence[str] | None = None,
                  category: Sequence[str] | None = None, agency: Sequence[str] | None = None,
                  condition: Sequence[str] | None = None, hazard: str | None = None,
                  hazard_classes: Sequence[str] = (), near: str | None = None,
                  within_m: float | None = None) -> Select:
    """One asset layer's rows that answer the question, with `hazard_class`, `hazard_share`
    (the part of an area or line inside those zones, 0..1), `near_name` and `near_m` when asked."""
    table = layer_table(layer)
    query = select(literal(layer).label("layer"), *[table.c[c] for c in columns],
                   func.ST_AsBinary(table.c.geom).label("geom"))
    for name, values in (("kib", kib), ("kategori", category), ("agency", agency), ("kondisi", condition)):
        if values is not None:
            query = query.where(table.c[name].in_(list(values)))
    if hazard is not None:
        query = _with_hazard(query, table, hazard, hazard_classes)
    if near is not None:
        query = _with_nearest(query, table, near, within_m)
    return query.order_by(table.c.kode_aset)


def _with_hazard(query: Select, table: Table, hazard: str, classes: Sequence[str]) -> Select:
    zones_layer, class_property, order = HAZARDS[hazard]
    zones = layer_table(zones_layer).alias("zones")
    rank = case({name: n for n, name in enumerate(order)}, value=zones.c[class_property])
    inside = func.ST_Union(zones.c.geom)
    share = func.coalesce(
        func.ST_Area(func.ST_Intersection(table.c.geom, inside)) / func.nullif(func.ST_Area(table.c.geom), 0),
        func.ST_Length(func.ST_Intersection(table.c.geom, inside)) / func.nullif(func.ST_Length(table.c.geom), 0),
        literal(1.0))
    hit = (select(func.max(rank).label("rank"), share.label("share"))
           .where(func.ST_Intersects(zones.c.geom, table.c.geom), zones.c[class_property].in_(list(classes)))
           .lateral("hit"))
    named = case({n: name for n, name in enumerate(order)}, value=hit.c.rank)
    return (query.add_columns(named.label("hazard_class"), hit.c.share.label("hazard_share"))
            .join(hit, true()).where(hit.c.rank.is_not(None)))


def _with_nearest(query: Select, table: Table, near: str, within_m: float | None) -> Select:
    other = layer_table(near).alias("near")
    distance = func.ST_Distance(func.geography(table.c.geom), func.geography(other.c.geom))
    nearest = select(other.c[NEAR_LAYERS[near]].label("name"), distance.label("metres"))
    if within_m is not None:
        nearest = nearest.where(func.ST_DWithin(func.geography(table.c.geom), func.geography(other.c.geom),
                                                bindparam("within_m", float(within_m), type_=Float)))
    nearest = nearest.order_by(distance).limit(1).lateral("nearest")
    return query.add_columns(nearest.c.name.label("near_name"), nearest.c.metres.label("near_m")).join(nearest, true())


REGISTER_COLUMNS = ("kode_aset", "nama", "kib", "kategori", "agency", "tahun_perolehan", "nilai_perolehan",
                    "kondisi", "asal", "luas_m2", "panjang_m", "kode_kel", "nama_kel", "nama_kec",
                    "inventarisasi_terakhir")


def assets_in(bind: Bind | None = None, *, kib: str | Sequence[str] | None = None,
              category: str | Sequence[str] | None = None, agency: str | Sequence[str] | None = None,
              condition: str | Sequence[str] | None = None, hazard: str | None = None,
              min_class: str = "high", near: str | None = None, within_m: float | None = None,
              as_of_year: int | None = None) -> gpd.GeoDataFrame:
    """The city's assets that answer one planner's question, as a GeoDataFrame (EPSG:4326).

        assets_in(kib="A", hazard="flood", min_class="high")          # city land in high flood hazard
        assets_in(kib="C", condition="poor", near="schools", within_m=300)   # poor buildings near schools

    Filters: `kib` (A..F), `category` (rules.CATEGORIES), `agency`, `condition` (baik, rusak_ringan,
    rusak_berat, or "poor" = both damaged classes); `hazard` ("flood": the flood_hazard_zones layer)
    keeps assets touching zones of `min_class` (low|medium|high, or rendah|sedang|tinggi) or above,
    with `hazard_class` (the highest touched) and `hazard_share` (the part inside, 0..1); `near` (a
    layer of NEAR_LAYERS) adds the nearest feature's `near_name` and `near_m`, and with `within_m`
    keeps only assets that close. Every row carries its depreciation at 31 December of `as_of_year`
    (default: last year): `masa_manfaat`, `penyusutan_akumulasi`, `nilai_buku`. Only the public
    register's columns: the holders of assets are not a planner's business.
    """
    columns, filters = _planner_filters(kib, category, agency, condition, hazard, min_class, near)
    statements = [select_assets(layer, columns, within_m=within_m, **filters) for layer in _layers_for(filters["kib"])]
    with reading(bind if bind is not None else engine_for(database_url())) as conn:
        frame = pd.concat([pd.read_sql(statement, conn) for statement in statements], ignore_index=True)
    frame = frame.sort_values("kode_aset", ignore_index=True)
    geometry = shapely.from_wkb([bytes(g) for g in frame.pop("geom")])
    frame = gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")
    return with_depreciation(frame, as_of_year or date.today().year - 1)


def _planner_filters(kib, category, agency, condition, hazard, min_class, near) -> tuple[list[str], dict]:  # noqa: ANN001
    if hazard is not None and hazard not in HAZARDS:
        raise PlannerQueryError(f"unknown hazard {hazard!r}; known: {', '.join(HAZARDS)}")
    if near is not None and near not in NEAR_LAYERS:
        raise PlannerQueryError(f"unknown layer to be near {near!r}; known: {', '.join(NEAR_LAYERS)}")
    if min_class not in CLASS_NAMES:
        raise PlannerQueryError(f"unknown hazard class {min_class!r}; known: {', '.join(CLASS_NAMES)}")
    conditions = CONDITION_WORDS.get(condition, condition) if isinstance(condition, str) else condition
    classes: tuple[str, ...] = ()
    if hazard is not None:
        order = HAZARDS[hazard][2]
        classes = order[order.index(CLASS_NAMES[min_class]):]
    filters = {"kib": _listed(kib), "category": _listed(category), "agency": _listed(agency),
               "condition": _listed(conditions), "hazard": hazard, "hazard_classes": classes, "near": near}
    return list(REGISTER_COLUMNS), filters


def _layers_for(kib: list[str] | None) -> list[str]:
    kinds = {kind for k in (kib or KINDS_BY_KIB) for kind in KINDS_BY_KIB.get(k, ())}
    return [layer for kind, layer in LAYER_BY_KIND.items() if kind in kinds]


def with_depreciation(frame: pd.DataFrame, as_of_year: int) -> pd.DataFrame:
    """The register's rows with their straight-line depreciation at 31 December of `as_of_year`."""
    rows = [depreciation(c, int(v), int(y), as_of_year) for c, v, y in
            zip(frame["kategori"], frame["nilai_perolehan"], frame["tahun_perolehan"], strict=True)]
    frame = frame.assign(nilai_perolehan=frame["nilai_perolehan"].astype("int64"))
    frame["masa_manfaat"] = pd.array([r.life_years for r in rows], dtype="Int64")
    frame["penyusutan_akumulasi"] = pd.array([r.accumulated for r in rows], dtype="int64")
    frame["nilai_buku"] = pd.array([r.book_value for r in rows], dtype="int64")
    return frame


def select_asset(layer: str, code: str, *, lock: bool = False) -> Select:
    """One asset row by its code (every column, the geometry also as GeoJSON); with `lock`, FOR UPDATE."""
    table = layer_table(layer)
    query = (select(table, func.ST_AsGeoJSON(table.c.geom).label("geometry_json"))
             .where(table.c.kode_aset == bindparam("code", code, type_=Text)))
    return query.with_for_update() if lock else query


def select_distance_m(layer: str, fid: int, lon: float, lat: float) -> Select:
    """Metres from a point to an asset (0 inside an area)."""
    table = layer_table(layer)
    point = func.ST_SetSRID(func.ST_MakePoint(bindparam("lon", lon, type_=Float), bindparam("lat", lat, type_=Float)),
                            4326)
    return select(func.ST_Distance(func.geography(table.c.geom), func.geography(point))).where(
        table.c.fid == bindparam("fid", fid))


def insert_visit() -> TextClause:
    return text("""INSERT INTO assets.inventory_visits
        (layer, kode_aset, agency, actor, kondisi, kondisi_sebelumnya, catatan, distance_m, photo, geom)
        VALUES (:layer, :kode_aset, :agency, :actor, :kondisi, :kondisi_sebelumnya, :catatan, :distance_m, :photo,
                ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
        RETURNING id""")


def select_visits() -> TextClause:
    return text("""SELECT id, visited_at, actor, kondisi, kondisi_sebelumnya, catatan, distance_m, photo,
                          ST_X(geom) AS lon, ST_Y(geom) AS lat
                   FROM assets.inventory_visits WHERE kode_aset = :code ORDER BY visited_at, id""")
