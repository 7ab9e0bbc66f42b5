"""Synthetic counts per kelurahan and indicator for two years: deterministic per kelurahan, labelled
source = "synthetic". Target populations of a Medan kelurahan (about 16,000 people: 1.6 % aged
12–23 months, 10 % aged 7–12, 5 % aged 13–15), one kelurahan in twelve very small so that the
suppression has something to do; coverage 80–100 % (immunisation), 93–100 % and 85–99 % (enrolment).
"""

from __future__ import annotations

import random

from sqlalchemy import Engine

from services.kelurahan_counts import queries

SHAPE = {"imunisasi_dasar_lengkap": (0.016, 0.80, 1.0), "partisipasi_sd": (0.10, 0.93, 1.0),
         "partisipasi_smp": (0.05, 0.85, 0.99)}


def cell(kode_kel: str, indicator: str, year: int) -> tuple[int, int]:
    share, low, high = SHAPE[indicator]
    people = random.Random(f"kelcounts:{kode_kel}").randint(4_000, 30_000)
    rng = random.Random(f"kelcounts:{kode_kel}:{indicator}:{year}")
    target = rng.randint(3, 40) if random.Random(f"kelcounts:small:{kode_kel}").random() < 1 / 12 \
        else round(people * share * rng.uniform(0.9, 1.1))
    return min(target, round(target * rng.uniform(low, high))), target


def seed(engine: Engine, *, years: tuple[int, ...] = (2025, 2026)) -> int:
    """Seed every kelurahan (idempotent: 0 when already seeded); returns rows written."""
    columns: dict[str, list] = {"indikator": [], "tahun": [], "kode_kel": [], "jumlah": [], "sasaran": []}
    with engine.begin() as conn:
        if conn.execute(queries.seeded()).scalar_one():
            return 0
        for kode_kel in conn.execute(queries.kelurahan_codes()).scalars():
            for indicator in SHAPE:
                for year in years:
                    count, target = cell(kode_kel, indicator, year)
                    for key, value in zip(columns, (indicator, year, kode_kel, count, target), strict=True):
                        columns[key].append(value)
        conn.execute(queries.insert_counts(), columns)
    return len(columns["kode_kel"])
