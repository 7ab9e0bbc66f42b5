"""The seed: real data where it exists, marked synthetic data where it does not, idempotent."""

from __future__ import annotations

from sqlalchemy import text

from geodata.seed import seed_all
from layers import count_features, read_layer
from layers.registry import get_registry


def test_every_layer_has_seed_features_with_a_source(engine) -> None:  # noqa: ANN001
    for spec in get_registry():
        frame = read_layer(engine, spec.id)
        if spec.seed.kind == "import":  # a deployment loads it (seed.command); the seed leaves it empty
            assert len(frame) == 0, spec.id
            continue
        assert len(frame) > 0, spec.id
        assert frame["source"].notna().all(), spec.id
        if spec.seed.kind == "synthetic" and spec.seed.source == "synthetic":
            assert set(frame["source"]) == {"synthetic"}, spec.id


def test_the_real_medan_data_is_complete(engine) -> None:  # noqa: ANN001
    assert count_features(engine, "kecamatan") == 21
    assert count_features(engine, "kelurahan") == 151
    assert count_features(engine, "schools") == 1587
    assert count_features(engine, "health_facilities") == 82
    with engine.connect() as conn:
        area = conn.execute(text("SELECT sum(ST_Area(geom::geography)) / 1e6 FROM layers.kelurahan")).scalar_one()
        names = conn.execute(text("SELECT count(*) FROM layers.kelurahan WHERE nama_kec = 'Medan Tembung'")).scalar_one()
    assert 270 < area < 285  # SOURCES.md: 278.35 km² in UTM 47N
    assert names > 0


def test_seeding_again_changes_nothing(conn) -> None:  # noqa: ANN001
    def history_rows() -> int:
        return conn.execute(text("SELECT count(*) FROM core.feature_history")).scalar_one()

    before = history_rows()
    reports = seed_all(conn, echo=lambda _m: None)
    assert all(r.inserted == 0 and r.updated == 0 for r in reports)
    assert history_rows() == before
