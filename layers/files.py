"""Files in and out of layers: GeoJSON, GeoPackage, Shapefile (zip) and CSV.

Reading goes through pyogrio (GDAL) with Arrow for speed; CSV through pandas,
with points from lon/lat columns or any geometry from a WKT column. Loading is
all or nothing (layers.frames.load).
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyogrio
import shapely

from layers.access import Principal
from layers.csvcells import neutralise_text_columns, restore
from layers.errors import InvalidFeature, Problem
from layers.frames.bulk import ProgressFn
from layers.frames.encode import COPY_CHUNK_ROWS
from layers.frames.geometries import Geometries, Points
from layers.frames.load import Batch, LoadReport, Mode, load_batches, load_columns
from layers.frames.read import read_layer
from layers.model import LayerSpec
from layers.registry import get_registry
from layers.tables import Bind

Format = Literal["geojson", "gpkg", "shapefile", "csv"]
# pyogrio's GDAL writes GeoPackage 1.4 by default, which Debian 12's GDAL 3.6 (and so QGIS 3.22)
# open with "may only be partially supported"; 1.3 holds everything an export writes.
GPKG_OPTIONS = {"VERSION": "1.3"}
SUFFIX_FORMATS: dict[str, Format] = {
    ".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".zip": "shapefile",
    ".shp": "shapefile", ".csv": "csv",
}
LON_NAMES = ("lon", "lng", "longitude", "x", "bujur")
LAT_NAMES = ("lat", "latitude", "y", "lintang")
WKT_NAMES = ("wkt", "geometry", "geom", "the_geom")
SHAPEFILE_NAME_LIMIT = 10


def format_of(path: Path) -> Format:
    try:
        return SUFFIX_FORMATS[path.suffix.lower()]
    except KeyError:
        raise InvalidFeature(f"{path.name}: unsupported file type; use one of {sorted(SUFFIX_FORMATS)}") from None


def read_file(path: Path, spec: LayerSpec, *, rename: dict[str, str] | None = None) -> gpd.GeoDataFrame:
    """Read a file into a GeoDataFrame with the layer's property names (CRS as in the file)."""
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        raise InvalidFeature(f"{path.name}: the file is missing or empty")
    fmt = format_of(path)
    try:
        frame = _read_csv(path) if fmt == "csv" else _read_ogr(path, fmt)
    except InvalidFeature:
        raise
    except Exception as exc:  # GDAL and parsers raise many kinds for truncated or corrupt files
        raise InvalidFeature(f"{path.name}: cannot read the file ({exc})") from exc
    if rename:
        frame = frame.rename(columns=rename)
    if fmt == "shapefile":
        frame = frame.rename(columns=_shapefile_names(spec, frame.columns))
    if len(frame) == 0:
        raise InvalidFeature(f"{path.name}: the file has no features")
    return frame


def _open_options(fmt: Format) -> dict[str, str]:
    # GeoJSON has no date type: GDAL guesses one from text that looks like a date, which turned a
    # text property holding "2020-01-31" into a date the layer refused. Read text as text; the
    # declaration's types decide (layers/validate.py parses a declared date from its text).
    return {"DATE_AS_STRING": "YES"} if fmt == "geojson" else {}


def _read_ogr(path: Path, fmt: Format) -> gpd.GeoDataFrame:
    return pyogrio.read_dataframe(_ogr_target(path, fmt), use_arrow=True, **_open_options(fmt))


def _ogr_target(path: Path, fmt: Format) -> str:
    return f"/vsizip/{path}" if fmt == "shapefile" and path.suffix.lower() == ".zip" else str(path)


def read_columns(
    path: Path, spec: LayerSpec, *, rename: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, Geometries, Any]:
    """A file as (property columns, geometries, CRS as in the file): read_file without the GeoDataFrame.

    GDAL formats come through Arrow, and a file of 2D points comes out as
    coordinate arrays (layers.frames.geometries.Points) decoded straight from the WKB,
    with no shapely object per row: that is most of the time of a large import.
    """
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        raise InvalidFeature(f"{path.name}: the file is missing or empty")
    fmt = format_of(path)
    if fmt == "csv":
        frame = read_file(path, spec, rename=rename)
        return pd.DataFrame(frame.drop(columns=frame.geometry.name)), frame.geometry.values.to_numpy(), frame.crs
    with _reading(path):
        meta, table = pyogrio.read_arrow(_ogr_target(path, fmt))
        data, geometry = _split(path, spec, fmt, meta, table, rename)
    if len(data) == 0:
        raise InvalidFeature(f"{path.name}: the file has no features")
    return data, geometry, meta["crs"]


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    try:
        yield
    except InvalidFeature:
        raise
    except Exception as exc:  # GDAL, Arrow and GEOS raise many kinds for truncated or corrupt files
        raise InvalidFeature(f"{path.name}: cannot read the file ({exc})") from exc


