"""The tax rules that are truly this service's own: the PBB-P2 bill of a parcel and the yearly
advertising tax of a billboard, from the tariff declared in `tariff.yaml`.

One row and a whole frame go through the same arithmetic (`assess_frame` is the vectorised form
of `assess`, checked equal in the tests), so 10,000 bills cost one pass over columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

TARIFF_FILE = Path(__file__).resolve().parent / "tariff.yaml"


class TariffError(ValueError):
    """The declared tariff is malformed, or a parcel names a class or zone the tariff lacks."""


@dataclass(frozen=True)
class Band:
    up_to: int | None  # inclusive upper NJOP of the band; None for the last
    rate: float


@dataclass(frozen=True)
class PbbTariff:
    year: int
    njoptkp: int
    minimum_tax: int
    due: str  # "MM-DD"
    building_classes: dict[str, int]
    bands: tuple[Band, ...]

    def due_date(self, year: int | None = None) -> date:
        month, day = (int(part) for part in self.due.split("-"))
        return date(year or self.year, month, day)

    def rate_for(self, njop: int) -> float:
        for band in self.bands:
            if band.up_to is None or njop <= band.up_to:
                return band.rate
        raise TariffError("the last band must have no upper bound")


@dataclass(frozen=True)
class Arrears:
    interest_per_month: float
    max_months: int
    payment_window_hours: int

    def months_late(self, due: date, today: date) -> int:
        """Whole months from the due date, a started month counting as one, capped at `max_months`."""
        if today <= due:
            return 0
        months = (today.year - due.year) * 12 + today.month - due.month + (1 if today.day > due.day else 0)
        return min(max(months, 1), self.max_months)

    def interest(self, principal: int, due: date, today: date) -> int:
        return int(principal * self.interest_per_month * self.months_late(due, today))


@dataclass(frozen=True)
class ReklameTariff:
    year: int
    per_m2_face_year: dict[str, int]
    location_factor: dict[str, float]


@dataclass(frozen=True)
class Assessment:
    """A parcel's PBB-P2 for one year, every step of the arithmetic kept for the SPPT."""

    njop_tanah: int
    njop_bangunan: int
    njop: int
    njoptkp: int
    dasar_pengenaan: int  # the tax base: NJOP less NJOPTKP, never below zero
    tarif: float
    pbb_terutang: int


def _bands(raw: list[dict]) -> tuple[Band, ...]:
    bands = tuple(Band(up_to=b["up_to"], rate=float(b["rate"])) for b in raw)
    uppers = [b.up_to for b in bands]
    if not bands or uppers[-1] is not None or any(u is None for u in uppers[:-1]):
        raise TariffError("bands: every band but the last needs up_to; the last has none")
    if uppers[:-1] != sorted(uppers[:-1]):
        raise TariffError("bands: up_to must increase")
    if any(not 0 < b.rate <= 0.005 for b in bands):
        raise TariffError("bands: a PBB-P2 rate lies in (0, 0.5 %] (UU 1/2022 Pasal 41)")
    return bands


@lru_cache(maxsize=4)
def load_tariffs(path: Path = TARIFF_FILE) -> tuple[PbbTariff, ReklameTariff, Arrears]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    pbb, rek, late = raw["pbb"], raw["reklame"], raw["arrears"]
    if int(pbb["njoptkp"]) < 10_000_000:
        raise TariffError("njoptkp: at least Rp 10,000,000 (UU 1/2022 Pasal 40)")
    tariff = PbbTariff(year=int(pbb["year"]), njoptkp=int(pbb["njoptkp"]),
                       minimum_tax=int(pbb["minimum_tax"]), due=str(pbb["due"]),
                       building_classes={str(k): int(v) for k, v in pbb["building_classes"].items()},
                       bands=_bands(pbb["bands"]))
    tariff.due_date()  # a malformed due date fails here, not at billing
    reklame = ReklameTariff(year=int(rek["year"]),
                            per_m2_face_year={str(k): int(v) for k, v in rek["per_m2_face_year"].items()},
                            location_factor={str(k): float(v) for k, v in rek["location_factor"].items()})
    arrears = Arrears(interest_per_month=float(late["interest_per_month"]), max_months=int(late["max_months"]),
                      payment_window_hours=int(late["payment_window_hours"]))
    if not 0 <= arrears.interest_per_month <= 0.02 or arrears.max_months < 0:
        raise TariffError("arrears: interest_per_month in [0, 2 %], max_months not negative")
    return tariff, reklame, arrears


