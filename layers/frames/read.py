"""A layer (or part of it) read into a GeoDataFrame through COPY ... TO STDOUT as CSV."""

from __future__ import annotations

import io
from typing import Any

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import shapely
from psycopg2 import sql

from layers.access import Principal, can_read, can_see_private, row_scope
from layers.errors import LayerError
from layers.model import LayerSpec
from layers.registry import get_registry
from layers.rowsql import scope_sql
from layers.schema import LAYER_SCHEMA
from layers.tables import Bind, reading
from layers.validate import WGS84

ARROW_TYPES = {
    "string": pa.string(), "integer": pa.int64(), "number": pa.float64(),
    "boolean": pa.bool_(), "date": pa.date32(), "datetime": pa.string(),
}


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
    it may see them, and only the rows it reaches (layers.access.row_scope).
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
    scope = scope_sql(row_scope(spec, principal)) if principal is not None else None
    if scope is not None:
        clauses.append(scope)
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
            # PostgreSQL prints each timestamp as short as it can (no fraction when there is
            # none), so one COPY mixes "…:31+07" and "…:30.123456+07": never infer one format.
            frame[name] = pd.to_datetime(frame[name], utc=True, format="ISO8601")
    geometry = shapely.from_wkb(frame.pop("geom").to_numpy(dtype=object))
    return gpd.GeoDataFrame(frame.set_index("fid"), geometry=geometry, crs=WGS84)
