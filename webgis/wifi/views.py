"""Free Wi-Fi in city parks (devices/wifistatus.py): a public page and its JSON, Bahasa Indonesia
first (?lang=en for English). The schedule itself runs in `python -m devices wifi-schedule run`."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, url_for

from devices.wifischedule import load_schedule
from devices.wifistatus import park_wifi
from webgis.citizen.common import engine, page
from webgis.errors import NotFound
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


@blueprint.get("/api/wifi-taman/<kode>")
def park_api(kode: str) -> Response:
    """One park's Wi-Fi now, for its popup on /peta (its declaration's live page): the same state as
    /wifi-taman, plus one line in both languages saying it ("Wi-Fi menyala sekarang · 16:01–23:00 WIB")."""
    schedule = load_schedule()
    park = next((p for p in park_wifi(engine(), schedule=schedule) if p.kode == kode), None)
    if park is None:
        raise NotFound(f"Tidak ada taman dengan Wi-Fi berkode {kode!r}.")
    summary = {lang: f"{UI['state_' + park.status][lang]} · {UI['hours'][lang]} {park.jam} WIB" for lang in ("id", "en")}
    return jsonify({**park.as_json(), "ringkasan": summary, "halaman": url_for("wifi.parks_page")})
