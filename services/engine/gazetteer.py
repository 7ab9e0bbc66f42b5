"""Where an address-only report or application is (Open311 `address_string`, a PPDB home, a permit site).

GeoReport v2 makes lat/long, address_string or address_id each sufficient to
file a request. An address is read part by part ("Jl. Gatot Subroto No. 12,
Kel. Sei Sikambing B, Kec. Medan Sunggal"): the street or place it names is
looked up in the city's place search (layers/search.py: streets, places,
schools, health facilities, offices, tourism sites) and the report is put on
that street, at its point nearest to the kelurahan the address names, or at
the place. When only the kelurahan can be told, it is put at a point inside
the kelurahan, as before. The public note says which (`Place.how`), for staff
to place it exactly. An address that names neither a place nor a kelurahan,
or several kelurahan it cannot tell apart, is refused with the reason, so the
reporter can add the kelurahan or a map point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine

from layers.search import SearchTextError, search
from layers.tables import Bind, reading
from services.engine import queries
from services.errors import ServiceError

# "Kel." / "Kelurahan" / "Kec." / "Kecamatan" are how Medan's addresses name them; "Medan" alone
# begins many names (Medan Baru, Medan Kota...) so it is never dropped.
_WORDS = re.compile(r"[^0-9a-z]+")


class AmbiguousKelurahan(ServiceError):
    """The address names a kelurahan name that several kecamatan have."""


@dataclass(frozen=True)
class Place:
    kode_kel: str
    nama_kel: str
    nama_kec: str
    lon: float
    lat: float
    named: str | None = None  # the street or place of the address the point is on ("Jalan Gatot Subroto")
    kind: str | None = None  # its gazetteer kind ("jalan", "wisata", ...); None: placed in the kelurahan

    @property
    def label(self) -> str:
        where = f"Kel. {self.nama_kel}, Kec. {self.nama_kec}"
        return f"{self.named}, {where}" if self.named else where

    @property
    def how(self) -> str:
        """How the point was found, in the words of the public note."""
        if self.kind == "jalan":
            return "titik pada jalan yang disebut alamat"
        if self.kind:
            return "titik pada tempat yang disebut alamat"
        return "titik di dalam kelurahan"


def normalise(text: str) -> str:
    """Lower case, every run of other characters one space, padded: ' kel petisah tengah '."""
    return f" {_WORDS.sub(' ', text.lower()).strip()} "


def kelurahan_places(bind: Bind) -> tuple[Place, ...]:
    if isinstance(bind, Engine):
        return _cached_places(bind)
    return _read_places(bind)


@lru_cache(maxsize=8)
def _cached_places(engine: Engine) -> tuple[Place, ...]:
    # Kelurahan boundaries change by decree, not by the minute; one read per process and database.
    return _read_places(engine)


def _read_places(bind: Bind) -> tuple[Place, ...]:
    with reading(bind) as conn:
        rows = conn.execute(queries.select_kelurahan_places()).mappings().all()
    return tuple(Place(r["kode_kel"], r["nama_kel"], r["nama_kec"], float(r["lon"]), float(r["lat"])) for r in rows)


def resolve_address(bind: Bind, address: str) -> Place:
    """Where `address` is: on the street or place it names (in the kelurahan it names, when it does), else
    inside the kelurahan it names; ServiceError naming the problem when neither can be told."""
    # A "Kel. ..." part names the kelurahan ("Kec. Medan Helvetia" holds the kelurahan name "Helvetia"),
    # a "Kec. ..." part the kecamatan; without them the whole address may ("Petisah Tengah, Medan").
    parts = re.split(r"[,;\n]+", address)
    named = [p for p in parts if _KELURAHAN_PART.match(p)]
    districts = [p for p in parts if _AREA_PART.match(p) and not _KELURAHAN_PART.match(p)]
    try:
        kelurahan: Place | None = resolve_kelurahan(bind, ", ".join(named) if named else address,
                                                    district=", ".join(districts) if named else None)
        unclear: ServiceError | None = None
    except ServiceError as exc:
        kelurahan, unclear = None, exc
    if isinstance(unclear, AmbiguousKelurahan):  # several kelurahan of that name: a street would not tell
        raise unclear
    with reading(bind) as conn:
        placed = _on_named_place(conn, address, kelurahan)
    if placed is not None:
        return placed
    if kelurahan is not None:
        return kelurahan
    assert unclear is not None
    raise unclear


# What an address part says besides the street or place: the house number, RT/RW, the postal code, the city.
_NOT_A_PLACE = re.compile(
    r"\b(no|nomor|nmr)\b\.?\s*[0-9][0-9a-z/-]*|\brt\b\.?\s*[0-9]+|\brw\b\.?\s*[0-9]+|\b2[0-9]{4}\b"
    r"|\b(kota\s+)?medan\s*$|\bsumatera\s+utara\b|\bsumut\b|\bindonesia\b", re.IGNORECASE)
_AREA_PART = re.compile(r"^\s*(kel|kelurahan|kec|kecamatan|desa)\b", re.IGNORECASE)
_KELURAHAN_PART = re.compile(r"^\s*(kel|kelurahan|desa)\b", re.IGNORECASE)
# Kinds an address can be put on: not areas (the kelurahan is handled apart) and not bus stops.
_PLACE_KINDS = frozenset({"jalan", "tempat", "sekolah", "kesehatan", "kantor", "wisata"})
# A street may lie just outside the kelurahan polygon it is named with (a boundary street).
_NEAR_KELURAHAN_M = 300.0


def address_parts(address: str) -> list[str]:
    """The parts of an address that may name a street or place, most specific first."""
    parts = []
    for part in re.split(r"[,;\n]+", address):
        if _AREA_PART.match(part):
            continue
        cleaned = " ".join(_NOT_A_PLACE.sub(" ", _NOT_A_PLACE.sub(" ", part)).split())  # twice: "Medan 20122"
        if len(cleaned) >= 3:
            parts.append(cleaned)
    return parts


def _on_named_place(conn: Connection, address: str, kelurahan: Place | None) -> Place | None:
    for part in address_parts(address)[:4]:
        try:
            found = [r for r in search(conn, part, limit=10, kinds=_PLACE_KINDS) if r["match"] != "similar"
                     or r["score"] >= _SIMILAR_ENOUGH]
        except SearchTextError:
            continue
        if kelurahan is not None:  # the one in the kelurahan the address names first
            found.sort(key=lambda r: r["area"] != kelurahan.label)
        for result in found:
            placed = _point_on(conn, result, kelurahan)
            if placed is not None:
                return placed
    return None


# A trigram-only match is taken when it resembles closely ("jln gatot subrot"): a score of 0.6 is a
# word similarity around 0.8 with the layer's weight; below, an address names something else.
_SIMILAR_ENOUGH = 0.6


def _point_on(conn: Connection, result: dict, kelurahan: Place | None) -> Place | None:
    """The point of `result` nearest the kelurahan named (or its own point), with the kelurahan holding it."""
    lon, lat = (kelurahan.lon, kelurahan.lat) if kelurahan else result["point"]
    near = conn.execute(queries.select_nearest_on_named(result["layer"], result["property"]),
                        {"lon": lon, "lat": lat, "name": result["name"]}).mappings().first()
    if near is None:
        return None
    if kelurahan is not None and near["metres"] > _NEAR_KELURAHAN_M and not _inside(conn, near, kelurahan):
        return None  # the address's street of that name is elsewhere: not in the kelurahan it names
    area = conn.execute(queries.select_kelurahan_at(), {"lon": near["lon"], "lat": near["lat"]}).mappings().first()
    if area is None:
        return None
    return Place(area["kode_kel"], area["nama_kel"], area["nama_kec"], float(near["lon"]), float(near["lat"]),
                 named=result["name"], kind=result["kind"])


def _inside(conn: Connection, near: Any, kelurahan: Place) -> bool:
    area = conn.execute(queries.select_kelurahan_at(), {"lon": near["lon"], "lat": near["lat"]}).mappings().first()
    return area is not None and area["kode_kel"] == kelurahan.kode_kel


def resolve_kelurahan(bind: Bind, address: str, district: str | None = None) -> Place:
    """The kelurahan `address` names (in the kecamatan `district` names, if given, else `address`);
    ServiceError naming the problem when none or several fit."""
    text = normalise(address)
    named = [p for p in kelurahan_places(bind) if normalise(p.nama_kel) in text]
    # "Sei Sikambing B" also contains "Sei Sikambing": keep the longest names only.
    named = [p for p in named if not any(normalise(p.nama_kel) != normalise(q.nama_kel)
                                         and normalise(p.nama_kel) in normalise(q.nama_kel)
                                         for q in named)]
    if len(named) > 1:  # the same name in several kecamatan: the address may name the kecamatan too
        in_district = [p for p in named if normalise(p.nama_kec) in (normalise(district) if district else text)]
        named = in_district or named
    if len(named) == 1:
        return named[0]
    if not named:
        raise ServiceError(f"address_string: no kelurahan of Kota Medan is named in {address.strip()[:100]!r}; "
                           "add the kelurahan (e.g. 'Kel. Petisah Tengah') or send lat and long")
    choices = "; ".join(p.label for p in named[:6])
    raise AmbiguousKelurahan(f"address_string: it could be in {choices}; add the kecamatan, or send lat and long")
