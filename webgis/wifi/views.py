"""Free Wi-Fi in city parks (devices/wifistatus.py): a public page and its JSON, Bahasa Indonesia
first (?lang=en for English). The schedule itself runs in `python -m devices wifi-schedule run`."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from devices.wifischedule import load_schedule
from devices.wifistatus import park_wifi
from webgis.citizen.common import engine, page
from webgis.wifi.strings import UI

blueprint = Blueprint("wifi", __name__)


@blueprint.get("/wifi-taman")
def parks_page() -> Response:
    schedule = load_schedule()
    return page("wifi/parks.html", extra_strings=UI, parks=park_wifi(engine(), schedule=schedule),
                hours=schedule.hours)


@blueprint.get("/api/wifi-taman")
def parks_api() -> Response:
    """Every park with free Wi-Fi: its hours, whether the schedule wants it on, and its state now
    (menyala, mati, gangguan, tidak_diketahui)."""
    schedule = load_schedule()
    return jsonify({"jam": schedule.hours, "zona_waktu": schedule.timezone,
                    "taman": [p.as_json() for p in park_wifi(engine(), schedule=schedule)]})
