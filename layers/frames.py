"""Whole-layer reads and writes with GeoDataFrames, through COPY.

This is the bulk path (imports, seeds, notebooks). Validation is vectorised
over the frame with the same rules as layers.validate (typed columns from
GDAL/Arrow take vectorised paths, no per-row Python); rows are streamed to
PostGIS with COPY as CSV written by Arrow, geometries as hex WKB, inside one
transaction, so a bad row anywhere loads nothing.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
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
from pyproj import CRS, Transformer

from config.settings import MEDAN_EXTENT
from layers.access import Principal, can_read, can_see_private
from layers.errors import InvalidFeature, LayerError, Problem
from layers.model import LayerSpec
from layers.registry import get_registry
from layers.schema import HISTORY_BY_LOADER, LAYER_SCHEMA
from layers.tables import Bind, reading, transaction
from layers.validate import MULTI_OF, WGS84, as_multi, parse_crs, repair_geometry, to_wgs84

log = logging.getLogger(__name__)
Mode = Literal["append", "replace", "upsert"]
ProgressFn = Callable[[int, int], None]
COPY_CHUNK_ROWS = 200_000
COPY_READ_BYTES = 1 << 20
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
    frame = frame.reset_index(drop=True)
    data = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    return validate_columns(spec, data, frame.geometry.values.to_numpy(), frame.crs, crs=crs, repair=repair,
                            source=source)


@dataclass(frozen=True)
class Points:
    """2D points as two coordinate arrays (NaN where missing or empty).

    The bulk path for point files: no shapely object per row, so a million points
    are decoded, checked and encoded with a few numpy passes.
    """

    x: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.x)

    def to_shapely(self) -> np.ndarray:
        geoms = shapely.points(self.x, self.y)
        geoms[np.isnan(self.x) | np.isnan(self.y)] = None
        return geoms


Geometries = np.ndarray | Points


def validate_columns(
    spec: LayerSpec, data: pd.DataFrame, geometry: Geometries, file_crs: Any, *, crs: Any = None,
    repair: bool = False, source: str | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Like validate_frame, for property columns and geometries (shapely array or Points) given apart."""
    problems = _Problems()
    out, warnings = _validate(spec, data, geometry, file_crs, problems, crs=crs, repair=repair, source=source)
    if problems:
        raise InvalidFeature(f"the input for layer {spec.id} has problems; nothing was loaded",
                             problems[:MAX_REPORTED_PROBLEMS])
    return out, warnings


class _Problems(list):
    """Problems of rows numbered from `first_row` (a batch of a file starts further down)."""

    def __init__(self, first_row: int = 1) -> None:
        super().__init__()
        self.first_row = first_row


def _validate(
    spec: LayerSpec, data: pd.DataFrame, geometry: Geometries, file_crs: Any, problems: _Problems, *,
    crs: Any, repair: bool, source: str | None, check_keys: bool = True, binary: bool = False,
) -> tuple[pd.DataFrame, list[str]]:
    """The rows ready for COPY (geom as hex WKB, or WKB bytes if `binary`), or problems added."""
    data = data.reset_index(drop=True)
    geometry = _geometry_in_wgs84(geometry, file_crs, crs)
    if isinstance(geometry, Points) and spec.geometry != "Point":
        geometry = geometry.to_shapely()  # promotion to Multi*, type errors: the general path says it best
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
    if spec.key and check_keys:
        _check_unique(spec, out[spec.key], problems)
    if isinstance(geometry, Points):
        _check_points(geometry, problems)
        warnings: list[str] = []
    else:
        geometry, warnings = _check_geometries(spec, geometry, repair, problems)
    if problems:
        return out, warnings
    out["geom"] = pd.Series(pd.arrays.ArrowExtensionArray(wkb(geometry) if binary else hex_wkb(geometry)),
                            index=out.index)
    return out, warnings


