"""Retention classes (JRA) as data: services/archives/retention.yaml, validated once."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field

from layers.model import Strict, Text


class RetentionClass(Strict):
    kode: str = Field(pattern=r"^[A-Z]{2,10}$")
    judul: Text
    aktif: int = Field(ge=0, le=100)  # years active, from the record's date
    inaktif: int = Field(ge=0, le=100)  # then years inactive
    nasib: Literal["musnah", "permanen", "dinilai_kembali"]

    def active_until(self, dated: date) -> date:
        return _add_years(dated, self.aktif)

    def retained_until(self, dated: date) -> date:
        return _add_years(dated, self.aktif + self.inaktif)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@lru_cache(maxsize=1)
def retention_classes() -> dict[str, RetentionClass]:
    entries = yaml.safe_load((Path(__file__).parent / "retention.yaml").read_text(encoding="utf-8"))
    classes = [RetentionClass.model_validate(entry) for entry in entries]
    found = {c.kode: c for c in classes}
    if len(found) != len(classes):
        raise ValueError("retention.yaml: two classes share a kode")
    return found
