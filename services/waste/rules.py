"""The waste fee's own rule: a class's monthly fee and a month's due date, from `tariff.yaml`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml

TARIFF_FILE = Path(__file__).resolve().parent / "tariff.yaml"
PERIOD = re.compile(r"^(20\d\d)-(0[1-9]|1[0-2])$")


class TariffError(ValueError):
    """The declared tariff is malformed, or a customer's class is not in it."""


@dataclass(frozen=True)
class WasteTariff:
    year: int
    due_day: int
    payment_window_hours: int
    monthly_fee: dict[str, int]

    def fee(self, kelas: str) -> int:
        try:
            return self.monthly_fee[kelas]
        except KeyError:
            raise TariffError(f"kelas retribusi tidak ada di tarif: {kelas!r}") from None

    def due_date(self, period: str) -> date:
        year, month = parse_period(period)
        return date(year, month, self.due_day)


def parse_period(period: str) -> tuple[int, int]:
    """'2026-12' -> (2026, 12); ValueError with a message for anything else."""
    match = PERIOD.match(period or "")
    if not match:
        raise ValueError(f"periode {period!r}: tulis tahun-bulan, misalnya 2026-12")
    return int(match.group(1)), int(match.group(2))


@lru_cache(maxsize=2)
def load_tariff(path: Path = TARIFF_FILE) -> WasteTariff:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    fees = {str(k): int(v) for k, v in raw["monthly_fee"].items()}
    if not fees or any(v <= 0 for v in fees.values()):
        raise TariffError("monthly_fee: every class needs a positive fee")
    if not 1 <= int(raw["due_day"]) <= 28:
        raise TariffError("due_day: 1 to 28, a day every month has")
    return WasteTariff(year=int(raw["year"]), due_day=int(raw["due_day"]),
                       payment_window_hours=int(raw["payment_window_hours"]), monthly_fee=fees)
