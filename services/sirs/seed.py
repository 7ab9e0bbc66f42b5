"""Synthetic bed capacities and three days of reports for every hospital of `health_facilities`.

The hospitals are real (Kemenkes 2019); their beds are not: the figures are drawn from a generator
seeded by the hospital's code (deterministic), sized like a type C/B hospital of Medan, and every
line says source = "synthetic". Every seventh hospital stopped reporting 30 hours ago, so the
stale-report warning has something to show. Idempotent: a database already seeded is left alone.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from services.sirs import queries
from services.sirs.reports import write_report
from services.sirs.rules import BedLine

SOURCE = "synthetic"
ACTOR = "seed:sirs"
REPORT_EVERY = timedelta(hours=4)
DAYS = 3
# (class, typical capacity range, share of hospitals that have the class)
SHAPE = [("VVIP", (1, 4), 0.4), ("VIP", (4, 20), 0.8), ("I", (8, 30), 1.0), ("II", (10, 40), 1.0),
         ("III", (20, 90), 1.0), ("ICU", (4, 16), 0.8), ("NICU", (2, 8), 0.5), ("PICU", (2, 6), 0.4),
         ("ISOLASI", (2, 12), 0.7), ("IGD", (6, 20), 1.0)]


def capacities(kode_faskes: str) -> dict[str, int]:
    rng = random.Random(f"sirs:{kode_faskes}")
    return {kelas: rng.randint(*span) for kelas, span, share in SHAPE if rng.random() < share}


def occupancy(kode_faskes: str, step: int, capacity: dict[str, int]) -> list[BedLine]:
    """The beds free at report `step`: a high, slowly moving occupancy (70-100 %), like Medan's."""
    rng = random.Random(f"sirs:{kode_faskes}:{step}")
    return [BedLine(kelas, n, max(0, min(n, round(n * rng.uniform(0.0, 0.3))))) for kelas, n in capacity.items()]


def seed(engine: Engine, *, now: datetime | None = None) -> int:
    """Seed every hospital's reports; returns how many hospitals were seeded (0 when already done)."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    steps = int(timedelta(days=DAYS) / REPORT_EVERY)
    with engine.begin() as conn:
        if conn.execute(queries.hospitals_seeded()).scalar_one():
            return 0
        hospitals = conn.execute(queries.all_hospitals()).all()
        for number, row in enumerate(hospitals):
            capacity = capacities(row.kode_faskes)
            silent_for = timedelta(hours=30) if number % 7 == 3 else timedelta(0)
            for step in range(steps + 1):
                at = now - timedelta(days=DAYS) + step * REPORT_EVERY
                if at > now - silent_for:
                    break
                write_report(conn, row.kode_faskes, occupancy(row.kode_faskes, step, capacity),
                             actor=ACTOR, via="seed", at=at, source=SOURCE)
    return len(hospitals)
