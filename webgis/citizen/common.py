"""What the citizen views share: the language, rendering, the engine."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, render_template, request

from geodata.osm import ROADS
from layers.registry import get_registry
from webgis.citizen.strings import ui_strings
from webgis.pages.strings import language_of


def engine():  # noqa: ANN201
    return current_app.extensions["engine"]


def lang() -> str:
    return language_of(request)


def link_lang() -> str | None:
    """?lang= for links and redirects when the page is not in the default language, else None (no argument)."""
    return "en" if lang() == "en" else None


def page(template: str, status: int = 200, *, extra_strings: dict[str, dict[str, str]] | None = None,
         **context: Any) -> Response:
    """A citizen page in the chosen language; `extra_strings` ({key: {"id": ..., "en": ...}}) are a
    face's own words beside the citizen pages' (the bill and verification pages)."""
    chosen = lang()
    strings = {**ui_strings(chosen), **{key: text[chosen] for key, text in (extra_strings or {}).items()}}
    # `ql`: the language to carry in this site's links and form actions (Indonesian is the default).
    context.setdefault("streets", streets_overlay())
    html = render_template(template, lang=chosen, t=strings, ql=link_lang(), **context)
    return Response(html, status=status, mimetype="text/html")


def streets_overlay() -> dict[str, str]:
    """Where a citizen map finds the streets in view and whose credit they carry (static/citizen/streets.js)."""
    return {"items_url": f"/collections/{ROADS}/items?f=json&properties=nama&limit=500",
            "credit": " · ".join(get_registry().get(ROADS).attributions())}


def map_credits(*layer_ids: str) -> str:
    """The credits a page's map owes the layers it draws, from their declarations, each once
    (shown in the map's attribution by static/citizen/credits.js)."""
    parts = [part for layer_id in layer_ids for part in get_registry().get(layer_id).attributions()]
    return " · ".join(dict.fromkeys(parts))