# Little-endian 2D point WKB, 21 bytes: byte order, type 1, x, y.
POINT_WKB = np.dtype([("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])
HEX_DIGITS = np.frombuffer(b"".join(b"%02X" % i for i in range(256)), dtype=np.uint16)


def hex_wkb(geoms: Geometries) -> pa.Array:
    """Hex WKB of the geometries (no SRID) as an Arrow string array, for COPY.

    The layer column's typmod, geometry(<type>, 4326), gives every value its SRID
    on input. 2D points are packed with numpy; other types go through GEOS's
    binary writer, and the bytes are turned to hex in one vectorised pass.
    """
    return _hex(wkb(geoms))


def wkb(geoms: Geometries) -> pa.LargeBinaryArray:
    """WKB of the geometries (no SRID) as an Arrow binary array."""
    if isinstance(geoms, Points):
        return _point_wkb(geoms.x, geoms.y)
    n = len(geoms)
    if n and (shapely.get_type_id(geoms) == shapely.GeometryType.POINT).all():
        xy = shapely.get_coordinates(geoms)
        if len(xy) == n:
            return _point_wkb(xy[:, 0], xy[:, 1])
    return pa.array(shapely.to_wkb(geoms), type=pa.large_binary())


def _point_wkb(x: np.ndarray, y: np.ndarray) -> pa.LargeBinaryArray:
    n = len(x)
    records = np.empty(n, dtype=POINT_WKB)
    records["order"], records["type"], records["x"], records["y"] = 1, 1, x, y
    return pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), n, [None, pa.py_buffer(np.arange(n + 1, dtype=np.int64) * POINT_WKB.itemsize),
                               pa.py_buffer(records.tobytes())])


def _hex(binary: pa.LargeBinaryArray) -> pa.Array:
    offsets = np.frombuffer(binary.buffers()[1], dtype=np.int64)[binary.offset:binary.offset + len(binary) + 1]
    data = np.frombuffer(binary.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
    return pa.LargeStringArray.from_buffers(
        len(binary), pa.py_buffer((offsets - offsets[0]) * 2), pa.py_buffer(HEX_DIGITS[data]),
        binary.buffers()[0], binary.null_count, 0)


def _geometry_in_wgs84(geometry: Geometries, file_crs: Any, crs: Any) -> Geometries:
    declared = parse_crs(crs) if crs is not None else None
    if declared is None and file_crs is None:
        raise InvalidFeature("the file has no CRS; say which one it is in (for example --crs EPSG:32647)")
    source_crs = declared or CRS.from_user_input(file_crs)
    if isinstance(geometry, Points):
        if source_crs.equals(WGS84) or source_crs.to_epsg() == 4326:
            return geometry
        x, y = Transformer.from_crs(source_crs, WGS84, always_xy=True).transform(geometry.x, geometry.y)
        return Points(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    return np.asarray(to_wgs84(geometry, source_crs))


def _check_unique(spec: LayerSpec, keys: pd.Series, problems: list[Problem]) -> None:
    if not keys.dropna().is_unique:
        _flag(problems, (keys.notna() & keys.duplicated(keep="first")).to_numpy(),
              f"{spec.key} must be unique, and this value appears on an earlier row")


def _rows(mask: np.ndarray | pd.Series, first_row: int = 1) -> list[int]:
    return [int(i) + first_row for i in np.flatnonzero(np.asarray(mask))[:5]]


def _flag(problems: list[Problem], mask: Any, message: str) -> None:
    mask = np.asarray(mask, dtype=bool)
    if mask.any():
        rows = _rows(mask, getattr(problems, "first_row", 1))
        more = f" and {int(mask.sum()) - len(rows)} more" if mask.sum() > len(rows) else ""
        problems.append(Problem(f"row {', '.join(map(str, rows))}{more}", message))


def _coerce_column(prop: Any, column: pd.Series, problems: list[Problem]) -> pd.Series:
    # Vectorised: typed columns (from GDAL/Arrow) skip the per-value checks that
    # untyped ones (object columns from CSV or GeoJSON) still get.
    present = column.notna().to_numpy()
    if prop.required:
        _flag(problems, ~present, f"required property {prop.name!r} is empty")
    kind = prop.type
    if kind == "string":
        if not _all_text(column):
            is_text = column.map(lambda v: isinstance(v, str) or v is None or (isinstance(v, float) and np.isnan(v)))
            _flag(problems, ~is_text.to_numpy(), f"property {prop.name!r} must be text")
            column = column.where(is_text, None)
        # Outer white space is noise (and Shapefiles drop it), so text is stored trimmed.
        values = column.astype(pd.StringDtype(storage="pyarrow")).str.strip()
        if prop.max_length is not None:
            _flag(problems, (values.str.len() > prop.max_length).fillna(False).to_numpy(dtype=bool),
                  f"property {prop.name!r} is longer than {prop.max_length} characters")
    elif kind in ("integer", "number"):
        values = _numeric(prop, column, present, problems)
    elif kind == "boolean":
        mapping = {True: True, False: False, "true": True, "false": False, "1": True, "0": False}
        values = column.map(lambda v: mapping.get(v.lower() if isinstance(v, str) else v))
        _flag(problems, present & values.isna().to_numpy(), f"property {prop.name!r} must be true or false")
    else:
        if isinstance(column.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(column.dtype):
            parsed = pd.to_datetime(column, utc=(kind == "datetime"))
        else:
            parsed = pd.to_datetime(column, errors="coerce", utc=(kind == "datetime"), format="ISO8601")
        _flag(problems, present & parsed.isna().to_numpy(), f"property {prop.name!r} must be an ISO 8601 {kind}")
        # Datetimes stay typed (UTC) and are written as ISO 8601 by Arrow for COPY.
        values = parsed.dt.date.where(parsed.notna(), None) if kind == "date" else parsed
    if prop.allowed is not None:
        comparable = values.map(lambda t: t.isoformat(), na_action="ignore") if kind == "datetime" else values
        inside = comparable.isin(prop.allowed).to_numpy(dtype=bool, na_value=False)
        _flag(problems, present & ~inside, f"property {prop.name!r} must be one of {prop.allowed}")
    return values


def _all_text(column: pd.Series) -> bool:
    """Whether every present value is text (a string column, or an object column holding only str)."""
    if pd.api.types.is_string_dtype(column.dtype) and column.dtype != object:
        return True
    return column.dtype == object and pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty")


def _numeric(prop: Any, column: pd.Series, present: np.ndarray, problems: list[Problem]) -> pd.Series:
    if pd.api.types.is_bool_dtype(column.dtype):
        is_bool = present.copy()
    elif column.dtype == object:
        is_bool = column.map(lambda v: isinstance(v, bool | np.bool_)).to_numpy(dtype=bool)
    else:
        is_bool = np.zeros(len(column), dtype=bool)
    if pd.api.types.is_numeric_dtype(column.dtype) and not is_bool.any():
        numbers = column
    else:
        numbers = pd.to_numeric(column.where(~is_bool), errors="coerce")
    _flag(problems, present & (numbers.isna().to_numpy() | is_bool), f"property {prop.name!r} must be a number")
    finite = numbers.notna().to_numpy()
    if prop.type == "integer":
        _flag(problems, finite & (numbers.fillna(0) % 1 != 0).to_numpy(), f"property {prop.name!r} must be a whole number")
        numbers = numbers.round().astype("Int64")
    if prop.minimum is not None:
        _flag(problems, finite & (numbers < prop.minimum).fillna(False).to_numpy(dtype=bool),
              f"property {prop.name!r} is below the minimum {prop.minimum:g}")
    if prop.maximum is not None:
        _flag(problems, finite & (numbers > prop.maximum).fillna(False).to_numpy(dtype=bool),
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
    if missing.any():
        geoms = np.where(missing, None, geoms)
    has_z = shapely.has_z(geoms)
    if has_z.any():
        geoms = geoms.copy()
        geoms[has_z] = shapely.force_2d(geoms[has_z])
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
    first_row = getattr(problems, "first_row", 1)
    for i in np.flatnonzero(invalid):
        reason = shapely.is_valid_reason(geoms[i])
        fixed = repair_geometry(spec, geoms[i])
        if fixed is None:
            problems.append(Problem(f"row {i + first_row}", f"invalid geometry that cannot be repaired: {reason}"))
            continue
        geoms[i] = fixed
        warnings.append(f"row {i + first_row}: repaired invalid geometry ({reason})")
        log.warning("layer %s row %d: repaired invalid geometry (%s)", spec.id, i + first_row, reason)
    return geoms, warnings


def _check_points(points: Points, problems: list[Problem]) -> None:
    # The rules of _check_geometries for 2D points: a point is valid unless a
    # coordinate is missing (POINT EMPTY decodes to NaN), so only the extent is left.
    missing = np.isnan(points.x) | np.isnan(points.y)
    _flag(problems, missing, "geometry is missing or empty")
    _check_bounds(points.x, points.y, points.x, points.y, ~missing, problems)


def _check_extent(geoms: np.ndarray, checkable: np.ndarray, problems: list[Problem]) -> None:
    bounds = shapely.bounds(geoms)
    _check_bounds(bounds[:, 0], bounds[:, 1], bounds[:, 2], bounds[:, 3], checkable, problems)


def _check_bounds(minx: np.ndarray, miny: np.ndarray, maxx: np.ndarray, maxy: np.ndarray,
                  checkable: np.ndarray, problems: list[Problem]) -> None:
    x0, y0, x1, y1 = MEDAN_EXTENT
    with np.errstate(invalid="ignore"):
        # Written so that a non-finite coordinate counts as outside.
        inside = (minx >= x0) & (miny >= y0) & (maxx <= x1) & (maxy <= y1)
    _flag(problems, checkable & ~inside, f"coordinates outside Medan ({x0:.3f},{y0:.3f} – {x1:.3f},{y1:.3f} lon/lat): "
                                         "wrong CRS or swapped axes?")


# ---------------------------------------------------------------- loading

def load_frame(
    bind: Bind, layer_id: str, frame: gpd.GeoDataFrame, *, actor: str, mode: Mode = "append",
    crs: Any = None, repair: bool = False, source: str | None = None, progress: ProgressFn | None = None,
) -> LoadReport:
    """Validate and load a GeoDataFrame into a layer in one transaction."""
    spec = _loadable(layer_id, mode)
    rows, warnings = validate_frame(spec, frame, crs=crs, repair=repair, source=source)
    return _load_rows(bind, spec, rows, warnings, actor=actor, mode=mode, progress=progress)


def load_columns(
    bind: Bind, layer_id: str, data: pd.DataFrame, geometry: Geometries, file_crs: Any, *, actor: str,
    mode: Mode = "append", crs: Any = None, repair: bool = False, source: str | None = None,
    progress: ProgressFn | None = None,
) -> LoadReport:
    """load_frame for property columns and geometries given apart (the file import's fast path)."""
    spec = _loadable(layer_id, mode)
    rows, warnings = validate_columns(spec, data, geometry, file_crs, crs=crs, repair=repair, source=source)
    return _load_rows(bind, spec, rows, warnings, actor=actor, mode=mode, progress=progress)


Batch = tuple[pd.DataFrame, Geometries]


@dataclass
class _Prepared:
    rows: int
    buffer: io.BytesIO | None
    problems: list[Problem]
    warnings: list[str]
    binary: bool = True


def load_batches(
    bind: Bind, layer_id: str, batches: Iterable[Batch], file_crs: Any, total: int, *, actor: str,
    mode: Mode = "append", crs: Any = None, repair: bool = False, source: str | None = None,
    progress: ProgressFn | None = None,
) -> LoadReport:
    """Load a file read in batches: each is checked and encoded while the server loads the one before.

    Still one transaction and all or nothing: after a batch with problems
    nothing more is sent, the rest is still checked so that the error lists
    every problem (up to 50, rows numbered as in the file), and the
    transaction is rolled back. `total` (the file's feature count, or -1 when
    unknown) decides whether the indexes are rebuilt afterwards. Upserts
    collect the batches and take load_columns' path.
    """
    spec = _loadable(layer_id, mode)
    if mode == "upsert":
        parts = list(batches)
        data = pd.concat([d for d, _ in parts], ignore_index=True)
        geometry = _concat_geometries([g for _, g in parts])
        return load_columns(bind, layer_id, data, geometry, file_crs, actor=actor, mode=mode, crs=crs,
                            repair=repair, source=source, progress=progress)
    columns = [*spec.property_names, "source", "geom"]
    table = sql.Identifier(LAYER_SCHEMA, spec.id)
    report = LoadReport(spec.id, 0)
    with transaction(bind, actor) as conn:
        cursor = conn.connection.dbapi_connection.cursor()
        if mode == "replace":
            cursor.execute(sql.SQL("DELETE FROM {}").format(table))
            report.deleted = cursor.rowcount
        problems: list[Problem] = []
        try:
            rebuild = _drop_indexes_for_bulk(cursor, table, max(total, 0))
            first_fid = _reserve_fids(cursor, spec, table, total) if rebuild else None
            copied = ["fid", *columns] if first_fid is not None else columns
            statements = {binary: sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT {})").format(
                table, sql.SQL(", ").join(map(sql.Identifier, copied)), sql.SQL("binary" if binary else "csv"),
            ).as_string(cursor) for binary in (True, False)}
            prepared = _prepare_batches(spec, batches, file_crs, columns, crs=crs, repair=repair, source=source,
                                        first_fid=first_fid)
            with _transition_memory(cursor, max(total, 0)), ThreadPoolExecutor(max_workers=1) as pool:
                pending = pool.submit(next, prepared, None)
                while (batch := pending.result()) is not None:
                    pending = pool.submit(next, prepared, None)
                    problems.extend(batch.problems)
                    report.repaired.extend(batch.warnings)
                    if batch.buffer is not None and not problems:
                        cursor.copy_expert(statements[batch.binary], batch.buffer, size=COPY_READ_BYTES)
                    report.rows += batch.rows
                    if progress:
                        progress(report.rows, max(total, report.rows))
            if problems:
                raise InvalidFeature(f"the input for layer {spec.id} has problems; nothing was loaded",
                                     problems[:MAX_REPORTED_PROBLEMS])
            if first_fid is not None:
                if report.rows > total:
                    raise LayerError(f"{spec.id}: the file gave more features than it announced; nothing was loaded")
                _copy_insert_history(cursor, spec, first_fid, report.rows)
            _rebuild_indexes(cursor, table, rebuild)
        except psycopg2.errors.UniqueViolation as exc:
            detail = (exc.diag.message_detail or str(exc)).strip()
            raise InvalidFeature(f"{spec.key} must be unique in layer {spec.id}; nothing was loaded",
                                 [Problem(spec.key or "key", detail)]) from None
    report.inserted = report.rows
    return report


def _reserve_fids(cursor: Any, spec: LayerSpec, table: sql.Identifier, total: int) -> int | None:
    """The first of `total` fids set aside for this load, when the loader is to write their history.

    The history trigger's INSERT ... SELECT of a million events costs as much as
    the COPY of the rows; one COPY of the events (see _copy_insert_history) costs
    about half. That needs the fids up front. Only under the exclusive lock that
    _drop_indexes_for_bulk took (nobody else inserts meanwhile), only while the
    history trigger is on and its function knows the hand-over (migration 0010a);
    otherwise None and the trigger records as for any insert.
    """
    qualified = table.as_string(cursor)
    cursor.execute(
        "SELECT t.tgenabled <> 'D' AND position(%s in p.prosrc) > 0 FROM pg_trigger t "
        "JOIN pg_proc p ON p.oid = t.tgfoid WHERE t.tgrelid = %s::regclass AND t.tgname = 'history_insert'",
        (HISTORY_BY_LOADER, qualified))
    found = cursor.fetchone()
    if not found or not found[0] or total <= 0:
        return None
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'fid')", (qualified,))
    sequence = cursor.fetchone()[0]
    cursor.execute("SELECT nextval(%s)", (sequence,))
    first = int(cursor.fetchone()[0])
    cursor.execute("SELECT setval(%s, %s)", (sequence, first + total - 1))
    cursor.execute("SELECT set_config(%s, %s, true)", (HISTORY_BY_LOADER, spec.id))
    return first


def _copy_insert_history(cursor: Any, spec: LayerSpec, first_fid: int, n: int) -> None:
    """One 'insert' event per loaded row (new = NULL, as the trigger writes for bulk inserts), by COPY."""
    cursor.execute("SELECT set_config(%s, '', true)", (HISTORY_BY_LOADER,))  # the trigger records again from here
    if n == 0:
        return
    cursor.execute("SELECT coalesce(nullif(current_setting('webgis.actor', true), ''), session_user)")
    who = cursor.fetchone()[0]
    fids = np.arange(first_fid, first_fid + n, dtype=np.int64)
    fields = [_constant_text(spec.id, n), _fixed(fids.astype(">i8"), np.ones(n, dtype=bool), 8),
              _constant_text("insert", n), _constant_text(who, n)]
    cursor.copy_expert("COPY core.feature_history (layer, fid, op, actor) FROM STDIN WITH (FORMAT binary)",
                       _binary_rows(fields, n), size=COPY_READ_BYTES)


def _constant_text(value: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    raw = np.frombuffer(value.encode(), dtype=np.uint8)
    return np.full(n, len(raw), dtype=np.int64), np.broadcast_to(raw, (n, len(raw)))


def _prepare_batches(
    spec: LayerSpec, batches: Iterable[Batch], file_crs: Any, columns: list[str], *, crs: Any, repair: bool,
    source: str | None, first_fid: int | None = None,
) -> Iterator[_Prepared]:
    """Validated COPY streams, batch by batch (with fids from `first_fid` if given); a last item checks
    the key across all batches."""
    first_row, keys, seen = 1, [], set()
    for data, geometry in batches:
        problems = _Problems(first_row)
        rows, warnings = _validate(spec, data, geometry, file_crs, problems, crs=crs, repair=repair, source=source,
                                   check_keys=False, binary=True)
        # Whole-file problems (unknown columns, ...) are the same in every batch: report them once.
        fresh = [p for p in problems if p.where != "columns" or (p.where, p.message) not in seen]
        seen.update((p.where, p.message) for p in fresh)
        buffer, binary = None, True
        if not problems:
            fids = None if first_fid is None else np.arange(first_fid + first_row - 1,
                                                            first_fid + first_row - 1 + len(rows), dtype=np.int64)
            buffer = binary_copy(spec, rows, fids)
            if buffer is None:
                binary = False
                rows["geom"] = pd.Series(pd.arrays.ArrowExtensionArray(_hex(pa.array(rows["geom"].array))))
                if fids is not None:
                    rows["fid"] = fids
                copied = columns if fids is None else ["fid", *columns]
                buffer = _csv_chunk(pa.Table.from_pandas(rows[copied], preserve_index=False), 0, None)
        if spec.key:
            keys.append(rows[spec.key])
        yield _Prepared(len(rows), buffer, fresh, warnings, binary)
        first_row += len(rows)
    if first_row == 1:
        yield _Prepared(0, None, [Problem("file", "the file has no features")], [])
    elif spec.key:
        problems = _Problems()
        _check_unique(spec, pd.concat(keys, ignore_index=True), problems)
        yield _Prepared(0, None, list(problems), [])


def _concat_geometries(parts: list[Geometries]) -> Geometries:
    if all(isinstance(g, Points) for g in parts):
        return Points(np.concatenate([g.x for g in parts]), np.concatenate([g.y for g in parts]))
    return np.concatenate([g.to_shapely() if isinstance(g, Points) else g for g in parts])


def _loadable(layer_id: str, mode: Mode) -> LayerSpec:
    spec = get_registry().get(layer_id)
    if mode == "upsert" and not spec.key:
        raise LayerError(f"layer {layer_id} declares no key, so it cannot upsert")
    return spec


def _load_rows(bind: Bind, spec: LayerSpec, rows: pd.DataFrame, warnings: list[str], *, actor: str,
               mode: Mode, progress: ProgressFn | None) -> LoadReport:
    report = LoadReport(spec.id, len(rows), repaired=warnings)
    columns = [*spec.property_names, "source", "geom"]
    table = sql.Identifier(LAYER_SCHEMA, spec.id)
    with transaction(bind, actor) as conn:
        cursor = conn.connection.dbapi_connection.cursor()
        if mode == "replace":
            cursor.execute(sql.SQL("DELETE FROM {}").format(table))
            report.deleted = cursor.rowcount
        try:
            if mode == "upsert":
                report.inserted, report.updated = _copy_upsert(cursor, spec, rows, columns, progress)
            else:
                rebuild = _drop_indexes_for_bulk(cursor, table, len(rows))
                with _transition_memory(cursor, len(rows)):
                    _copy_rows(cursor, table, rows, columns, progress)
                _rebuild_indexes(cursor, table, rebuild)
                report.inserted = len(rows)
        except psycopg2.errors.UniqueViolation as exc:
            detail = (exc.diag.message_detail or str(exc)).strip()
            raise InvalidFeature(f"{spec.key} must be unique in layer {spec.id}; nothing was loaded",
                                 [Problem(spec.key or "key", detail)]) from None
    return report


# The history trigger keeps a statement's new rows in a tuplestore of work_mem
# (32 MB here); a million points need ~200 MB and would go through temp files.
BULK_WORK_MEM = "256MB"


@contextmanager
def _transition_memory(cursor: Any, n: int) -> Iterator[None]:
    """work_mem raised for one bulk COPY (this transaction only), then set back."""
    if n < BULK_INDEX_ROWS:
        yield
        return
    cursor.execute("SELECT current_setting('work_mem')")
    previous = cursor.fetchone()[0]
    cursor.execute("SELECT set_config('work_mem', %s, true)", (BULK_WORK_MEM,))
    yield
    cursor.execute("SELECT set_config('work_mem', %s, true)", (previous,))


# Secondary indexes (GiST, unique key, search) of this many or more rows are
# built once after the COPY rather than row by row (3-4x less work for a large
# load). Only when the batch is at least as large as what the table holds.
BULK_INDEX_ROWS = 50_000


@dataclass
class _Index:
    name: str
    definition: str
    constraint: str | None  # a UNIQUE/EXCLUDE constraint owning the index, re-added as such


def _drop_indexes_for_bulk(cursor: Any, table: sql.Identifier, n: int) -> list[_Index]:
    """Drop the table's secondary indexes when `n` new rows outnumber the present ones.

    Inside the load's transaction: a failure brings them back with everything
    else. DROP INDEX locks the table exclusively until commit, so readers wait
    for the load instead of seeing the old rows (seconds for a million points).
    """
    if n < BULK_INDEX_ROWS:
        return []
    cursor.execute(sql.SQL("SELECT count(*) FROM (SELECT FROM {} LIMIT %s) s").format(table), (n,))
    if cursor.fetchone()[0] >= n:
        return []
    qualified = table.as_string(cursor)
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), c.conname, pg_get_constraintdef(c.oid) "
        "FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid "
        "  AND c.contype IN ('u', 'x') "
        "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary ORDER BY 1", (qualified,))
    indexes = []
    for name, indexdef, conname, condef in cursor.fetchall():
        if conname:
            indexes.append(_Index(conname, condef, conname))
            cursor.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(table, sql.Identifier(conname)))
        else:
            indexes.append(_Index(name, indexdef, None))
            # regclass::text is already quoted and schema-qualified as needed
            cursor.execute(sql.SQL("DROP INDEX {}").format(sql.SQL(name)))
    return indexes


