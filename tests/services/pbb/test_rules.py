"""The PBB-P2 and advertising tax arithmetic from the declared tariff (no database needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from services.pbb.rules import (
    TariffError,
    assess,
    assess_frame,
    billboard_tax,
    load_tariffs,
    pbb_tariff,
)


def test_a_house_is_assessed_step_by_step_as_on_an_sppt() -> None:
    """200 m² at Rp 2,000,000 + 120 m² class B: NJOP 736 million, less NJOPTKP, at the first band."""
    tariff = pbb_tariff()
    result = assess(luas_tanah_m2=200, nilai_per_m2=2_000_000, luas_bangunan_m2=120, kelas_bangunan="B")
    assert result.njop_tanah == 400_000_000
    assert result.njop_bangunan == 120 * tariff.building_classes["B"]
    assert result.njop == result.njop_tanah + result.njop_bangunan
    assert result.dasar_pengenaan == result.njop - tariff.njoptkp
    assert result.tarif == tariff.bands[0].rate
    assert result.pbb_terutang == int(result.dasar_pengenaan * tariff.bands[0].rate)


def test_the_band_of_the_njop_sets_the_rate_of_the_whole_base() -> None:
    tariff = pbb_tariff()
    edge = tariff.bands[0].up_to
    at_edge = assess(luas_tanah_m2=edge / 1_000_000, nilai_per_m2=1_000_000, luas_bangunan_m2=0, kelas_bangunan=None)
    above = assess(luas_tanah_m2=edge / 1_000_000 + 1, nilai_per_m2=1_000_000, luas_bangunan_m2=0, kelas_bangunan=None)
    assert at_edge.njop == edge and at_edge.tarif == tariff.bands[0].rate
    assert above.tarif == tariff.bands[1].rate
    assert above.pbb_terutang == int((above.njop - tariff.njoptkp) * tariff.bands[1].rate)


def test_below_the_allowance_nothing_is_owed_and_a_small_bill_is_raised_to_the_minimum() -> None:
    tariff = pbb_tariff()
    free = assess(luas_tanah_m2=10, nilai_per_m2=1_000_000, luas_bangunan_m2=0, kelas_bangunan=None)
    assert free.njop < tariff.njoptkp and free.dasar_pengenaan == 0 and free.pbb_terutang == 0
    small = assess(luas_tanah_m2=20, nilai_per_m2=1_000_000, luas_bangunan_m2=0, kelas_bangunan=None)
    assert 0 < small.dasar_pengenaan * tariff.bands[0].rate < tariff.minimum_tax
    assert small.pbb_terutang == tariff.minimum_tax


def test_a_frame_of_parcels_gives_what_each_parcel_gives_alone() -> None:
    rng = np.random.default_rng(7)
    n = 500
    frame = pd.DataFrame({
        "luas_tanah_m2": rng.uniform(20, 3000, n).round(1),
        "nilai_per_m2": rng.integers(300_000, 20_000_000, n),
        "luas_bangunan_m2": np.where(rng.random(n) < 0.2, 0.0, rng.uniform(20, 2000, n).round(1)),
        "kelas_bangunan": rng.choice(["A", "B", "C", "D"], n),
    })
    frame.loc[frame["luas_bangunan_m2"] == 0, "kelas_bangunan"] = None
    together = assess_frame(frame)
    for i in range(0, n, 37):
        alone = assess(**frame.iloc[i].to_dict())
        assert together.iloc[i]["pbb_terutang"] == alone.pbb_terutang
        assert together.iloc[i]["njop"] == alone.njop


def test_a_building_class_the_tariff_lacks_is_refused() -> None:
    with pytest.raises(TariffError, match="'Z'"):
        assess(luas_tanah_m2=100, nilai_per_m2=1_000_000, luas_bangunan_m2=50, kelas_bangunan="Z")


@pytest.mark.parametrize(("edit", "message"), [
    (("rate: 0.002}", "rate: 0.009}"), "0.5 %"),
    (("njoptkp: 15000000", "njoptkp: 5000000"), "njoptkp"),
    (("{up_to: 5000000000, rate: 0.0015}", "{up_to: 500000000, rate: 0.0015}"), "increase"),
])
def test_a_tariff_outside_the_law_is_refused(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    source = Path(load_tariffs.__wrapped__.__defaults__[0]).read_text(encoding="utf-8")
    assert edit[0] in source
    broken = tmp_path / "tariff.yaml"
    broken.write_text(source.replace(*edit), encoding="utf-8")
    with pytest.raises(TariffError, match=message):
        load_tariffs.__wrapped__(broken)


def test_billboard_tax_is_area_faces_rate_and_location() -> None:
    base = billboard_tax(jenis="billboard", lebar_m=8, tinggi_m=4, sisi=1, kelas_jalan="lingkungan")
    assert billboard_tax(jenis="billboard", lebar_m=8, tinggi_m=4, sisi=2, kelas_jalan="lingkungan") == 2 * base
    assert billboard_tax(jenis="billboard", lebar_m=8, tinggi_m=4, sisi=1, kelas_jalan="utama") == 2 * base
    with pytest.raises(TariffError):
        billboard_tax(jenis="balon_udara", lebar_m=1, tinggi_m=1, sisi=1, kelas_jalan="utama")
