"""A plan in words and GeoJSON, Bahasa Indonesia first (lang="en" for English): what the /angkot
page shows and its JSON answers, and what the CLI prints."""

from __future__ import annotations

from typing import Any

from services.angkot.planner import Leg, Plan, Trip

COLOURS_EN = {"kuning": "yellow", "hijau": "green", "biru": "blue", "merah": "red", "oranye": "orange",
              "putih": "white", "ungu": "purple", "coklat": "brown", "abu-abu": "grey"}
NO_TRIP = {
    "asal": {"id": "Tidak ada trayek angkot dalam jarak jalan kaki {m} m dari titik asal.",
             "en": "No angkot route runs within a {m} m walk of the start."},
    "tujuan": {"id": "Tidak ada trayek angkot dalam jarak jalan kaki {m} m dari tujuan.",
               "en": "No angkot route runs within a {m} m walk of the destination."},
    "sambungan": {"id": "Tidak ada angkot dari asal ke tujuan dengan paling banyak satu kali ganti angkot.",
                  "en": "No angkot goes from the start to the destination with at most one transfer."},
}
ON_THE_SPOT_M = 10.0  # closer than this, a walk is no step of its own
SHORT_WALK = {"id": "Jaraknya hanya {d} m: lebih cepat jalan kaki.", "en": "It is only {d} m: walking is quicker."}


def colour(warna: str | None, lang: str) -> str:
    if not warna:
        return ""
    return "-".join(COLOURS_EN.get(part, part) for part in warna.split("-")) if lang == "en" else warna


def _km(metres: float, lang: str) -> str:
    text = f"{metres / 1000:.1f}"
    return text if lang == "en" else text.replace(".", ",")


def _step(leg: Leg, before: Leg | None, after: Leg | None, lang: str) -> str:
    en = lang == "en"
    if leg.mode == "angkot":
        paint = f" ({colour(leg.warna, lang)})" if leg.warna else ""
        ride = f"{'Ride' if en else 'Naik'} {leg.label}{paint} {_km(leg.metres, lang)} km"
        where = [f"{'board near' if en else 'naik dekat'} {leg.board_near}" if leg.board_near else "",
                 f"{'get off near' if en else 'turun dekat'} {leg.alight_near}" if leg.alight_near else ""]
        where = [w for w in where if w]
        return f"{ride}: {', '.join(where)}" if where else ride
    metres, here = f"{leg.metres:.0f} m", leg.metres < ON_THE_SPOT_M
    if before is None:
        if here:
            return f"Wait for {after.label} right here" if en else f"Tunggu {after.label} di titik asal"
        return f"Walk {metres} to {after.label}" if en else f"Jalan kaki {metres} ke trayek {after.label}"
    if after is None:
        if here:
            return "Get off at the destination" if en else "Turun di tujuan"
        return f"Walk {metres} to the destination" if en else f"Jalan kaki {metres} ke tujuan"
    if here:
        return f"Get off and change to {after.label} there" if en else f"Turun, ganti ke {after.label} di tempat itu"
    return (f"Get off, walk {metres} and change to {after.label}" if en
            else f"Turun, jalan kaki {metres}, ganti ke {after.label}")


def trip_dict(trip: Trip, lang: str = "id") -> dict[str, Any]:
    legs = trip.legs
    steps = [{"moda": leg.mode, "meter": round(leg.metres), "kode_trayek": leg.kode_trayek, "label": leg.label,
              "warna": leg.warna, "naik_dekat": leg.board_near, "turun_dekat": leg.alight_near, "teks": _step(leg, legs[k - 1] if k else None,
                                                 legs[k + 1] if k + 1 < len(legs) else None, lang)}
             for k, leg in enumerate(legs)]
    features = [{"type": "Feature", "geometry": {"type": "LineString", "coordinates": [list(p) for p in leg.path]},
                 "properties": {"moda": leg.mode, "kode_trayek": leg.kode_trayek, "label": leg.label,
                                "warna": leg.warna, "urutan": k}} for k, leg in enumerate(legs)]
    return {"trayek": trip.trayek, "label": " → ".join(leg.label for leg in legs if leg.label),
            "transfer": trip.transfers, "jalan_m": round(trip.walk_m), "naik_m": round(trip.ride_m), "naik_km": _km(trip.ride_m, lang),
            "menit": trip.minutes, "ganti_di": list(trip.transfer_at) if trip.transfer_at else None,
            "langkah": steps, "geojson": {"type": "FeatureCollection", "features": features}}


def no_trip_message(plan: Plan, lang: str = "id") -> str | None:
    if plan.trips:
        return None
    message = NO_TRIP[plan.reason or "sambungan"][lang].format(m=f"{plan.walk_m:.0f}")
    if plan.direct_m <= 2 * plan.walk_m:
        message += " " + SHORT_WALK[lang].format(d=f"{plan.direct_m:.0f}")
    return message


def plan_dict(plan: Plan, origin: tuple[float, float], destination: tuple[float, float],
              lang: str = "id") -> dict[str, Any]:
    """The JSON answer: the points, the walking radius, the trips best first, or why there is none."""
    return {"dari": list(origin), "ke": list(destination), "jalan_maks_m": round(plan.walk_m),
            "jarak_lurus_m": round(plan.direct_m), "perjalanan": [trip_dict(t, lang) for t in plan.trips],
            "alasan": plan.reason, "pesan": no_trip_message(plan, lang)}
