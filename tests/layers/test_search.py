"""Search over the declared `search` properties (layers/search.py) on the seeded database."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from layers.registry import get_registry
from layers.search import (
    MAX_QUERY_CHARS,
    SearchTextError,
    clean_search_text,
    index_statements,
    search,
    search_targets,
)


def _names(results: list[dict]) -> list[tuple[str, str]]:
    return [(r["layer"], r["name"]) for r in results]


@pytest.mark.parametrize(("typed", "layer", "name"), [
    ("Kesawan", "kelurahan", "Kesawan"),
    ("kesawn", "kelurahan", "Kesawan"),            # a letter missing
    ("KESAWAN", "kelurahan", "Kesawan"),           # case
    ("Késáwàn", "kelurahan", "Kesawan"),           # diacritics the data does not have
    ("medan baru", "kecamatan", "Medan Baru"),
    ("seisikambing b", "kelurahan", "Sei Sikambing B"),  # joined words
    ("sikambing b", "kelurahan", "Sei Sikambing B"),     # part of the name
    ("petisah tengh", "kelurahan", "Petisah Tengah"),
])
def test_finds_names_despite_typos_case_and_accents(engine: Engine, typed: str, layer: str, name: str) -> None:
    results = search(engine, typed)
    assert (layer, name) in _names(results[:3]), _names(results)


def test_results_carry_a_point_and_bbox_inside_the_feature(engine: Engine) -> None:
    (best, *_) = search(engine, "Kesawan")
    assert best["layer"] == "kelurahan" and best["name"] == "Kesawan"
    xmin, ymin, xmax, ymax = best["bbox"]
    lon, lat = best["point"]
    assert xmin <= lon <= xmax and ymin <= lat <= ymax
    with engine.connect() as conn:
        inside = conn.execute(text(
            "SELECT ST_Contains(geom, ST_SetSRID(ST_MakePoint(:x, :y), 4326)) FROM layers.kelurahan WHERE fid = :fid"
        ), {"x": lon, "y": lat, "fid": best["fid"]}).scalar_one()
    assert inside


def test_layers_sharing_a_geometry_give_one_result(engine: Engine) -> None:
    """Kelurahan-based themes repeat the kelurahan name and polygon; the place is listed once."""
    names = [r["name"] for r in search(engine, "Kesawan") if r["name"] == "Kesawan"]
    assert names == ["Kesawan"]


def test_unrelated_text_finds_nothing(engine: Engine) -> None:
    assert search(engine, "zzqxjv") == []


@pytest.mark.parametrize("typed", ["", "   ", "a", None])
def test_empty_or_too_short_text_is_refused_with_a_reason(typed: str | None) -> None:
    with pytest.raises(SearchTextError, match="at least"):
        clean_search_text(typed)


def test_ten_thousand_characters_are_refused(engine: Engine) -> None:
    with pytest.raises(SearchTextError, match="longer than"):
        search(engine, "a" * 10_000)
    assert len(clean_search_text("x" * MAX_QUERY_CHARS)) == MAX_QUERY_CHARS


@pytest.mark.parametrize("typed", ["<script>alert(1)</script>", "'; DROP TABLE layers.kelurahan; --", "%_%", "\\\\"])
def test_hostile_text_is_only_ever_a_value(engine: Engine, typed: str) -> None:
    search(engine, typed)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM layers.kelurahan")).scalar_one() > 100


def test_private_and_non_public_properties_are_not_searched() -> None:
    for target in search_targets():
        assert target.layer.access.is_public
        assert target.property not in target.layer.access.private


def test_every_search_property_has_its_trigram_index_and_the_query_uses_it(engine: Engine) -> None:
    targets = search_targets()
    declared = {(s.id, p) for s in get_registry() if s.access.is_public for p in s.search}
    assert {(t.layer.id, t.property) for t in targets} == declared
    with engine.connect() as conn:
        found = {r[0] for r in conn.execute(text(
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'layers' AND indexdef LIKE '%_trgm_ops%'"))}
        assert {t.index_name for t in targets} <= found
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        for target in targets:
            plan = "\n".join(r[0] for r in conn.execute(text(
                f'EXPLAIN SELECT fid FROM layers."{target.layer.table}" '
                f'WHERE core.search_key("{target.property}") %> core.search_key(:q)'), {"q": "kesawan"}))
            assert target.index_name in plan, plan


def test_index_statements_are_idempotent(conn) -> None:  # noqa: ANN001
    for statement in index_statements():
        conn.execute(text(statement))
