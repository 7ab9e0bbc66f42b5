"""The agenda read for a day or a week, as the principal may see it, and as an iCalendar feed.

Who sees which event is the layer's row rule (services/agenda/layers/agenda.yaml, applied by
layers.access.row_scope): everyone the public events, staff also their own agencies' internal
ones, admins all. The feed is the public agenda only, whoever asks (a calendar app has no session).
Days are the city's (WIB). Events are written through the layer's editing paths (OGC API Part 4).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy import Engine

from layers.access import ANONYMOUS, Principal, row_scope
from layers.registry import get_registry
from services.agenda import queries
from services.errors import ServiceError

WIB = ZoneInfo("Asia/Jakarta")
VIEWS = {"hari": 1, "minggu": 7}
FEED_DAYS_BACK, FEED_DAYS_AHEAD = 30, 180
PEJABAT = {"wali_kota": ("Wali Kota", "Mayor"), "wakil_wali_kota": ("Wakil Wali Kota", "Vice mayor"),
           "sekda": ("Sekretaris Daerah", "City secretary"), "kepala_skpd": ("Kepala SKPD", "Head of agency"),
           "camat": ("Camat", "District head"), "lurah": ("Lurah", "Village head")}


@dataclass(frozen=True)
class Window:
    first_day: date
    days: int

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(0), tzinfo=WIB)

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=self.days)


def window(day: str | None, view: str | None, today: date | None = None) -> Window:
    """The day (`tanggal=YYYY-MM-DD`, today in WIB when absent) or its week (Monday first)."""
    view = view or "hari"
    if view not in VIEWS:
        raise ServiceError(f"tampilan: hari atau minggu, bukan {view[:20]!r}")
    try:
        chosen = date.fromisoformat(day) if day else (today or datetime.now(WIB).date())
    except ValueError:
        raise ServiceError(f"tanggal: format YYYY-MM-DD, bukan {day[:20]!r}") from None
    if view == "minggu":
        chosen -= timedelta(days=chosen.weekday())
    return Window(chosen, VIEWS[view])


def events(engine: Engine, principal: Principal, span: Window) -> list[dict[str, Any]]:
    """The events of the window the principal may see, by start time."""
    scope = row_scope(get_registry().get(queries.LAYER), principal)
    with engine.connect() as conn:
        rows = conn.execute(queries.events_overlapping(span.start, span.end, scope)).mappings().all()
    return [_event(dict(r)) for r in rows]


def _event(row: dict[str, Any]) -> dict[str, Any]:
    start, end = row["mulai"].astimezone(WIB), row["selesai"].astimezone(WIB)
    return {**{k: row[k] for k in ("kode_acara", "judul", "uraian", "tempat", "pejabat", "agency", "sifat",
                                   "nama_kel", "nama_kec", "lon", "lat")},
            "mulai": start.isoformat(), "selesai": end.isoformat(), "hari": start.date().isoformat(),
            "jam": f"{start:%H.%M}–{end:%H.%M}", "pejabat_label": PEJABAT.get(row["pejabat"], (row["pejabat"],) * 2)}


def as_geojson(found: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": e["kode_acara"], "geometry": {"type": "Point", "coordinates": [e["lon"], e["lat"]]},
         "properties": {k: v for k, v in e.items() if k not in ("lon", "lat")}} for e in found]}


def public_feed(engine: Engine, *, now: datetime | None = None, base_url: str = "") -> bytes:
    """The public agenda as iCalendar (RFC 5545): 30 days back to 180 days ahead, times in UTC."""
    now = now or datetime.now(UTC)
    span_start, span_end = now - timedelta(days=FEED_DAYS_BACK), now + timedelta(days=FEED_DAYS_AHEAD)
    scope = row_scope(get_registry().get(queries.LAYER), ANONYMOUS)
    with engine.connect() as conn:
        rows = conn.execute(queries.events_overlapping(span_start, span_end, scope, public_only=True)).mappings().all()
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Pemerintah Kota Medan//Medan WebGIS agenda//ID")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Agenda publik Pemerintah Kota Medan")
    calendar.add("x-wr-timezone", "Asia/Jakarta")
    for row in rows:
        calendar.add_component(_vevent(dict(row), now, base_url))
    return calendar.to_ical()


def _vevent(row: dict[str, Any], now: datetime, base_url: str) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"{row['kode_acara']}@agenda.pemkomedan.go.id")
    event.add("dtstamp", now.astimezone(UTC))
    event.add("last-modified", row["updated_at"].astimezone(UTC))
    event.add("dtstart", row["mulai"].astimezone(UTC))
    event.add("dtend", row["selesai"].astimezone(UTC))
    event.add("summary", row["judul"])
    event.add("location", row["tempat"])
    event.add("geo", (row["lat"], row["lon"]))
    event.add("description", (row["uraian"] or "") + f"\nDihadiri: {PEJABAT.get(row['pejabat'], (row['pejabat'],))[0]}"
              f" · Penyelenggara: {row['agency']}")
    event.add("class", "PUBLIC")
    event.add("categories", [row["agency"]])
    if base_url:
        event.add("url", f"{base_url}/agenda?tanggal={row['mulai'].astimezone(WIB).date().isoformat()}")
    return event
