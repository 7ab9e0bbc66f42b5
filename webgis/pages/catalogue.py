"""The layer catalogue: every layer the principal may read, with its figures, sources and URLs.

Flask-free: the view renders what `catalogue_entries` returns, and the
download view calls `export_public_layer`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func, literal, select, union_all

from layers.access import ANONYMOUS, Principal, readable_layers, row_scope
from layers.files import export_layer
from layers.model import LayerSpec
from layers.registry import Registry
from layers.rowsql import scope_clause
from layers.tables import Bind, layer_table, reading
from webgis.pages.config import THEME_TITLES

DOWNLOAD_FORMATS: dict[str, tuple[str, str]] = {
    # format -> (file suffix, media type)
    "geojson": ("geojson", "application/geo+json"),
    "gpkg": ("gpkg", "application/geopackage+sqlite3"),
    "csv": ("csv", "text/csv"),
}


def layer_figures(bind: Bind, registry: Registry, principal: Principal = ANONYMOUS) -> dict[str, dict[str, Any]]:
    """Feature count, last update and extent of every layer the principal may read, in one query."""
    branches = []
    for spec in readable_layers(principal, registry):
        table = layer_table(spec.id)
        extent = func.ST_Extent(table.c.geom)
        branches.append(select(
            literal(spec.id).label("layer"), func.count().label("n"),
            func.max(table.c.updated_at).label("updated"),
            func.ST_XMin(extent).label("xmin"), func.ST_YMin(extent).label("ymin"),
            func.ST_XMax(extent).label("xmax"), func.ST_YMax(extent).label("ymax"),
        ).where(scope_clause(row_scope(spec, principal), table.c)))
    if not branches:
        return {}
    with reading(bind) as conn:
        rows = conn.execute(union_all(*branches)).mappings().all()
    return {
        r["layer"]: {
            "count": r["n"],
            "updated": r["updated"],
            "extent": None if r["xmin"] is None else [r["xmin"], r["ymin"], r["xmax"], r["ymax"]],
        }
        for r in rows
    }


def catalogue_entries(bind: Bind, registry: Registry, base_url: str,
                      principal: Principal = ANONYMOUS) -> list[dict[str, Any]]:
    """One entry per layer the principal may read, in theme order, with the URLs a GIS client needs."""
    figures = layer_figures(bind, registry, principal)
    order = list(THEME_TITLES)
    entries = []
    for spec in sorted(readable_layers(principal, registry), key=lambda s: (order.index(s.theme), s.title.id)):
        entries.append({
            "spec": spec,
            "theme": THEME_TITLES[spec.theme],
            **figures.get(spec.id, {"count": 0, "updated": None, "extent": None}),
            "urls": client_urls(spec, base_url),
        })
    return entries


def client_urls(spec: LayerSpec, base_url: str) -> dict[str, str]:
    base = base_url.rstrip("/")
    return {
        "oapif": f"{base}/",
        "collection": f"{base}/collections/{spec.id}",
        "items": f"{base}/collections/{spec.id}/items?f=json",
        "tiles": f"{base}/collections/{spec.id}/tiles/WebMercatorQuad/{{z}}/{{x}}/{{y}}",
    }


def export_readable_layer(bind: Bind, spec: LayerSpec, fmt: str, principal: Principal) -> IO[bytes]:
    """A layer written to a file, opened for reading: what `principal` may read of it (layers.access:
    its readable properties, the rows it reaches).

    The file is unlinked at once: the open handle keeps it readable while it is
    sent, and nothing is left behind in /tmp whatever happens to the request.
    """
    suffix, _media_type = DOWNLOAD_FORMATS[fmt]
    with tempfile.TemporaryDirectory(prefix="webgis-download-") as directory:
        path = Path(directory) / f"{spec.id}.{suffix}"
        export_layer(bind, spec.id, path, fmt=fmt, principal=principal)
        handle = path.open("rb")
        os.unlink(path)
    return handle
