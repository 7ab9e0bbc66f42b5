"""Synthetic BOS and APBS figures for every school of Medan (not those of doubtful location), two years.

Deterministic per NPSN and year, labelled source = "synthetic". Pupils: 75-100 % of the school's
capacity (daya_tampung), else 120-600. BOS Reguler = pupils x an illustrative unit cost per level
(near the 2024 BOSP unit costs of North Sumatra); BOS Kinerja for one school in five; BOS Daerah for
public schools; the committee for private ones. Spent: 88-100 % of the year before, 35-70 % of the
current year (still running), spread over the BOS components (the SMK ones only for SMK).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from sqlalchemy import Engine, text

from services.schoolfunds import queries
from services.schoolfunds.rules import SPENT

SOURCE = "synthetic"
ACTOR = "seed:schoolfunds"
UNIT_COST = {"SD": 1_000_000, "SMP": 1_200_000, "SMA": 1_500_000, "SMK": 1_650_000, "SLB": 3_000_000}
SMK_ONLY = {"kompetensi_smk", "keterserapan"}

INSERT_ENTRIES = text("""
    INSERT INTO schoolfunds.entries (npsn, tahun, arah, kategori, jumlah, updated_by, source)
    SELECT u.npsn, u.tahun, u.arah, u.kategori, u.jumlah, :actor, :source
    FROM unnest(CAST(:npsn AS text[]), CAST(:tahun AS int[]), CAST(:arah AS text[]), CAST(:kategori AS text[]),
                CAST(:jumlah AS bigint[])) AS u(npsn, tahun, arah, kategori, jumlah)
    ON CONFLICT DO NOTHING""")
INSERT_STUDENTS = text("""
    INSERT INTO schoolfunds.students (npsn, tahun, siswa, updated_by, source)
    SELECT u.npsn, u.tahun, u.siswa, :actor, :source
    FROM unnest(CAST(:npsn AS text[]), CAST(:tahun AS int[]), CAST(:siswa AS int[])) AS u(npsn, tahun, siswa)
    ON CONFLICT DO NOTHING""")


def school_year(npsn: str, level: str, public: bool, capacity: int | None, year: int, current: int
                ) -> tuple[int, list[tuple[str, str, int]]]:
    rng = random.Random(f"schoolfunds:{npsn}:{year}")
    pupils = round(capacity * rng.uniform(0.75, 1.0)) if capacity else rng.randint(120, 600)
    received = [("penerimaan", "bos_reguler", pupils * UNIT_COST.get(level, 1_000_000))]
    if rng.random() < 0.2:
        received.append(("penerimaan", "bos_kinerja", rng.choice((50, 75, 100)) * 1_000_000))
    received.append(("penerimaan", "bosda" if public else "komite", round(pupils * rng.uniform(100, 400)) * 1_000))
    total = sum(amount for _, _, amount in received)
    share = rng.uniform(0.88, 1.0) if year < current else rng.uniform(0.35, 0.7)
    components = [c for c in SPENT if level == "SMK" or c not in SMK_ONLY]
    weights = [rng.uniform(0.5, 3.0) * (4 if c in ("honor", "pembelajaran") else 1) for c in components]
    spent = [("belanja", c, round(total * share * w / sum(weights), -3)) for c, w in zip(components, weights, strict=True)]
    return pupils, received + spent


def seed(engine: Engine, *, years: tuple[int, ...] | None = None) -> int:
    """Seed every school for `years` (default: last year and this one); returns rows written (0 when done)."""
    current = datetime.now(UTC).year
    years = years or (current - 1, current)
    entries: dict[str, list] = {"npsn": [], "tahun": [], "arah": [], "kategori": [], "jumlah": []}
    pupils: dict[str, list] = {"npsn": [], "tahun": [], "siswa": []}
    with engine.begin() as conn:
        if conn.execute(queries.seeded()).scalar_one():
            return 0
        for npsn, level, status, capacity in conn.execute(queries.seed_schools()).all():
            for year in years:
                count, rows = school_year(npsn, level, status == "Negeri", capacity, year, current)
                pupils["npsn"].append(npsn), pupils["tahun"].append(year), pupils["siswa"].append(count)
                for direction, category, amount in rows:
                    for key, value in zip(entries, (npsn, year, direction, category, int(amount)), strict=True):
                        entries[key].append(value)
        conn.execute(INSERT_ENTRIES, {**entries, "actor": ACTOR, "source": SOURCE})
        conn.execute(INSERT_STUDENTS, {**pupils, "actor": ACTOR, "source": SOURCE})
    return len(entries["npsn"])
