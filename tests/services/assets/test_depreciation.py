"""Depreciation by class: straight line over the useful life of the category, land and works in
progress never depreciated, whole rupiah that add up to the value."""

from __future__ import annotations

import pytest

from services.assets.rules import CATEGORIES, KIB_CLASSES, depreciation


def test_a_car_loses_a_seventh_of_its_value_a_year_until_nothing_is_left() -> None:
    value = 350_000_000
    first = depreciation("kendaraan", value, 2020, 2020)
    assert (first.life_years, first.annual, first.accumulated) == (7, 50_000_000, 50_000_000)
    assert depreciation("kendaraan", value, 2020, 2023).book_value == 150_000_000
    assert depreciation("kendaraan", value, 2020, 2026).book_value == 0
    assert depreciation("kendaraan", value, 2020, 2040).book_value == 0  # never below zero
    assert depreciation("kendaraan", value, 2020, 2019).accumulated == 0  # not yet bought


def test_land_construction_in_progress_and_collections_are_not_depreciated() -> None:
    for category in ("tanah", "konstruksi", "buku_koleksi", "barang_seni"):
        assert depreciation(category, 5_000_000_000, 1990, 2025).book_value == 5_000_000_000
    assert all(c.life_years is None for c in CATEGORIES.values() if c.kib in "AF")


@pytest.mark.parametrize("category", sorted(c for c, spec in CATEGORIES.items() if spec.life_years))
def test_every_year_is_whole_rupiah_and_the_years_add_up_to_the_value(category: str) -> None:
    value = 1_234_567_891  # not divisible by any useful life
    life = CATEGORIES[category].life_years
    charges = [depreciation(category, value, 2000, 2000 + n).accumulated
               - depreciation(category, value, 2000, 1999 + n).accumulated for n in range(life)]
    assert sum(charges) == value and max(charges) - min(charges) <= 1


def test_buildings_last_longer_than_equipment_and_every_class_has_a_category() -> None:
    assert CATEGORIES["gedung_kantor"].life_years > CATEGORIES["jalan"].life_years > CATEGORIES["komputer"].life_years
    assert {c.kib for c in CATEGORIES.values()} == set(KIB_CLASSES)


def test_the_agency_codes_are_issue_19s_vocabulary() -> None:
    from services.assets.rules import AGENCIES, OWNER_AGENCY

    assert OWNER_AGENCY in AGENCIES and {"DISDIK", "DSDABMBK", "DPKPPR", "DPMPTSP", "DISDUKCAPIL"} <= AGENCIES
