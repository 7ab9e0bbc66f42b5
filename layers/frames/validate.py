"""Vectorised validation of a whole frame, with the same rules as layers.validate.

Typed columns from GDAL/Arrow take vectorised paths, no per-row Python; the
result is the rows ready for COPY, or InvalidFeature naming the rows (1-based,
as in the file) and their problems.
"""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from config.settings import MEDAN_EXTENT
from layers.errors import InvalidFeature, Problem
from layers.frames.geometries import Geometries, Points, hex_wkb, wkb
from layers.model import LayerSpec
from layers.validate import MULTI_OF, WGS84, as_multi, parse_crs, repair_geometry, to_wgs84

log = logging.getLogger(__name__)
MAX_REPORTED_PROBLEMS = 50


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


def validate_columns(
    spec: LayerSpec, data: pd.DataFrame, geometry: Geometries, file_crs: Any, *, crs: Any = None,
    repair: bool = False, source: str | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Like validate_frame, for property columns and geometries (shapely array or Points) given apart."""
    problems = Problems()
    out, warnings = validate_rows(spec, data, geometry, file_crs, problems, crs=crs, repair=repair, source=source)
    if problems:
        raise InvalidFeature(f"the input for layer {spec.id} has problems; nothing was loaded",
                             problems[:MAX_REPORTED_PROBLEMS])
    return out, warnings


class Problems(list):
    """Problems of rows numbered from `first_row` (a batch of a file starts further down)."""

    def __init__(self, first_row: int = 1) -> None:
        super().__init__()
        self.first_row = first_row


def validate_rows(
    spec: LayerSpec, data: pd.DataFrame, geometry: Geometries, file_crs: Any, problems: Problems, *,
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
        check_unique(spec, out[spec.key], problems)
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


def check_unique(spec: LayerSpec, keys: pd.Series, problems: list[Problem]) -> None:
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
