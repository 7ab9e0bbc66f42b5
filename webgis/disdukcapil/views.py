"""The public figures of civil registration (services/civil/stats.py): a page with a choropleth and its JSON.

Only counts per kelurahan, month and kind leave here, small ones suppressed; no application,
name or address does (the applications are read and handled through /layanan and /meja).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from services.civil import stats
from webgis.citizen.common import engine, map_credits, page
from webgis.disdukcapil.strings import UI

blueprint = Blueprint("disdukcapil", __name__)


def _choice() -> tuple[str, str]:
    """The kind and month asked for; by default births of the latest month with figures."""
    kind = request.args.get("jenis", "akta_kelahiran").strip()[:40]
    month = request.args.get("bulan", "").strip()[:10]
    if not month:
        known = stats.months(engine())
        month = known[-1] if known else ""
    return kind, month


def _page(template: str, status: int = 200, **context: Any) -> Response:
    return page(template, status, extra_strings=UI, **context)


@blueprint.get("/disdukcapil/statistik")
def figures_page() -> Response:
    kind, month = _choice()
    if not month:
        return _page("disdukcapil/figures.html", figures=None, kinds=stats.KINDS, months=[], kind=kind, month="")
    figures = stats.month_figures(engine(), kind, month)  # BadQuery answers 400
    return _page("disdukcapil/figures.html", figures=figures, kinds=stats.KINDS, months=stats.months(engine()),
                 kind=kind, month=month, credits=map_credits("kelurahan"))


@blueprint.get("/api/disdukcapil/statistik")
def figures_api() -> Response:
    """One kind and month (`jenis`, `bulan` YYYY-MM) for every kelurahan, as GeoJSON on their outlines
    (`f=json`: the table without outlines). Counts of 1..4 are null with "< 5"."""
    kind, month = _choice()
    if not month:
        return jsonify({"bulan_tersedia": [], "kelurahan": []})
    figures = stats.month_figures(engine(), kind, month)
    if request.args.get("f") == "json":
        return jsonify({**stats.as_json(figures), "bulan_tersedia": stats.months(engine())})
    return jsonify(stats.as_geojson(engine(), figures))
