"""Synthetic staff of the kecamatan and kelurahan offices (deterministic, `source = "synthetic"`).

The offices are the real ones of the seed's kelurahan layer, coded as the offices layer keys
them (KC-<kode_kec>: 21 camat offices, agency KECAMATAN; KL-<kode_kel>: 151 lurah offices,
agency KELURAHAN), where the attendance machines stand. Names are made up (three parts,
geodata.synthetic made_up_name); NIPs follow the BKN format with made-up dates; PINs are
numbered from 100001. A few staff have leave in the seeded months.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from sqlalchemy import Engine

from geodata.synthetic.common import DEFAULT_SEED, layer_rng, made_up_name
from layers import read_layer
from services.simpeg import queries
from services.simpeg.staff import StaffInput, save

KC_POSITIONS = ("Camat", "Sekretaris Camat", "Kasi Pemerintahan", "Kasi Trantib", "Kasi Pelayanan Umum",
                "Kasi Ekbang", "Kasi Kesos") + ("Staf Pelaksana",) * 7
KL_POSITIONS = ("Lurah", "Sekretaris Lurah", "Kasi Pemerintahan", "Kasi Pelayanan") + ("Staf Pelaksana",) * 4
FIRST_PIN = 100001
SEED_ACTOR = "seed:simpeg"


def _nip(rng: np.random.Generator, taken: set[str]) -> str:
    while True:
        born = date(1965, 1, 1) + timedelta(days=int(rng.integers(0, 12000)))
        appointed = (born.year + int(rng.integers(22, 30)), int(rng.integers(1, 13)))
        nip = f"{born:%Y%m%d}{appointed[0]:04d}{appointed[1]:02d}{int(rng.integers(1, 3))}{int(rng.integers(1, 1000)):03d}"
        if nip not in taken:
            taken.add(nip)
            return nip


def synthetic_staff(offices: list[tuple[str, str]], seed: int = DEFAULT_SEED) -> list[StaffInput]:
    """Staff of each (office code, agency), in office order: deterministic for the same offices."""
    rng = layer_rng(seed, "simpeg_staff")
    taken: set[str] = set()
    records = []
    for kantor, agency in offices:
        for position in KC_POSITIONS if agency == "KECAMATAN" else KL_POSITIONS:
            records.append(StaffInput(nip=_nip(rng, taken), nama=made_up_name(rng), jabatan=position,
                                      agency=agency, kantor=kantor, pin=FIRST_PIN + len(records)))
    return records


def offices_of_seed(engine: Engine) -> list[tuple[str, str]]:
    """The kecamatan and kelurahan offices of the kelurahan layer, by code."""
    kel = read_layer(engine, "kelurahan")
    kecamatan = sorted(set(kel["kode_kec"]))
    return [(f"KC-{k}", "KECAMATAN") for k in kecamatan] + \
        [(f"KL-{k}", "KELURAHAN") for k in sorted(kel["kode_kel"])]


def seed_staff(engine: Engine, seed: int = DEFAULT_SEED) -> int:
    """Insert the synthetic staff and their leave (idempotent: by NIP); returns the staff count."""
    records = synthetic_staff(offices_of_seed(engine), seed)
    rng = layer_rng(seed, "simpeg_leave")
    with engine.begin() as conn:
        save(conn, records, actor=SEED_ACTOR, source="synthetic")
        if not conn.exec_driver_sql("SELECT 1 FROM simpeg.leave LIMIT 1").first():
            for index in rng.choice(len(records), size=max(1, len(records) // 40), replace=False):
                row = queries.staff_by(conn, nip=records[int(index)].nip)
                first = date(2026, 11, 2) + timedelta(days=int(rng.integers(0, 50)))
                kind = str(rng.choice(["cuti", "sakit", "dinas_luar"], p=[0.6, 0.25, 0.15]))
                queries.add_leave(conn, row["id"], first, first + timedelta(days=int(rng.integers(0, 5))), kind,
                                  "sintetis")
    return len(records)