def arrears_rule() -> Arrears:
    return load_tariffs()[2]


def pbb_tariff() -> PbbTariff:
    return load_tariffs()[0]


def reklame_tariff() -> ReklameTariff:
    return load_tariffs()[1]


def assess(*, luas_tanah_m2: float, nilai_per_m2: int, luas_bangunan_m2: float,
           kelas_bangunan: str | None, tariff: PbbTariff | None = None) -> Assessment:
    """One parcel's PBB-P2: NJOP land + NJOP building, less NJOPTKP, times the band's rate."""
    frame = pd.DataFrame({"luas_tanah_m2": [luas_tanah_m2], "nilai_per_m2": [nilai_per_m2],
                          "luas_bangunan_m2": [luas_bangunan_m2], "kelas_bangunan": [kelas_bangunan]})
    row = assess_frame(frame, tariff).iloc[0]
    return Assessment(**{name: (float(row[name]) if name == "tarif" else int(row[name]))
                         for name in Assessment.__dataclass_fields__})


def assess_frame(parcels: pd.DataFrame, tariff: PbbTariff | None = None) -> pd.DataFrame:
    """Every parcel's assessment as columns (the names of `Assessment`), index kept.

    Needs `luas_tanah_m2`, `nilai_per_m2` (the parcel's zone value), `luas_bangunan_m2` and
    `kelas_bangunan` (empty where there is no building). Rupiah are rounded down, as on an SPPT.
    """
    tariff = tariff or pbb_tariff()
    classes = parcels["kelas_bangunan"].astype(object).where(parcels["kelas_bangunan"].notna(), "")
    built = parcels["luas_bangunan_m2"].fillna(0).astype(float) > 0
    unknown = sorted(set(classes[built]) - set(tariff.building_classes))
    if unknown:
        raise TariffError(f"kelas bangunan tidak ada di tarif: {', '.join(map(repr, unknown))}")
    class_value = classes.map(tariff.building_classes).fillna(0).astype("int64")
    njop_tanah = np.floor(parcels["luas_tanah_m2"].astype(float) * parcels["nilai_per_m2"].astype(float))
    njop_bangunan = np.floor(parcels["luas_bangunan_m2"].fillna(0).astype(float) * class_value)
    njop = (njop_tanah + njop_bangunan).astype("int64")
    base = np.maximum(njop - tariff.njoptkp, 0)
    uppers = np.array([b.up_to for b in tariff.bands[:-1]], dtype="int64")
    rates = np.array([b.rate for b in tariff.bands])
    rate = rates[np.searchsorted(uppers, njop.to_numpy(), side="left")]
    tax = np.floor(base.to_numpy() * rate).astype("int64")
    tax = np.where(tax > 0, np.maximum(tax, tariff.minimum_tax), 0)
    return pd.DataFrame({"njop_tanah": njop_tanah.astype("int64"), "njop_bangunan": njop_bangunan.astype("int64"),
                         "njop": njop, "njoptkp": tariff.njoptkp, "dasar_pengenaan": base.astype("int64"),
                         "tarif": rate, "pbb_terutang": tax}, index=parcels.index)


def billboard_tax(*, jenis: str, lebar_m: float, tinggi_m: float, sisi: int, kelas_jalan: str,
                  tariff: ReklameTariff | None = None) -> int:
    """Yearly advertising tax: m² × faces × the kind's rate × the street class's factor."""
    tariff = tariff or reklame_tariff()
    if jenis not in tariff.per_m2_face_year:
        raise TariffError(f"jenis reklame tidak ada di tarif: {jenis!r}")
    if kelas_jalan not in tariff.location_factor:
        raise TariffError(f"kelas jalan tidak ada di tarif: {kelas_jalan!r}")
    return int(lebar_m * tinggi_m * sisi * tariff.per_m2_face_year[jenis] * tariff.location_factor[kelas_jalan])
