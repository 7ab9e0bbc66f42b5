"""/agenda: the mayor's and agencies' events by day or week with a map (phone first, Bahasa
Indonesia first), its JSON, and the public agenda as an iCalendar feed (RFC 5545).

Which events a visitor sees is the layer's row rule (layers.access via services/agenda/events.py):
the public ones for everyone, internal ones for staff of the organising agency and admins.
"""

from __future__ import annotations

import json
from datetime import timedelta

from flask import Blueprint, Response, jsonify, request

from services.agenda import events
from webgis.accounts.principal import principal_from_request
from webgis.agenda.strings import UI
from webgis.citizen.common import engine, map_credits, page

blueprint = Blueprint("agenda", __name__)


def _span() -> events.Window:
    return events.window(request.args.get("tanggal"), request.args.get("tampilan"))


@blueprint.get("/agenda")
def agenda_page() -> Response:
    try:
        span = _span()
    except events.ServiceError as exc:
        return page("agenda/index.html", status=400, extra_strings=UI, error=str(exc), days=[], geojson="{}",
                    view="hari", first_day=None, credits=map_credits("agenda"))
    found = events.events(engine(), principal_from_request(), span)
    days = [(span.first_day + timedelta(days=k)).isoformat() for k in range(span.days)]
    view = "minggu" if span.days == 7 else "hari"
    return page("agenda/index.html", extra_strings=UI, error=None, events=found, days=days, view=view,
                first_day=span.first_day, before=(span.first_day - timedelta(days=span.days)).isoformat(),
                after=(span.first_day + timedelta(days=span.days)).isoformat(),
                geojson=json.dumps(events.as_geojson(found)), credits=map_credits("agenda"))


@blueprint.get("/api/agenda")
def agenda_api() -> Response:
    """The events of `?tanggal=YYYY-MM-DD` (`&tampilan=minggu` for its week) the caller may see, GeoJSON."""
    return jsonify(events.as_geojson(events.events(engine(), principal_from_request(), _span())))


@blueprint.get("/agenda.ics")
def agenda_feed() -> Response:
    """The public agenda for calendar apps (text/calendar; no session, public events only)."""
    body = events.public_feed(engine(), base_url=request.host_url.rstrip("/"))
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": 'inline; filename="agenda-pemko-medan.ics"', "Cache-Control": "public, max-age=300"})
