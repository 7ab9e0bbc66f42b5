""""What is here?" (layers/here.py): one spatial query over layers declaring `here`."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from layers.here import here_layers, what_is_here
from layers.registry import get_registry

# A point in Kesawan (Medan Barat), near Lapangan Merdeka.
KESAWAN = (98.6785, 3.5900)


def _by_layer(result: dict) -> dict[str, dict]:
    return {r["layer"]: r for r in result["results"]}


def test_containing_features_name_the_kelurahan_and_kecamatan(engine: Engine) -> None:
    result = what_is_here(engine, *KESAWAN)
    found = _by_layer(result)
    assert result["inside"] is True
    assert found["kelurahan"]["name"] == "Kesawan"
    assert found["kelurahan"]["relation"] == "contains" and found["kelurahan"]["distance_m"] == 0
    assert found["kecamatan"]["name"] == "Medan Barat"
    assert found["kelurahan"]["properties"]["nama_kec"] == "Medan Barat"


def test_every_here_layer_answers_in_declaration_order(engine: Engine) -> None:
    declared = [s.id for s in get_registry() if s.here and s.access.is_public and not _imported(s)]
    assert [s.id for s in here_layers() if not _imported(s)] == declared
    layers = [r["layer"] for r in what_is_here(engine, *KESAWAN)["results"]]
    assert layers == declared  # every seeded here-layer has features, so every one answers


def _imported(spec) -> bool:  # noqa: ANN001
    """A layer a deployment imports (OpenStreetMap): empty in the seeded database (tests/geodata/test_osm.py)."""
    return bool(spec.seed and spec.seed.kind == "import")


@pytest.mark.parametrize("layer_id", [s.id for s in get_registry() if s.here == "nearest" and not _imported(s)])
def test_nearest_feature_and_its_distance_match_a_brute_force_search(engine: Engine, layer_id: str) -> None:
    found = _by_layer(what_is_here(engine, *KESAWAN))[layer_id]
    with engine.connect() as conn:
        fid, metres = conn.execute(text(
            f'SELECT fid, ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(:x, :y), 4326)::geography) AS d '
            f'FROM layers."{layer_id}" ORDER BY d LIMIT 1'), {"x": KESAWAN[0], "y": KESAWAN[1]}).one()
    assert found["relation"] == "nearest"
    assert found["fid"] == fid
    assert found["distance_m"] == pytest.approx(metres, abs=0.1)


def test_private_properties_are_never_reported(engine: Engine) -> None:
    for row in what_is_here(engine, *KESAWAN)["results"]:
        spec = get_registry().get(row["layer"])
        assert set(row["properties"]) == {p.name for p in spec.public_properties()}


def test_a_point_outside_the_city_is_inside_nothing(engine: Engine) -> None:
    result = what_is_here(engine, 98.30, 3.20)  # Deli Serdang countryside
    assert result["inside"] is False
    assert all(r["relation"] == "nearest" and r["distance_m"] > 5_000 for r in result["results"])
