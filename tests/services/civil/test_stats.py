"""The public figures of civil registration: no published figure reveals a count under 5,
neither directly nor by subtracting the published cells from a published total."""

from __future__ import annotations

import itertools
import random

import pytest
from sqlalchemy import Engine, text

from services.civil import stats
from services.civil.seed import SEED_MONTHS

SMALL = range(1, stats.THRESHOLD)


def _true_counts(engine: Engine, kind: str, month: str) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(text("""
            SELECT k.kode_kel, count(c.fid)::int FROM layers.kelurahan k
            LEFT JOIN layers.civil_cases c ON c.kode_kel = k.kode_kel AND c.status = 'issued' AND c.service = :kind
                 AND left(coalesce(c.tanggal_peristiwa, c.tanggal_lahir), 7) = :month
            GROUP BY k.kode_kel"""), {"kind": kind, "month": month}).all()
    return dict(rows)


def _possible_values(published: dict[str, int | None], total: int | None) -> dict[str, set[int]]:
    """What someone holding the published figures can tell of each suppressed cell (by enumeration)."""
    hidden = [code for code, value in published.items() if value is None]
    if total is None:
        return {code: set(SMALL) for code in hidden}
    rest = total - sum(v for v in published.values() if v is not None)
    possible: dict[str, set[int]] = {code: set() for code in hidden}
    for values in itertools.product(SMALL, repeat=len(hidden)):
        if sum(values) == rest:
            for code, value in zip(hidden, values, strict=True):
                possible[code].add(value)
    return possible


@pytest.mark.parametrize("counts", [
    {"a": 3, "b": 12, "c": 0},          # one small cell alone: the total would give it away
    {"a": 1, "b": 1, "c": 9},           # two 1s: their sum 2 can only be 1 + 1
    {"a": 4, "b": 4, "c": 4, "d": 20},  # all at the top: 12 can only be 4 + 4 + 4
    {"a": 2, "b": 3, "c": 7},           # 5 = 1 + 4 = 2 + 3 = ...: each could be anything
    {"a": 2, "b": 2, "c": 3, "d": 0},
    {"a": 6, "b": 0},
])
def test_no_total_narrows_a_suppressed_cell(counts: dict[str, int]) -> None:
    published, total = stats.protect(counts)
    for code, value in published.items():
        assert value == counts[code] if counts[code] == 0 or counts[code] >= 5 else value is None
    for code, possible in _possible_values(published, total).items():
        assert possible == set(SMALL), f"{code} ({counts[code]}) narrowed to {sorted(possible)} by total {total}"


def test_a_total_is_published_when_it_narrows_nothing() -> None:
    assert stats.protect({"a": 2, "b": 3, "c": 7})[1] == 12
    assert stats.protect({"a": 6, "b": 0})[1] == 6
    assert stats.protect({"a": 3, "b": 12})[1] is None


def test_random_groups_never_narrow_a_suppressed_cell() -> None:
    draw = random.Random(18)
    for _ in range(400):
        counts = {f"k{i}": draw.choice([0, 0, 1, 1, 2, 3, 4, 5, 7, 11]) for i in range(draw.randint(1, 7))}
        published, total = stats.protect(counts)
        assert all(p == set(SMALL) for p in _possible_values(published, total).values()), counts


@pytest.mark.parametrize("kind", stats.KINDS)
def test_the_seeded_figures_publish_only_safe_numbers(engine: Engine, kind: str) -> None:
    seen_suppressed = seen_published = 0
    for month in SEED_MONTHS:
        figures = stats.month_figures(engine, kind, month)
        truth = _true_counts(engine, kind, month)
        published = {c.kode_kel: c.count for c in figures.cells}
        assert set(published) == set(truth)  # every kelurahan, those without any registration as 0
        for code, value in published.items():
            if value is None:
                assert 1 <= truth[code] <= 4
                seen_suppressed += 1
            else:
                assert value == truth[code] and (value == 0 or value >= 5)
                seen_published += value > 0
        if figures.total is not None:
            assert figures.total == sum(truth.values())
            hidden = [truth[code] for code, value in published.items() if value is None]
            rest, k = figures.total - sum(v for v in published.values() if v is not None), len(hidden)
            # Each suppressed cell can still be anything from 1 to 4 (the bounds of enumeration, in closed form).
            assert k == 0 or (rest - 4 * (k - 1) <= 1 and rest - (k - 1) >= 4)
    assert seen_suppressed and seen_published  # the seed exercises both sides of the threshold


def test_the_seed_is_synthetic_inside_medan_and_deterministic(engine: Engine) -> None:
    import geopandas as gpd

    from geodata.synthetic.common import DEFAULT_SEED
    from services.civil.seed import generate_civil_cases

    with engine.connect() as conn:
        outside = conn.execute(text("""
            SELECT count(*) FROM layers.civil_cases c WHERE NOT EXISTS (
              SELECT 1 FROM layers.kelurahan k WHERE k.kode_kel = c.kode_kel AND ST_Intersects(k.geom, c.geom))""")).scalar_one()
        sources = conn.execute(text("SELECT DISTINCT source FROM layers.civil_cases WHERE case_ref LIKE '%-SEED%'")).scalars().all()
        kel = gpd.read_postgis("SELECT kode_kel, nama_kel, kode_kec, nama_kec, geom FROM layers.kelurahan", conn,
                               geom_col="geom").rename_geometry("geometry")
    assert outside == 0 and sources == ["synthetic"]
    first, second = generate_civil_cases(kel, seed=DEFAULT_SEED), generate_civil_cases(kel, seed=DEFAULT_SEED)
    assert first.equals(second) and first["nama_subjek"].str.endswith("(sintetis)").all()


def test_an_unknown_kind_or_a_bad_month_is_a_clear_400(engine: Engine) -> None:
    with pytest.raises(stats.BadQuery, match="jenis 'akta_nikah' tidak dikenal") as refused:
        stats.month_figures(engine, "akta_nikah", "2026-10")
    assert refused.value.status == 400
    with pytest.raises(stats.BadQuery, match="bulan '2026-13' tidak sah"):
        stats.month_figures(engine, "akta_kelahiran", "2026-13")
