"""A benchmark's scratch database on the configured server: created, migrated and seeded once."""

from __future__ import annotations

from collections.abc import Sequence


def prepare_database(database_url: str | None, name: str, seed_layers: Sequence[str], probe_layer: str) -> str:
    """`database_url`, or database `name` on the configured server, migrated; the layers in
    `seed_layers` are seeded when `probe_layer` is still empty (so only on the first run)."""
    from config.settings import get_settings
    from geodata.cluster import database_on_server, ensure_database
    from geodata.migrate import upgrade
    from geodata.seed import seed_all
    from layers import count_features, engine_for

    if database_url is None:
        database_url = database_on_server(get_settings(), name)
        ensure_database(database_on_server(get_settings(), "postgres"), name)
    upgrade(database_url)
    engine = engine_for(database_url)
    if count_features(engine, probe_layer) == 0:
        print(f"seeding {', '.join(seed_layers)} (once)...")
        seed_all(engine, only=list(seed_layers), echo=print)
    return database_url
