"""The agencies' public profiles (/skpd, /skpd/<agency>) and their JSON (/api/skpd...): tasks, the
services each runs, its office contact, its offices on a map, its open cases and due-time performance
(counts only). Views parse, call services/skpd, and serialise."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, redirect, url_for

from services.skpd.profiles import agency_list, agency_of, agency_profile
from webgis.citizen.common import engine, link_lang, map_credits, page
from webgis.skpd.strings import UI

blueprint = Blueprint("skpd", __name__)


def _page(template: str, status: int = 200, **context: Any) -> Response:
    return page(template, status, extra_strings=UI, **context)


@blueprint.get("/skpd")
def index() -> Response:
    return _page("skpd/index.html", agencies=agency_list(engine()))


@blueprint.get("/skpd/<agency>")
def profile(agency: str) -> Response:
    known = agency_of(agency)  # 404 with the reason for an unknown code
    if known.code != agency:
        return redirect(url_for("skpd.profile", agency=known.code, lang=link_lang()), code=301)
    return _page("skpd/profile.html", p=agency_profile(engine(), known.code),
                 credits=map_credits("offices", "kelurahan"))


@blueprint.get("/api/skpd")
def list_api() -> Response:
    return jsonify({"agencies": agency_list(engine())})


@blueprint.get("/api/skpd/<agency>")
def profile_api(agency: str) -> Response:
    """The profile as JSON; the offices as a GeoJSON FeatureCollection (public properties only)."""
    return jsonify(agency_profile(engine(), agency_of(agency).code))
