"""Every register point has a title in Bahasa Indonesia and English, and people read titles, not point names:
alarm texts, traffic suggestions, command refusals and the operator JSON (the pages are test_operator_browser.py)."""

from __future__ import annotations

import re

import pytest

from devices.registermap import CommandRejected, RegisterMapError, check_write, load_maps, parse_map
from devices.rules import load_rules
from devices.traffic import load_rules as load_traffic_rules
from devices.traffic import suggestions

# An English word of a point name (green_north, queue_east, battery_soc ...) inside a Bahasa title.
ENGLISH = re.compile(r"\b(north|east|south|west|green|queue|count|battery|lamp|disk|uptime)\b", re.IGNORECASE)


def test_every_point_of_every_shipped_register_map_has_both_titles() -> None:
    missing = [f"{m.model}.{p.name}" for m in load_maps().values() for p in m.points
               if not p.title.get("id") or not p.title.get("en")]
    assert missing == []
    english_in_bahasa = [f"{m.model}.{p.name}: {p.title['id']}" for m in load_maps().values() for p in m.points
                         if ENGLISH.search(p.title["id"])]
    assert english_in_bahasa == []


def test_a_title_without_both_languages_is_refused() -> None:
    point = {"name": "a", "function": "input", "address": 0, "type": "uint16"}
    for title in ({"id": "Suhu"}, {"en": "Temperature"}, "Suhu", {"id": " ", "en": "x"}):
        with pytest.raises(RegisterMapError, match="title needs id and en"):
            parse_map({"model": "m", "points": [{**point, "title": title}]})


def test_alarm_texts_name_the_point_by_its_title() -> None:
    rules = {r.id: r for r in load_rules()["atcs_controller_v1"]}
    assert rules["queue_long"].message("queue_north", 180.0) == "Antrean panjang: Antrean lengan utara = 180 m"
    assert rules["controller_fault"].message("controller_fault", 1.0) == \
        "Pengendali gagal uji mandiri: Gangguan pengendali"


def test_traffic_suggestions_speak_bahasa_with_the_point_title() -> None:
    stats = {"atcs_intersections/ATCS-001": {
        "north": {"samples": 5, "queue_avg_m": 130.0, "queue_max_m": 180.0, "vehicles_per_hour": 900.0}}}
    (got,) = suggestions(stats, {"atcs_intersections/ATCS-001": {"green_north": 22}}, load_traffic_rules())
    assert got["title"] == {"id": "Perpanjang waktu hijau lengan utara",
                            "en": "Lengthen the green time, north approach"}
    assert got["point_title"]["id"] == "Waktu hijau lengan utara" and not ENGLISH.search(got["title"]["id"])


def test_a_refused_command_names_the_point_by_its_title() -> None:
    point = load_maps()["atcs_controller_v1"].point("green_north")
    with pytest.raises(CommandRejected, match=r"^Waktu hijau lengan utara \(green_north\): 200.0 above maximum 90"):
        check_write(point, 200.0)
