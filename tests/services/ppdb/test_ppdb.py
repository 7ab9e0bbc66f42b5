"""PPDB zonasi: ranking, allocation against hand-checked cases, and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from services.errors import ServiceError
from services.ppdb import ZoningRule, allocate, allocate_applicants, schools_for_home
from services.ppdb.zoning import TO_UTM

ORIGIN = (98.6722, 3.5952)  # central Medan
METRE_IN_DEG = 1 / 111_320


def east(metres: float, north: float = 0.0) -> tuple[float, float]:
    return ORIGIN[0] + metres * METRE_IN_DEG, ORIGIN[1] + north * METRE_IN_DEG


def schools(*specs: tuple[str, float, int]) -> pd.DataFrame:
    """Schools east of ORIGIN: (npsn, metres east, seats)."""
    rows = []
    for npsn, metres, seats in specs:
        x, y = TO_UTM.transform(*east(metres))
        rows.append({"npsn": npsn, "x": x, "y": y, "seats": seats})
    return pd.DataFrame(rows)


def applicant(id_: str, metres: float, north: float = 0.0, born: str = "2013-06-01",
              registered: str = "2025-06-01T08:00") -> dict:
    lon, lat = east(metres, north)
    return {"id": id_, "lon": lon, "lat": lat, "birth_date": born, "registered_at": registered}


RULE = ZoningRule(choices_per_applicant=2, zonasi_share=1.0)


def test_nearer_applicants_win_and_the_rest_fall_to_their_next_choice() -> None:
    result = allocate(pd.DataFrame([applicant("a1", 100), applicant("a2", 300), applicant("a3", 1850)]),
                      schools(("A", 0, 1), ("B", 2000, 1)), "SMP", RULE)
    assert result.admitted == {"A": ["a1"], "B": ["a3"]}
    a2 = result.placements.set_index("id").loc["a2"]
    assert pd.isna(a2["npsn"]) and a2["reason"] == "all chosen schools full"


def test_a_tie_in_distance_goes_to_the_older_child_then_the_earlier_registration() -> None:
    same_place = [applicant("young", 100, born="2014-01-01"), applicant("old", 100, born="2013-01-01")]
    result = allocate(pd.DataFrame(same_place), schools(("A", 0, 1)), "SMP", RULE)
    assert result.admitted["A"] == ["old"]
    same_age = [applicant("late", 100, registered="2025-06-02T08:00"), applicant("early", 100)]
    result = allocate(pd.DataFrame(same_age), schools(("A", 0, 1)), "SMP", RULE)
    assert result.admitted["A"] == ["early"]


def test_registrations_of_any_precision_and_time_zone_are_compared_as_instants() -> None:
    # The web form stamps microseconds with an offset; a school's sheet writes WIB wall-clock minutes.
    times = {"web": "2025-06-01T08:00:00.250+07:00",      # 01:00:00.25 UTC
             "utc": "2025-06-01T00:30:00Z",               # 00:30 UTC, the earliest
             "sheet": "2025-06-01T07:45",                 # 07:45 WIB = 00:45 UTC
             "late": "2025-06-01 08:00:01+07"}            # one second after "web", whole seconds
    same_place = [applicant(id_, 100, registered=when) for id_, when in times.items()]
    result = allocate(pd.DataFrame(same_place), schools(("A", 0, 4)), "SMP", RULE)
    assert result.admitted["A"] == ["utc", "sheet", "web", "late"]


def test_a_full_school_and_a_home_outside_every_zone() -> None:
    rule = ZoningRule(choices_per_applicant=1, zonasi_share=1.0)
    result = allocate(pd.DataFrame([applicant("near", 10), applicant("far", 0, north=9000)]),
                      schools(("A", 0, 0)), "SMP", rule)
    reasons = result.placements.set_index("id")["reason"]
    assert reasons["near"] == "all chosen schools full"
    assert reasons["far"] == "no school of this level within the zone"
    assert result.unplaced == ["near", "far"]


def test_the_result_does_not_depend_on_input_order_and_has_no_blocking_pair() -> None:
    rng = np.random.default_rng(7)
    people = pd.DataFrame([applicant(f"p{i}", rng.uniform(-2500, 2500), rng.uniform(-2500, 2500),
                                     born=f"2013-{rng.integers(1, 13):02d}-01") for i in range(400)])
    offer = schools(("A", -2000, 40), ("B", -500, 60), ("C", 800, 50), ("D", 2200, 30))
    rule = ZoningRule(choices_per_applicant=3, zonasi_share=1.0)
    first = allocate(people, offer, "SMP", rule)
    shuffled = allocate(people.sample(frac=1, random_state=3), offer, "SMP", rule)
    assert first.admitted == shuffled.admitted
    assert sum(len(v) for v in first.admitted.values()) == 180  # every seat filled: demand exceeds supply
    placed = first.placements.set_index("id")
    position = {npsn: {a: r for r, a in enumerate(ids)} for npsn, ids in first.admitted.items()}
    for npsn, ids in first.admitted.items():
        worst_distance = placed.loc[ids[-1], "distance_m"]
        for other in placed.index[placed["npsn"].isna()]:
            # An unplaced applicant nearer than the school's last admitted one never listed it.
            lon, lat = people.set_index("id").loc[other, ["lon", "lat"]]
            ox, oy = TO_UTM.transform(lon, lat)
            row = offer.set_index("npsn").loc[npsn]
            if np.hypot(ox - row["x"], oy - row["y"]) < worst_distance - 1:
                nearest = np.argsort(np.hypot(offer["x"] - ox, offer["y"] - oy))[:3]
                assert npsn not in set(offer["npsn"].iloc[nearest]), (other, npsn)
        assert list(position[npsn]) == ids


@pytest.mark.parametrize(
    ("people", "message"),
    [
        ([{"id": "x", "lon": None, "lat": None}], "with no location"),
        ([applicant("x", 0) | {"lon": 106.8, "lat": -6.2}], "outside Medan"),
        ([applicant("x", 0), applicant("x", 10)], "appear twice"),
        ([{"id": "x"}], "need columns"),
    ],
)
def test_bad_applicant_lists_are_refused(people: list[dict], message: str) -> None:
    with pytest.raises(ServiceError, match=message):
        allocate(pd.DataFrame(people), schools(("A", 0, 1)), "SMP", RULE)


def test_schools_for_home_ranks_public_schools_of_the_level_by_distance(engine) -> None:  # noqa: ANN001
    choices = schools_for_home(engine, *ORIGIN, "SMP", limit=5)
    assert len(choices) == 5
    distances = [c.distance_m for c in choices]
    assert distances == sorted(distances) and distances[0] < 3000
    assert all(c.status == "Negeri" for c in choices)
    radius = ZoningRule().zone_radius_m["SMP"]
    assert all(c.in_zone == (c.distance_m <= radius) for c in choices)
    with pytest.raises(ServiceError, match="unknown school level"):
        schools_for_home(engine, *ORIGIN, "TK")
    with pytest.raises(ServiceError, match="outside Medan"):
        schools_for_home(engine, 106.8, -6.2, "SD")


def test_allocation_against_the_schools_layer(engine) -> None:  # noqa: ANN001
    rng = np.random.default_rng(1)
    people = pd.DataFrame([applicant(f"c{i}", rng.uniform(-3000, 3000), rng.uniform(-3000, 3000)) for i in range(300)])
    result = allocate_applicants(engine, people, "SMA")
    admitted = [a for ids in result.admitted.values() for a in ids]
    assert len(admitted) == len(set(admitted)) > 0
    for npsn, ids in result.admitted.items():
        assert len(ids) <= result.seats[npsn]
