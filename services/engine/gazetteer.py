"""Where an address-only report or application is: the kelurahan its address names (Open311 `address_string`).

GeoReport v2 makes lat/long, address_string or address_id each sufficient to
file a request. Until the platform has a street and place gazetteer (a later
issue), an address is resolved against Kota Medan's 151 kelurahan names, the
one gazetteer it has: the report is placed at a point inside the kelurahan it
names, and its public note says so, for staff to place it exactly. An address
that names no kelurahan, or several it cannot tell apart, is refused with the
reason, so the reporter can add the kelurahan or a map point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Engine

from layers.tables import Bind, reading
from services.engine import queries
from services.errors import ServiceError

# "Kel." / "Kelurahan" / "Kec." / "Kecamatan" are how Medan's addresses name them; "Medan" alone
# begins many names (Medan Baru, Medan Kota...) so it is never dropped.
_WORDS = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True)
class Place:
    kode_kel: str
    nama_kel: str
    nama_kec: str
    lon: float
    lat: float

    @property
    def label(self) -> str:
        return f"Kel. {self.nama_kel}, Kec. {self.nama_kec}"


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
    """The kelurahan `address` names; ServiceError naming the problem when none or several fit."""
    text = normalise(address)
    named = [p for p in kelurahan_places(bind) if normalise(p.nama_kel) in text]
    # "Sei Sikambing B" also contains "Sei Sikambing": keep the longest names only.
    named = [p for p in named if not any(normalise(p.nama_kel) != normalise(q.nama_kel)
                                         and normalise(p.nama_kel) in normalise(q.nama_kel)
                                         for q in named)]
    if len(named) > 1:  # the same name in several kecamatan: the address may name the kecamatan too
        in_district = [p for p in named if normalise(p.nama_kec) in text]
        named = in_district or named
    if len(named) == 1:
        return named[0]
    if not named:
        raise ServiceError(f"address_string: no kelurahan of Kota Medan is named in {address.strip()[:100]!r}; "
                           "add the kelurahan (e.g. 'Kel. Petisah Tengah') or send lat and long")
    choices = "; ".join(p.label for p in named[:6])
    raise ServiceError(f"address_string: it could be in {choices}; add the kecamatan, or send lat and long")
