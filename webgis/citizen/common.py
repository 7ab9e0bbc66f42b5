"""What the citizen views share: the language, rendering, the engine."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, render_template, request

from webgis.citizen.strings import ui_strings
from webgis.pages.strings import language_of


def engine():  # noqa: ANN201
    return current_app.extensions["engine"]


def lang() -> str:
    return language_of(request)


def page(template: str, status: int = 200, **context: Any) -> Response:
    chosen = lang()
    html = render_template(template, lang=chosen, t=ui_strings(chosen), **context)
    return Response(html, status=status, mimetype="text/html")
