"""The library's branches and mobile stops on the map, and its catalogue search (typo tolerant)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Engine, text

from layers.access import ANONYMOUS
from services.errors import ServiceError
from services.library import catalogue, network, titles
from services.library.seed import seed_catalogue
from services.tourism.hours import WIB

MONDAY_10 = datetime(2026, 12, 7, 10, 0, tzinfo=WIB)  # a Monday


def test_branches_and_stops_are_seeded_synthetic_inside_the_kelurahan_they_name(engine: Engine) -> None:
    with engine.connect() as conn:
        misplaced = conn.execute(text(
            "SELECT x.kode FROM (SELECT kode_cabang AS kode, kode_kel, source, geom FROM layers.library_branches "
            "UNION ALL SELECT kode_halte, kode_kel, source, geom FROM layers.library_mobile_stops) x "
            "JOIN layers.kelurahan k ON k.kode_kel = x.kode_kel "
            "WHERE x.source <> 'synthetic' OR NOT ST_Within(x.geom, k.geom)")).scalars().all()
    assert misplaced == []
    found = network.branches(engine, ANONYMOUS, now=MONDAY_10)
    assert [b["kode_cabang"] for b in found][0] == "PK-PUSAT" and len(found) == 9
    assert {b["kode_cabang"] for b in found} == set(titles.BRANCHES)  # every copy's home is a branch on the map
    assert all("sintetis" in b["catatan_lokasi"] for b in found)
    assert found[0]["buka_sekarang"] and found[0]["jam_mingguan"][0] == "Senin 08.00–16.00"


def test_the_mobile_library_is_at_a_stop_only_during_its_visit(engine: Engine) -> None:
    stops = {s["kode_halte"]: s for s in network.mobile_stops(engine, ANONYMOUS, now=MONDAY_10)}
    assert len(stops) == 12 and stops["PL-KESAWAN"]["buka_sekarang"] and not stops["PL-AUR"]["buka_sekarang"]
    late = {s["kode_halte"]: s for s in network.mobile_stops(engine, ANONYMOUS, now=MONDAY_10.replace(hour=11, minute=30))}
    assert not late["PL-KESAWAN"]["buka_sekarang"]  # 11:30 is the end of the visit, exclusive
    assert {s["armada"] for s in stops.values()} == {"Pusling 1", "Pusling 2"}


def test_the_catalogue_is_deterministic_and_seeded_once(library_engine: Engine) -> None:
    assert titles.generate() == titles.generate()
    assert seed_catalogue(library_engine) == 0
    with library_engine.connect() as conn:
        counts = conn.execute(text("SELECT count(*), count(*) FILTER (WHERE source = 'synthetic') "
                                   "FROM library.titles")).one()
    assert counts == (titles.TITLE_COUNT, titles.TITLE_COUNT)


@pytest.mark.parametrize(("query", "expected"), [
    ("Sejarah Kesultanan Deli", "JD-00001"),
    ("sejarah kesultanan deil", "JD-00001"),   # a typo
    ("kesultanan", "JD-00001"),                # one word of the title
    ("Rahmat Nasution", "JD-00001"),           # the author
    ("kuliner warisan medan", "JD-00002"),
    ("kulinr warisan", "JD-00002"),            # a typo
])
def test_search_finds_by_title_author_and_despite_typos(library_engine: Engine, query: str, expected: str) -> None:
    found = catalogue.search(library_engine, query)
    assert found and found[0]["kode_judul"] == expected


def test_search_by_subject_and_refusals(library_engine: Engine) -> None:
    subjects = catalogue.subjects(library_engine)
    assert "Sejarah" in subjects and sum(subjects.values()) == titles.TITLE_COUNT
    history = catalogue.search(library_engine, "", subject="Sejarah", limit=50)
    assert history and {t["subjek"] for t in history} == {"Sejarah"}
    assert all(t["subjek"] == "Kuliner" for t in catalogue.search(library_engine, "medan", subject="Kuliner"))
    for bad in ({"text": "x"}, {"text": "a" * 101}, {"text": "deli", "subject": "Astrologi"}):
        with pytest.raises(ServiceError) as refused:
            catalogue.search(library_engine, bad["text"], subject=bad.get("subject"))
        assert refused.value.status == 400
    assert catalogue.search(library_engine, "zzqxv wwkj") == []


def test_a_title_shows_its_copies_per_branch(library_engine: Engine) -> None:
    names = network.branch_names(library_engine, ANONYMOUS)
    found = catalogue.title(library_engine, "JD-00001", names)
    per_branch = {b["kode_cabang"]: (b["eksemplar"], b["tersedia"]) for b in found["cabang"]}
    assert per_branch["PK-PUSAT"] == (2, 2) and per_branch["PK-MEDAN-BARU"] == (1, 1) and per_branch["PK-BELAWAN"] == (0, 0)
    assert found["eksemplar"] == 3 and len(found["cabang"]) == 9
    with pytest.raises(ServiceError) as missing:
        catalogue.title(library_engine, "JD-99999", names)
    assert missing.value.status == 404
