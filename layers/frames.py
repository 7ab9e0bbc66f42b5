"""Whole-layer reads and writes with GeoDataFrames, through COPY.

This is the bulk path (imports, seeds, notebooks). Validation is vectorised
over the frame with the same rules as layers.validate; rows are streamed to
PostGIS with COPY as hex EWKB, inside one transaction, so a bad row anywhere
loads nothing.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg2.errors
import pyarrow as pa
import pyarrow.csv as pacsv
import shapely
from psycopg2 import sql

from layers.errors import InvalidFeature, LayerError, Problem
from layers.model import LayerSpec
from layers.registry import get_registry
from layers.schema import LAYER_SCHEMA
from layers.tables import Bind, reading, transaction
from layers.validate import MULTI_OF, WGS84, as_multi, parse_crs, repair_geometry, to_wgs84
from webgis.settings import get_settings

log = logging.getLogger(__name__)
Mode = Literal["append", "replace", "upsert"]
ProgressFn = Callable[[int, int], None]
COPY_CHUNK_ROWS = 200_000
MAX_REPORTED_PROBLEMS = 50

ARROW_TYPES = {
    "string": pa.string(), "integer": pa.int64(), "number": pa.float64(),
    "boolean": pa.bool_(), "date": pa.date32(), "datetime": pa.string(),
}


@dataclass
class LoadReport:
    layer: str
    rows: int
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    repaired: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- validation

def validate_frame(
    spec: LayerSpec, frame: gpd.GeoDataFrame, *, crs: Any = None, repair: bool = False,
    source: str | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """The frame as rows ready for COPY (declared columns, `source`, hex EWKB `geom`).

    Raises InvalidFeature naming rows (1-based, as in the file) and problems.
    Returns the rows and warnings about repaired geometries.
    """
    problems: list[Problem] = []
    frame = frame.reset_index(drop=True)
    geometry = _geometry_in_wgs84(frame, crs)
    data = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    unknown = [c for c in data.columns if c not in spec.property_names and c not in ("source", "fid")]
    if unknown:
        problems.append(Problem("columns", f"unknown properties {unknown} (layer {spec.id} declares: "
                                           f"{', '.join(spec.property_names)})"))
    out = pd.DataFrame(index=data.index)
    for prop in spec.properties:
        if prop.name not in data.columns:
            if prop.required:
                problems.append(Problem("columns", f"required property {prop.name!r} is missing"))
            out[prop.name] = pd.Series([None] * len(data), dtype=object)
            continue
        out[prop.name] = _coerce_column(prop, data[prop.name], problems)
    out["source"] = _source_column(data, source, problems)
    if spec.key:
        keys = out[spec.key]
        _flag(problems, (keys.notna() & keys.duplicated(keep="first")).to_numpy(),
              f"{spec.key} must be unique, and this value appears on an earlier row")
    geoms, warnings = _check_geometries(spec, geometry, repair, problems)
    if problems:
        problems = problems[:MAX_REPORTED_PROBLEMS]
        raise InvalidFeature(f"the input for layer {spec.id} has problems; nothing was loaded", problems)
    out["geom"] = shapely.to_wkb(shapely.set_srid(geoms, 4326), hex=True, include_srid=True)
    return out, warnings


def _geometry_in_wgs84(frame: gpd.GeoDataFrame, crs: Any) -> np.ndarray:
    declared = parse_crs(crs) if crs is not None else None
    file_crs = frame.crs
    if declared is None and file_crs is None:
        raise InvalidFeature("the file has no CRS; say which one it is in (for example --crs EPSG:32647)")
    source_crs = declared or file_crs
    return np.asarray(to_wgs84(frame.geometry.values.to_numpy(), source_crs))


def _rows(mask: np.ndarray | pd.Series) -> list[int]:
    return [int(i) + 1 for i in np.flatnonzero(np.asarray(mask))[:5]]


def _flag(problems: list[Problem], mask: Any, message: str) -> None:
    mask = np.asarray(mask, dtype=bool)
    if mask.any():
        rows = _rows(mask)
        more = f" and {int(mask.sum()) - len(rows)} more" if mask.sum() > len(rows) else ""
        problems.append(Problem(f"row {', '.join(map(str, rows))}{more}", message))


def _coerce_column(prop: Any, column: pd.Series, problems: list[Problem]) -> pd.Series:
    present = column.notna().to_numpy()
    if prop.required:
        _flag(problems, ~present, f"required property {prop.name!r} is empty")
    kind = prop.type
    if kind == "string":
        is_text = column.map(lambda v: isinstance(v, str) or v is None or (isinstance(v, float) and np.isnan(v)))
        _flag(problems, ~is_text.to_numpy(), f"property {prop.name!r} must be text")
        # Outer white space is noise (and Shapefiles drop it), so text is stored trimmed.
        values = column.where(present, None).map(lambda v: v.strip() if isinstance(v, str) else v)
        if prop.max_length is not None:
            _flag(problems, values.map(lambda v: v is not None and len(v) > prop.max_length),
                  f"property {prop.name!r} is longer than {prop.max_length} characters")
    elif kind in ("integer", "number"):
        values = _numeric(prop, column, present, problems)
    elif kind == "boolean":
        mapping = {True: True, False: False, "true": True, "false": False, "1": True, "0": False}
        values = column.map(lambda v: mapping.get(v.lower() if isinstance(v, str) else v))
        _flag(problems, present & values.isna().to_numpy(), f"property {prop.name!r} must be true or false")
    else:
        parsed = pd.to_datetime(column, errors="coerce", utc=(kind == "datetime"), format="ISO8601")
        _flag(problems, present & parsed.isna().to_numpy(), f"property {prop.name!r} must be an ISO 8601 {kind}")
        values = parsed.dt.date if kind == "date" else parsed.map(lambda t: t.isoformat() if pd.notna(t) else None)
        values = values.where(parsed.notna(), None)
    if prop.allowed is not None:
        allowed = set(prop.allowed)
        _flag(problems, present & ~values.map(lambda v: v in allowed).to_numpy(),
              f"property {prop.name!r} must be one of {prop.allowed}")
    return values


def _numeric(prop: Any, column: pd.Series, present: np.ndarray, problems: list[Problem]) -> pd.Series:
    is_bool = column.map(lambda v: isinstance(v, bool | np.bool_)).to_numpy()
    numbers = pd.to_numeric(column.where(~is_bool), errors="coerce")
    _flag(problems, present & (numbers.isna().to_numpy() | is_bool), f"property {prop.name!r} must be a number")
    finite = numbers.notna().to_numpy()
    if prop.type == "integer":
        _flag(problems, finite & (numbers.fillna(0) % 1 != 0).to_numpy(), f"property {prop.name!r} must be a whole number")
        numbers = numbers.round().astype("Int64")
    if prop.minimum is not None:
        _flag(problems, finite & (numbers < prop.minimum).fillna(False).to_numpy(),
              f"property {prop.name!r} is below the minimum {prop.minimum:g}")
    if prop.maximum is not None:
        _flag(problems, finite & (numbers > prop.maximum).fillna(False).to_numpy(),
              f"property {prop.name!r} is above the maximum {prop.maximum:g}")
    return numbers


def _source_column(data: pd.DataFrame, source: str | None, problems: list[Problem]) -> pd.Series:
    if "source" in data.columns:
        column = data["source"].where(data["source"].notna(), source)
    else:
        column = pd.Series([source] * len(data), index=data.index, dtype=object)
    _flag(problems, column.isna().to_numpy(), "every feature needs a source (where it came from)")
    return column


def _check_geometries(
    spec: LayerSpec, geoms: np.ndarray, repair: bool, problems: list[Problem]
) -> tuple[np.ndarray, list[str]]:
    warnings: list[str] = []
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    _flag(problems, missing, "geometry is missing or empty")
    geoms = np.where(missing, None, geoms)
    geoms = np.where(shapely.has_z(geoms), shapely.force_2d(geoms), geoms)
    types = shapely.get_type_id(geoms)
    wanted = shapely.GeometryType[spec.geometry.upper()]
    single = {v: k for k, v in MULTI_OF.items()}.get(spec.geometry)
    if single:
        promote = types == shapely.GeometryType[single.upper()]
        if promote.any():
            geoms = geoms.copy()
            geoms[promote] = [as_multi(g) for g in geoms[promote]]
            types = shapely.get_type_id(geoms)
    wrong = (types != wanted) & ~missing
    _flag(problems, wrong, f"geometry type does not fit layer {spec.id} ({spec.geometry})")
    invalid = ~shapely.is_valid(geoms) & ~missing & ~wrong
    if invalid.any():
        geoms, warnings = _repair_or_flag(spec, geoms, invalid, repair, problems)
    _check_extent(geoms, ~missing & ~wrong, problems)
    return geoms, warnings


def _repair_or_flag(spec: LayerSpec, geoms: np.ndarray, invalid: np.ndarray, repair: bool,
                    problems: list[Problem]) -> tuple[np.ndarray, list[str]]:
    if not repair:
        reasons = shapely.is_valid_reason(geoms[invalid][:1])
        _flag(problems, invalid, f"invalid geometry (first: {reasons[0]})")
        return geoms, []
    warnings = []
    geoms = geoms.copy()
    for i in np.flatnonzero(invalid):
        reason = shapely.is_valid_reason(geoms[i])
        fixed = repair_geometry(spec, geoms[i])
        if fixed is None:
            problems.append(Problem(f"row {i + 1}", f"invalid geometry that cannot be repaired: {reason}"))
            continue
        geoms[i] = fixed
        warnings.append(f"row {i + 1}: repaired invalid geometry ({reason})")
        log.warning("layer %s row %d: repaired invalid geometry (%s)", spec.id, i + 1, reason)
    return geoms, warnings


def _check_extent(geoms: np.ndarray, checkable: np.ndarray, problems: list[Problem]) -> None:
    x0, y0, x1, y1 = get_settings().medan_extent
    bounds = shapely.bounds(geoms)
    with np.errstate(invalid="ignore"):
        outside = checkable & ((bounds[:, 0] < x0) | (bounds[:, 1] < y0) | (bounds[:, 2] > x1) | (bounds[:, 3] > y1))
    _flag(problems, outside, f"coordinates outside Medan ({x0:.3f},{y0:.3f} – {x1:.3f},{y1:.3f} lon/lat): "
                             "wrong CRS or swapped axes?")


# ---------------------------------------------------------------- loading

def load_frame(
    bind: Bind, layer_id: str, frame: gpd.GeoDataFrame, *, actor: str, mode: Mode = "append",
    crs: Any = None, repair: bool = False, source: str | None = None, progress: ProgressFn | None = None,
) -> LoadReport:
    """Validate and load a GeoDataFrame into a layer in one transaction."""
    spec = get_registry().get(layer_id)
    if mode == "upsert" and not spec.key:
        raise LayerError(f"layer {layer_id} declares no key, so it cannot upsert")
    rows, warnings = validate_frame(spec, frame, crs=crs, repair=repair, source=source)
    report = LoadReport(layer_id, len(rows), repaired=warnings)
    columns = [*spec.property_names, "source", "geom"]
    table = sql.Identifier(LAYER_SCHEMA, layer_id)
    with transaction(bind, actor) as conn:
        cursor = conn.connection.dbapi_connection.cursor()
        if mode == "replace":
            cursor.execute(sql.SQL("DELETE FROM {}").format(table))
            report.deleted = cursor.rowcount
        try:
            if mode == "upsert":
                report.inserted, report.updated = _copy_upsert(cursor, spec, rows, columns, progress)
            else:
                _copy_rows(cursor, table, rows, columns, progress)
                report.inserted = len(rows)
        except psycopg2.errors.UniqueViolation as exc:
            detail = (exc.diag.message_detail or str(exc)).strip()
            raise InvalidFeature(f"{spec.key} must be unique in layer {spec.id}; nothing was loaded",
                                 [Problem(spec.key or "key", detail)]) from None
    return report


def _copy_rows(cursor: Any, table: sql.Composable, rows: pd.DataFrame, columns: list[str],
               progress: ProgressFn | None) -> None:
    statement = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv)").format(
        table, sql.SQL(", ").join(map(sql.Identifier, columns)))
    total = len(rows)
    for start in range(0, total, COPY_CHUNK_ROWS):
        chunk = rows.iloc[start:start + COPY_CHUNK_ROWS]
        buffer = io.BytesIO()
        pacsv.write_csv(pa.Table.from_pandas(chunk[columns], preserve_index=False), buffer,
                        pacsv.WriteOptions(include_header=False))
        buffer.seek(0)
        cursor.copy_expert(statement.as_string(cursor), buffer)
        if progress:
            progress(min(start + COPY_CHUNK_ROWS, total), total)


def _copy_upsert(cursor: Any, spec: LayerSpec, rows: pd.DataFrame, columns: list[str],
                 progress: ProgressFn | None) -> tuple[int, int]:
    staging = sql.Identifier(f"staging_{spec.id}")
    target = sql.Identifier(LAYER_SCHEMA, spec.id)
    names = sql.SQL(", ").join(map(sql.Identifier, columns))
    cursor.execute(sql.SQL("CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA")
                   .format(staging, names, target))
    _copy_rows(cursor, staging, rows, columns, progress)
    updatable = [c for c in columns if c != spec.key]
    cursor.execute(
        sql.SQL(
            "INSERT INTO {target} AS t ({names}) SELECT {names} FROM {staging} "
            "ON CONFLICT ({key}) DO UPDATE SET ({upd}) = ROW({excluded}) "
            "WHERE ROW({current}) IS DISTINCT FROM ROW({excluded}) "
            "RETURNING (xmax = 0) AS inserted"
        ).format(
            target=target, names=names, staging=staging, key=sql.Identifier(spec.key),
            upd=sql.SQL(", ").join(map(sql.Identifier, updatable)),
            excluded=sql.SQL(", ").join(sql.Identifier("excluded", c) for c in updatable),
            current=sql.SQL(", ").join(sql.Identifier("t", c) for c in updatable),
        )
    )
    flags = [r[0] for r in cursor.fetchall()]
    inserted = sum(flags)
    return inserted, len(flags) - inserted


# ---------------------------------------------------------------- reading

def read_layer(
    bind: Bind, layer_id: str, *, bbox: tuple[float, float, float, float] | None = None,
    where: dict[str, Any] | None = None, limit: int | None = None, columns: list[str] | None = None,
    include_private: bool = False,
) -> gpd.GeoDataFrame:
    """A layer (or part of it) as a GeoDataFrame in EPSG:4326, indexed by fid.

    `where` holds equality filters on declared properties; `bbox` is lon/lat.
    Private properties are left out unless asked for.
    """
    spec = get_registry().get(layer_id)
    allowed = [p.name for p in (spec.properties if include_private else spec.public_properties())]
    chosen = columns if columns is not None else allowed
    bad = [c for c in [*chosen, *(where or {})] if c not in allowed]
    if bad:
        raise LayerError(f"layer {layer_id} has no readable properties {bad}; it has {allowed}")
    select_list = sql.SQL(", ").join(
        [sql.Identifier("fid"), *map(sql.Identifier, chosen), sql.Identifier("source"),
         sql.SQL("encode(ST_AsBinary(geom), 'hex') AS geom")])
    clauses, params = [], []
    if bbox is not None:
        clauses.append(sql.SQL("geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)"))
        params.extend(float(v) for v in bbox)
    for name, value in (where or {}).items():
        clauses.append(sql.SQL("{} = %s").format(sql.Identifier(name)))
        params.append(value)
    query = sql.SQL("SELECT {} FROM {}").format(select_list, sql.Identifier(LAYER_SCHEMA, layer_id))
    if clauses:
        query = query + sql.SQL(" WHERE ") + sql.SQL(" AND ").join(clauses)
    query = query + sql.SQL(" ORDER BY fid")
    if limit is not None:
        query = query + sql.SQL(" LIMIT %s")
        params.append(int(limit))
    return _copy_out(bind, spec, query, params, chosen)


def _copy_out(bind: Bind, spec: LayerSpec, query: sql.Composed, params: list, chosen: list[str]) -> gpd.GeoDataFrame:
    buffer = io.BytesIO()
    with reading(bind) as conn:
        cursor = conn.connection.dbapi_connection.cursor()
        select_sql = cursor.mogrify(query.as_string(cursor), params).decode()
        cursor.copy_expert(f"COPY ({select_sql}) TO STDOUT WITH (FORMAT csv, HEADER true)", buffer)
    buffer.seek(0)
    types = {"fid": pa.int64(), "source": pa.string(), "geom": pa.string()}
    types.update({n: ARROW_TYPES[spec.prop(n).type] for n in chosen})
    table = pacsv.read_csv(buffer, convert_options=pacsv.ConvertOptions(
        column_types=types, strings_can_be_null=True, quoted_strings_can_be_null=False))
    frame = table.to_pandas(types_mapper={pa.string(): pd.StringDtype()}.get)
    for name in chosen:
        if spec.prop(name).type == "datetime":
            frame[name] = pd.to_datetime(frame[name], utc=True)
    geometry = shapely.from_wkb(frame.pop("geom").to_numpy(dtype=object))
    return gpd.GeoDataFrame(frame.set_index("fid"), geometry=geometry, crs=WGS84)
