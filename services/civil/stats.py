"""The public figures of civil registration: issued registrations per kelurahan and month, per kind,
with small counts suppressed so that no published figure reveals a count under THRESHOLD.

The rule (statistical disclosure control, as BPS and Eurostat publish vital statistics):
- a cell (kelurahan, month, kind) of 5 or more is published; 0 is published as 0; 1 to 4 is
  published as "< 5" (primary suppression);
- the city total of a (kind, month) is the only total published, and only when subtracting the
  published cells from it leaves every suppressed cell free to be any of 1..4. With k suppressed
  cells summing to R, each one can be anything in [max(1, R - 4(k-1)), min(4, R - (k-1))], which
  is the whole of 1..4 exactly when k + 3 <= R <= 4k - 3 (so never when one cell alone is
  suppressed). Otherwise the total is withheld ("disembunyikan"), not rounded: a rounded total
  still narrows a small cell.
Each cell belongs to exactly one published total, so no combination of totals narrows it further.
Only issued registrations are counted (an application is not yet an event on the register).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from sqlalchemy import Engine

from services.civil import queries
from services.errors import ServiceError

THRESHOLD = 5
SUPPRESSED = "< 5"
WITHHELD = "disembunyikan"
KINDS = ("akta_kelahiran", "akta_kematian", "pindah_keluar", "kedatangan")
MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")


class BadQuery(ServiceError):
    """A kind or month the public figures do not have (400); the message says which, in Bahasa Indonesia."""

    code = "InvalidParameterValue"


@dataclass(frozen=True)
class Cell:
    kode_kel: str
    nama_kel: str
    nama_kec: str
    count: int | None  # None: suppressed (1..4)

    @property
    def shown(self) -> str:
        return SUPPRESSED if self.count is None else str(self.count)


@dataclass(frozen=True)
class MonthFigures:
    kind: str
    month: str
    cells: list[Cell]
    total: int | None  # None: withheld, it would narrow a suppressed cell

    @property
    def total_shown(self) -> str:
        return WITHHELD if self.total is None else str(self.total)


def cell_value(n: int) -> int | None:
    """A count as published: itself when 0 or at least THRESHOLD, None (suppressed) when 1..THRESHOLD-1."""
    return n if n == 0 or n >= THRESHOLD else None


def total_is_safe(suppressed: list[int]) -> bool:
    """Whether a total over cells of which these (true values 1..THRESHOLD-1) are suppressed leaves
    each of them anywhere in 1..THRESHOLD-1 for someone who subtracts the published cells."""
    k, rest = len(suppressed), sum(suppressed)
    top = THRESHOLD - 1
    return k == 0 or (rest - top * (k - 1) <= 1 and rest - (k - 1) >= top)


def protect(counts: dict[str, int]) -> tuple[dict[str, int | None], int | None]:
    """Published cells and total for one group (kode_kel -> true count)."""
    cells = {code: cell_value(n) for code, n in counts.items()}
    suppressed = [n for code, n in counts.items() if cells[code] is None]
    return cells, (sum(counts.values()) if total_is_safe(suppressed) else None)


def check_query(kind: str, month: str) -> None:
    if kind not in KINDS:
        raise BadQuery(f"jenis {kind!r} tidak dikenal; pilih salah satu dari {', '.join(KINDS)}")
    if not MONTH.match(month):
        raise BadQuery(f"bulan {month!r} tidak sah; tulis TTTT-BB, mis. 2026-10")


def month_figures(engine: Engine, kind: str, month: str) -> MonthFigures:
    """The published figures of one kind and month for every kelurahan of Medan (BadQuery when the
    kind or month is not one)."""
    check_query(kind, month)
    with engine.connect() as conn:
        kelurahan = conn.execute(queries.kelurahan_list()).mappings().all()
        found = {row.kode_kel: row.n for row in conn.execute(queries.counts_of_month(), {"kind": kind, "month": month})}
    counts = {row["kode_kel"]: int(found.get(row["kode_kel"], 0)) for row in kelurahan}
    cells, total = protect(counts)
    return MonthFigures(kind, month, [Cell(row["kode_kel"], row["nama_kel"], row["nama_kec"], cells[row["kode_kel"]])
                                      for row in kelurahan], total)


def months(engine: Engine) -> list[str]:
    """The months that have issued registrations (the page's choice), oldest first."""
    with engine.connect() as conn:
        return [m for m in conn.execute(queries.months_with_records()).scalars() if m and MONTH.match(m)]


def as_json(figures: MonthFigures) -> dict:
    return {"jenis": figures.kind, "bulan": figures.month, "ambang": THRESHOLD,
            "total": figures.total, "total_tampil": figures.total_shown,
            "kelurahan": [{"kode_kel": c.kode_kel, "nama_kel": c.nama_kel, "nama_kec": c.nama_kec,
                           "jumlah": c.count, "tampil": c.shown} for c in figures.cells]}


def as_geojson(engine: Engine, figures: MonthFigures) -> dict:
    """The figures on the kelurahan outlines, for the choropleth."""

    by_code = {c.kode_kel: c for c in figures.cells}
    with engine.connect() as conn:
        outlines = conn.execute(queries.kelurahan_outlines()).mappings().all()
    features = [{"type": "Feature", "geometry": json.loads(row["geometry"]),
                 "properties": {"kode_kel": row["kode_kel"], "nama_kel": by_code[row["kode_kel"]].nama_kel,
                                "nama_kec": by_code[row["kode_kel"]].nama_kec,
                                "jumlah": by_code[row["kode_kel"]].count, "tampil": by_code[row["kode_kel"]].shown}}
                for row in outlines if row["kode_kel"] in by_code]
    return {"type": "FeatureCollection", "jenis": figures.kind, "bulan": figures.month, "ambang": THRESHOLD,
            "total": figures.total, "total_tampil": figures.total_shown, "features": features}
