"""/peta/search.json as the citizen pages and the trip planner call it (issue 20 item 2): `places=1`
keeps the place search's layers; every result says its kind, match and kelurahan."""

from __future__ import annotations

import pytest


def test_places_only_keeps_the_gazetteer_layers_and_labels_the_kelurahan(client) -> None:  # noqa: ANN001
    everything = client.get("/peta/search.json", query_string={"q": "kesawan"}).get_json()["results"]
    places = client.get("/peta/search.json", query_string={"q": "kesawan", "places": "1"}).get_json()["results"]
    assert any(r["kind"] is None for r in everything)  # kelurahan-based themes (risk, poverty...) too
    assert places and all(r["kind"] for r in places)
    best = places[0]
    assert (best["layer"], best["name"], best["kind"], best["match"]) == ("kelurahan", "Kesawan", "wilayah", "exact")
    assert best["area"] == "Kel. Kesawan, Kec. Medan Barat"
    assert set(best) == {"layer", "fid", "name", "property", "score", "match", "kind", "area", "point", "bbox"}


@pytest.mark.parametrize("value", ["yes", "2", ""])
def test_a_bad_places_value_is_refused(client, value: str) -> None:  # noqa: ANN001
    response = client.get("/peta/search.json", query_string={"q": "kesawan", "places": value})
    assert response.status_code == 400
    assert "places must be 0 or 1" in response.get_data(as_text=True)


def test_only_kind_words_find_nothing_rather_than_every_street(client) -> None:  # noqa: ANN001
    response = client.get("/peta/search.json", query_string={"q": "jl.", "places": "1"})
    assert response.status_code == 200 and response.get_json()["results"] == []
