"""Checking an application against its declared form, before anything is written.

Each form field is a property of the case layer, so its type, allowed values and limits
come from the layer's declaration (one truth); the form adds whether it is required and
its label. Values may come typed (JSON) or as text (an HTML form). Every problem is
collected and said in Bahasa Indonesia with its English (said.Said).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from shapely.geometry import shape
from shapely.validation import explain_validity

from layers.model import LayerSpec, PropertySpec
from services.engine.model import FormField, ServiceSpec
from services.engine.said import Said

# Field-specific formats the layer's types cannot say (an NIK is 16 digits, not any string).
FORMATS: dict[str, tuple[re.Pattern[str], Said]] = {
    "nik_pemohon": (re.compile(r"^[0-9]{16}$"), Said("harus 16 angka", "must be 16 digits")),
    "telp_pemohon": (re.compile(r"^\+?[0-9 ()-]{6,20}$"), Said("bukan nomor telepon", "not a phone number")),
    "email_pemohon": (re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$"), Said("bukan alamat email",
                                                                                  "not an e-mail address")),
}
MIN_PLOT_M2 = 10.0
MAX_PLOT_M2 = 1_000_000.0  # 100 ha: a larger "plot" is a drawing mistake


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _coerce(prop: PropertySpec, value: Any) -> Any:
    """The value as the property's type; ValueError when it is not one."""
    if prop.type == "string":
        if not isinstance(value, str):
            raise ValueError
        return value.strip()
    if prop.type == "integer":
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError
        return int(str(value).strip())
    if prop.type == "number":
        if isinstance(value, bool):
            raise ValueError
        number = float(str(value).strip().replace(",", "."))
        if not math.isfinite(number):
            raise ValueError
        return number
    if prop.type == "date":  # ISO 8601, as a browser's <input type=date> sends it
        return date.fromisoformat(str(value).strip())
    raise ValueError


TYPE_WORDS = {"string": ("teks", "text"), "integer": ("bilangan bulat", "a whole number"),
              "number": ("angka", "a number"), "date": ("tanggal TTTT-BB-HH", "a date YYYY-MM-DD")}


def check_field(field: FormField, prop: PropertySpec, raw: Any) -> tuple[Any, list[Said]]:
    label = field.label
    if _blank(raw):
        return None, ([Said(f"{label.id}: wajib diisi", f"{label.en}: required")] if field.required else [])
    try:
        value = _coerce(prop, raw)
    except (TypeError, ValueError):
        word = TYPE_WORDS.get(prop.type, (prop.type, prop.type))
        return None, [Said(f"{label.id}: harus {word[0]}", f"{label.en}: must be {word[1]}")]
    if prop.allowed is not None and value not in prop.allowed:
        shown = ", ".join(map(str, prop.allowed))
        return None, [Said(f"{label.id}: pilih salah satu dari {shown}", f"{label.en}: choose one of {shown}")]
    if prop.max_length is not None and isinstance(value, str) and len(value) > prop.max_length:
        return None, [Said(f"{label.id}: paling banyak {prop.max_length} karakter",
                           f"{label.en}: at most {prop.max_length} characters")]
    if prop.minimum is not None and value < prop.minimum:
        return None, [Said(f"{label.id}: paling kecil {prop.minimum:g}", f"{label.en}: at least {prop.minimum:g}")]
    if prop.maximum is not None and value > prop.maximum:
        return None, [Said(f"{label.id}: paling besar {prop.maximum:g}", f"{label.en}: at most {prop.maximum:g}")]
    if field.name in FORMATS and not FORMATS[field.name][0].match(str(value)):
        hint = FORMATS[field.name][1]
        return None, [Said(f"{label.id}: {hint}", f"{label.en}: {hint.en}")]
    return value, []


def check_fields(spec: ServiceSpec, case: LayerSpec, values: Mapping[str, Any]) -> tuple[dict[str, Any], list[Said]]:
    """The form's values, typed, and every problem found; fields the form does not ask are refused."""
    clean: dict[str, Any] = {}
    problems: list[Said] = []
    asked = {f.name for f in spec.form.fields}
    for name in sorted(set(values) - asked):
        problems.append(Said(f"isian {name!r} tidak ada di formulir ini", f"field {name!r} is not on this form"))
    for field in spec.form.fields:
        value, found = check_field(field, case.prop(field.name), values.get(field.name))
        problems += found
        if value is not None:
            clean[field.name] = value
    return clean, problems


def check_polygon(geometry: Any) -> tuple[dict[str, Any] | None, list[Said]]:
    """A drawn plot: a GeoJSON Polygon, valid, in WGS 84 coordinates. (Its area and whether it
    lies in Medan are asked of the database, cases.locate.)"""
    if not isinstance(geometry, Mapping) or geometry.get("type") != "Polygon":
        return None, [Said("lokasi: gambar bidang tanah (poligon) di peta", "location: draw the plot (a polygon) on the map")]
    try:
        polygon = shape(geometry)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError):
        return None, [Said("lokasi: poligon tidak terbaca", "location: the polygon cannot be read")]
    coords = list(polygon.exterior.coords) if not polygon.is_empty else []
    if len(coords) < 4:
        return None, [Said("lokasi: bidang tanah perlu sedikitnya 3 titik sudut",
                           "location: a plot needs at least 3 corners")]
    if not all(-180 <= x <= 180 and -90 <= y <= 90 for x, y, *_ in coords):
        return None, [Said("lokasi: koordinat bukan WGS 84", "location: coordinates are not WGS 84")]
    if not polygon.is_valid:
        return None, [Said(f"lokasi: poligon tidak sah ({explain_validity(polygon)}); sisi-sisinya tidak boleh "
                           "bersilangan", f"location: invalid polygon ({explain_validity(polygon)})")]
    return {"type": "Polygon", "coordinates": [[list(c[:2]) for c in ring] for ring in
                                               geometry["coordinates"]]}, []


def check_point(lon: Any, lat: Any) -> tuple[dict[str, Any] | None, list[Said]]:
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        return None, [Said("lokasi: pilih titik di peta", "location: pick a point on the map")]
    if not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
        return None, [Said("lokasi: koordinat bukan WGS 84", "location: coordinates are not WGS 84")]
    return {"type": "Point", "coordinates": [x, y]}, []