def _split(path: Path, spec: LayerSpec, fmt: Format, meta: dict, table: pa.Table,
           rename: dict[str, str] | None) -> Batch:
    """Property columns (named as the layer's) and geometries of an Arrow table read by GDAL."""
    name = meta["geometry_name"] or "wkb_geometry"
    if name not in table.column_names:
        raise InvalidFeature(f"{path.name}: the file has no geometry column")
    geometry = _geometries_from_wkb(table.column(name))
    data = table.drop_columns([name]).to_pandas()
    if rename:
        data = data.rename(columns=rename)
    if fmt == "shapefile":
        data = data.rename(columns=_shapefile_names(spec, data.columns))
    return data, geometry


def _ogr_batches(path: Path, spec: LayerSpec, fmt: Format, rename: dict[str, str] | None,
                 rows: int) -> Iterator[Batch]:
    """The file in batches of `rows` features, read through Arrow as they are needed."""
    with _reading(path), pyogrio.open_arrow(_ogr_target(path, fmt), use_pyarrow=True, batch_size=rows,
                                            **_open_options(fmt)) as opened:
        meta, reader = opened
        for batch in reader:
            yield _split(path, spec, fmt, meta, pa.Table.from_batches([batch]), rename)


# Little-endian WKB of a 2D point: 1-byte order (1), uint32 type (1), x, y.
POINT_WKB = np.dtype([("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])


def _geometries_from_wkb(column: pa.ChunkedArray) -> Geometries:
    """Points straight from the bytes when every value is a little-endian 2D point; else shapely."""
    wkb = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    if isinstance(wkb, pa.ExtensionArray):  # geoarrow.wkb
        wkb = wkb.storage
    n = len(wkb)
    large = pa.types.is_large_binary(wkb.type)
    if n and wkb.null_count == 0 and (large or pa.types.is_binary(wkb.type)):
        offsets = np.frombuffer(wkb.buffers()[1], dtype=np.int64 if large else np.int32)[wkb.offset:wkb.offset + n + 1]
        if (np.diff(offsets) == POINT_WKB.itemsize).all():
            records = np.frombuffer(wkb.buffers()[2], dtype=POINT_WKB, count=n, offset=int(offsets[0]))
            if (records["order"] == 1).all() and (records["type"] == 1).all():
                return Points(records["x"].copy(), records["y"].copy())
    return shapely.from_wkb(wkb.to_numpy(zero_copy_only=False))


def _read_csv(path: Path) -> gpd.GeoDataFrame:
    data = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    lower = {c.lower(): c for c in data.columns}
    wkt = next((lower[n] for n in WKT_NAMES if n in lower), None)
    lon = next((lower[n] for n in LON_NAMES if n in lower), None)
    lat = next((lower[n] for n in LAT_NAMES if n in lower), None)
    if wkt:
        text = data.pop(wkt)
        geometry = shapely.from_wkt(text.to_numpy(dtype=object), on_invalid="ignore")
        bad = text.notna().to_numpy() & shapely.is_missing(geometry)
        if bad.any():
            rows = [int(i) + 2 for i in bad.nonzero()[0][:5]]  # +2: header line and 1-based
            raise InvalidFeature(f"{path.name}: unreadable WKT", [Problem(f"line {r}", "not WKT") for r in rows])
    elif lon and lat:
        x = pd.to_numeric(data.pop(lon), errors="coerce")
        y = pd.to_numeric(data.pop(lat), errors="coerce")
        bad = (x.isna() | y.isna()).to_numpy()
        if bad.any():
            rows = [int(i) + 2 for i in bad.nonzero()[0][:5]]
            raise InvalidFeature(f"{path.name}: missing or non-numeric coordinates",
                                 [Problem(f"line {r}", f"{lon}/{lat} must be numbers") for r in rows])
        geometry = shapely.points(x.to_numpy(), y.to_numpy())
    else:
        raise InvalidFeature(f"{path.name}: a CSV needs lon/lat columns or a WKT column "
                             f"(looked for {LON_NAMES}, {LAT_NAMES}, {WKT_NAMES})")
    # By convention lon/lat and WKT in CSV are WGS 84 unless the caller says otherwise.
    return gpd.GeoDataFrame(_typed_csv_columns(data), geometry=geometry, crs="EPSG:4326")


def _typed_csv_columns(data: pd.DataFrame) -> pd.DataFrame:
    # CSV has no types: leave text as text; layers.frames.validate coerces per declaration.
    # Cells our export neutralised for spreadsheets (layers/csvcells.py) read back as they were.
    return data.astype(object).where(data.notna(), None).map(restore)


def _shapefile_names(spec: LayerSpec, columns: Any) -> dict[str, str]:
    truncated = {name[:SHAPEFILE_NAME_LIMIT]: name for name in [*spec.property_names, "source"]}
    return {c: truncated[c] for c in columns if c in truncated and c != truncated[c]}


def import_file(
    bind: Bind, layer_id: str, path: Path | str, *, actor: str, mode: Mode = "append",
    crs: Any = None, repair: bool = False, source: str | None = None,
    rename: dict[str, str] | None = None, progress: ProgressFn | None = None,
) -> LoadReport:
    """Load a file into a layer: all rows or none. Features without `source` get `source`."""
    spec = get_registry().get(layer_id)
    path = Path(path)
    fmt = format_of(path)
    if fmt != "csv" and path.exists() and path.stat().st_size > 0:
        # GDAL formats stream: the next batch is read and checked while the server loads this one.
        with _reading(path):
            info = pyogrio.read_info(_ogr_target(path, fmt))
        if info["features"] == 0:
            raise InvalidFeature(f"{path.name}: the file has no features")
        batches = _ogr_batches(path, spec, fmt, rename, COPY_CHUNK_ROWS)
        return load_batches(bind, layer_id, batches, info["crs"], info["features"], actor=actor, mode=mode,
                            crs=crs, repair=repair, source=source or f"import:{path.name}", progress=progress)
    data, geometry, file_crs = read_columns(path, spec, rename=rename)
    return load_columns(bind, layer_id, data, geometry, file_crs, actor=actor, mode=mode, crs=crs, repair=repair,
                        source=source or f"import:{path.name}", progress=progress)


def export_layer(
    bind: Bind, layer_id: str, path: Path | str, *, fmt: Format | None = None,
    include_private: bool = False, principal: Principal | None = None, **filters: Any,
) -> int:
    """Write a layer to a file; returns the number of features written.

    With a `principal`, layers.access decides what goes in (read_layer): its
    readable properties of the rows it reaches."""
    path = Path(path)
    fmt = fmt or format_of(path)
    frame = read_layer(bind, layer_id, include_private=include_private, principal=principal, **filters)
    frame = frame.reset_index(drop=True)
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.StringDtype):
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    if fmt == "csv":
        table = pd.DataFrame(frame.drop(columns="geometry"))
        table = neutralise_text_columns(table)  # report text must not become a formula (layers/csvcells.py)
        table["wkt"] = shapely.to_wkt(frame.geometry.values.to_numpy(), rounding_precision=-1)
        table.to_csv(path, index=False)
    elif fmt == "shapefile":
        _write_shapefile_zip(frame, path, layer_id)
    else:
        driver = {"geojson": "GeoJSON", "gpkg": "GPKG"}[fmt]
        options = GPKG_OPTIONS if fmt == "gpkg" else {}
        pyogrio.write_dataframe(frame, path, driver=driver, layer=layer_id, dataset_options=options)
    return len(frame)


def _write_shapefile_zip(frame: gpd.GeoDataFrame, path: Path, layer_id: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        shp = Path(tmp) / f"{layer_id}.shp"
        pyogrio.write_dataframe(frame, shp, driver="ESRI Shapefile", encoding="UTF-8")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for part in sorted(Path(tmp).iterdir()):
                archive.write(part, part.name)