def _rebuild_indexes(cursor: Any, table: sql.Identifier, indexes: list[_Index]) -> None:
    """Re-create what _drop_indexes_for_bulk dropped, exactly as the catalogue described it, then ANALYZE."""
    if not indexes:
        return
    for index in indexes:
        # The definitions come from pg_get_indexdef/pg_get_constraintdef, not from the input.
        if index.constraint:
            cursor.execute(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ").format(table, sql.Identifier(index.constraint))
                           + sql.SQL(index.definition))
        else:
            cursor.execute(sql.SQL(index.definition))
    cursor.execute(sql.SQL("ANALYZE {}").format(table))


def _copy_rows(cursor: Any, table: sql.Composable, rows: pd.DataFrame, columns: list[str],
               progress: ProgressFn | None) -> None:
    """COPY the rows in chunks of CSV written by Arrow; the next chunk is written while one loads."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv)").format(
        table, sql.SQL(", ").join(map(sql.Identifier, columns))).as_string(cursor)
    arrow = pa.Table.from_pandas(rows[columns], preserve_index=False)
    total = arrow.num_rows
    starts = range(0, total, COPY_CHUNK_ROWS)
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(_csv_chunk, arrow, 0) if total else None
        for start in starts:
            buffer = pending.result()
            nxt = start + COPY_CHUNK_ROWS
            pending = pool.submit(_csv_chunk, arrow, nxt) if nxt < total else None
            cursor.copy_expert(statement, buffer, size=COPY_READ_BYTES)
            if progress:
                progress(min(nxt, total), total)


def _csv_chunk(arrow: pa.Table, start: int, rows: int | None = COPY_CHUNK_ROWS) -> io.BytesIO:
    buffer = io.BytesIO()
    pacsv.write_csv(arrow.slice(start, rows), buffer, pacsv.WriteOptions(include_header=False))
    buffer.seek(0)
    return buffer


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


# ---------------------------------------------------------------- binary COPY

# COPY ... (FORMAT binary): the server reads numbers, times and WKB as they are
# instead of parsing text (a third less work per row), and the rows are built
# here with a few numpy passes per column rather than formatted as CSV.
PGCOPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
PGCOPY_TRAILER = b"\xff\xff"
PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01 in microseconds since 1970
PG_EPOCH_DAYS = 10_957
INT4 = (-(2**31), 2**31 - 1)


def binary_copy(spec: LayerSpec, rows: pd.DataFrame, fids: np.ndarray | None = None) -> io.BytesIO | None:
    """One COPY (FORMAT binary) stream of the rows ([fid,] declared columns, source, geom as WKB bytes).

    None when a value does not fit its binary form (an integer beyond int4):
    then CSV is used and the server's own message says what is wrong.
    """
    n = len(rows)
    fields: list[tuple[np.ndarray, Any]] = []  # per column: payload lengths (-1 = NULL), payload
    if fids is not None:
        fields.append(_fixed(fids.astype(">i8"), np.ones(n, dtype=bool), 8))
    for prop in spec.properties:
        field = _binary_field(prop.type, rows[prop.name])
        if field is None:
            return None
        fields.append(field)
    fields.append(_text_field(rows["source"]))
    fields.append(_bytes_field(pa.array(rows["geom"].array, type=pa.large_binary())))
    return _binary_rows(fields, n)


def _binary_rows(fields: list[tuple[np.ndarray, Any]], n: int) -> io.BytesIO:
    """The COPY binary stream of `n` rows from per-column (lengths, payload) pairs."""
    lengths = np.stack([f[0] for f in fields])
    segments = 4 + np.maximum(lengths, 0)
    row_size = 2 + segments.sum(axis=0)
    row_start = len(PGCOPY_HEADER) + np.concatenate([[0], np.cumsum(row_size)[:-1]]) if n else np.zeros(0, np.int64)
    total = len(PGCOPY_HEADER) + int(row_size.sum()) + len(PGCOPY_TRAILER)
    buffer = np.zeros(total, dtype=np.uint8)
    buffer[:len(PGCOPY_HEADER)] = np.frombuffer(PGCOPY_HEADER, dtype=np.uint8)
    buffer[total - 2:] = 0xFF
    buffer[row_start + 1] = len(fields)  # int16 field count, big-endian (< 256)
    start = row_start + 2
    for (length, payload), segment in zip(fields, segments, strict=True):
        _scatter(buffer, start, length.astype(">i4").view(np.uint8).reshape(n, 4))
        valid = length >= 0
        if isinstance(payload, np.ndarray):  # fixed width: one row of bytes per value
            _scatter(buffer, start[valid] + 4, payload[valid])
        else:  # variable width: (data bytes, offsets) of an Arrow binary array
            data, offsets = payload
            sizes = np.maximum(length, 0)
            shift = np.repeat(start + 4 - offsets[:-1], sizes)
            buffer[shift + np.arange(offsets[0], offsets[-1])] = data[offsets[0]:offsets[-1]]
        start = start + segment
    return io.BytesIO(buffer.tobytes())


def _scatter(buffer: np.ndarray, starts: np.ndarray, values: np.ndarray) -> None:
    buffer[starts[:, None] + np.arange(values.shape[1])] = values


def _fixed(values: np.ndarray, present: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    length = np.where(present, width, -1).astype(np.int64)
    return length, values.view(np.uint8).reshape(len(values), width)


def _binary_field(kind: str, column: pd.Series) -> tuple[np.ndarray, Any] | None:
    present = column.notna().to_numpy()
    if kind == "string":
        return _text_field(column)
    if not present.any():  # a column the file does not have: all NULL, whatever its dtype
        return np.full(len(column), -1, dtype=np.int64), np.zeros((len(column), 1), dtype=np.uint8)
    if kind == "number":
        return _fixed(column.to_numpy(dtype=np.float64, na_value=0.0).astype(">f8"), present, 8)
    if kind == "integer":
        values = column.to_numpy(dtype=np.float64, na_value=0.0)
        if ((values < INT4[0]) | (values > INT4[1])).any():
            return None
        return _fixed(values.astype(">i4"), present, 4)
    if kind == "boolean":
        return _fixed(column.fillna(False).to_numpy(dtype=bool).astype(np.uint8), present, 1)
    if kind == "date":
        days = pd.to_datetime(column.where(column.notna(), None)).to_numpy(dtype="datetime64[D]")
        days = np.where(present, days.astype(np.int64) - PG_EPOCH_DAYS, 0)
        return _fixed(days.astype(">i4"), present, 4)
    # datetime: microseconds since 2000-01-01 UTC (the column is tz-aware UTC)
    micros = column.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
    micros = np.where(present, micros.astype(np.int64) - PG_EPOCH_US, 0)
    return _fixed(micros.astype(">i8"), present, 8)


def _text_field(column: pd.Series) -> tuple[np.ndarray, Any]:
    values = column.array
    text = pa.array(values, type=pa.large_string(), from_pandas=True) if not isinstance(
        values, pd.arrays.ArrowExtensionArray | pd.arrays.ArrowStringArray) else pa.array(values).cast(pa.large_string())
    return _bytes_field(text)


def _bytes_field(array: pa.Array) -> tuple[np.ndarray, Any]:
    array = array.cast(pa.large_binary()) if not pa.types.is_large_binary(array.type) else array
    n = len(array)
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset:array.offset + n + 1]
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8) if array.buffers()[2] is not None else np.zeros(0, np.uint8)
    length = np.diff(offsets)
    if array.null_count:
        length = np.where(array.is_null().to_numpy(zero_copy_only=False), -1, length)
    return length.astype(np.int64), (data, offsets)


# ---------------------------------------------------------------- reading

def read_layer(
    bind: Bind, layer_id: str, *, bbox: tuple[float, float, float, float] | None = None,
    where: dict[str, Any] | None = None, limit: int | None = None, columns: list[str] | None = None,
    include_private: bool = False, principal: Principal | None = None,
) -> gpd.GeoDataFrame:
    """A layer (or part of it) as a GeoDataFrame in EPSG:4326, indexed by fid.

    `where` holds equality filters on declared properties; `bbox` is lon/lat.
    Private properties are left out unless asked for. With a `principal`
    (notebooks: `layers.access.with_roles(...)`) layers.access decides instead:
    a layer it may not read is refused, private properties come exactly when
    it may see them.
    """
    spec = get_registry().get(layer_id)
    if principal is not None:
        if not can_read(spec, principal):
            error = LayerError(f"{principal.actor} may not read layer {layer_id}")
            error.status = 403
            raise error
        include_private = can_see_private(spec, principal)
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
        column_types=types, strings_can_be_null=True, quoted_strings_can_be_null=False,
        true_values=["t"], false_values=["f"]))  # PostgreSQL writes booleans as t/f
    frame = table.to_pandas(types_mapper={pa.string(): pd.StringDtype()}.get)
    for name in chosen:
        if spec.prop(name).type == "datetime":
            frame[name] = pd.to_datetime(frame[name], utc=True)
    geometry = shapely.from_wkb(frame.pop("geom").to_numpy(dtype=object))
    return gpd.GeoDataFrame(frame.set_index("fid"), geometry=geometry, crs=WGS84)
