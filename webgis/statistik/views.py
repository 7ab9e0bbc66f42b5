"""Counts per kelurahan from medical records and education history: never points, never public.

Each indicator names the roles that read it (services/kelurahan_counts/counts.yaml, checked by
layers.access.can_read_counts); small counts are suppressed (disclosure.py) on the page and the API.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from services.kelurahan_counts import figures
from webgis.accounts.principal import audit_event, principal_from_request
from webgis.accounts.views import login_page
from webgis.citizen.common import engine, lang, map_credits, page
from webgis.statistik.strings import UI

blueprint = Blueprint("statistik", __name__)


def _page(template: str, status: int = 200, **context: Any) -> Response:
    return page(template, status, extra_strings=UI, **context)


def _choice() -> tuple[str, int | None]:
    indicator = request.args.get("indikator", "imunisasi_dasar_lengkap").strip()[:60]
    raw = request.args.get("tahun", "").strip()
    if raw and not raw.isdigit():
        raise figures.BadQuery("tahun harus angka, mis. 2025")
    return indicator, int(raw) if raw else None


def _published(indicator_id: str, year: int | None) -> dict[str, Any]:
    principal = principal_from_request()
    figures.require(principal, indicator_id)  # 401/403/404 before anything is counted
    known = figures.years(engine(), indicator_id)
    if year is None:
        if not known:
            raise figures.BadQuery("belum ada angka untuk indikator ini")
        year = known[-1]
    return {**figures.table(engine(), principal, indicator_id, year), "tahun_tersedia": known}


@blueprint.get("/statistik/kelurahan")
@login_page
def counts_page() -> Response:
    indicator, year = _choice()
    allowed = figures.readable(principal_from_request())
    if not allowed:
        audit_event("access.denied", reason="no indicator of counts per kelurahan for these roles", method=request.method)
        return _page("statistik/counts.html", 403, data=None, indicators=[], lang_code=lang())
    if indicator not in {i.id for i in allowed}:
        indicator = allowed[0].id
    return _page("statistik/counts.html", data=_published(indicator, year), indicators=allowed, lang_code=lang(),
                 credits=map_credits("kelurahan"))


@blueprint.get("/api/statistik/kelurahan")
def counts_api() -> Response:
    """One indicator and year per kelurahan as GeoJSON (`f=json`: the table only): counts of 1..9 are
    null with "<10", a count hidden for its small complement is null with "disembunyikan", totals
    withheld (null) when they would narrow a hidden cell. 401/403 for roles the indicator does not name."""
    indicator, year = _choice()
    published = _published(indicator, year)
    if request.args.get("f") == "json":
        return jsonify(published)
    return jsonify(figures.as_geojson(engine(), published))
