"""Read replicas (issue 22, item 2): stale-tolerant reads go to a streaming replica of the
project-local cluster, a client reads its own writes, a lagging or stopped replica leaves
rotation within a second and comes back, and killing one under read load fails no request."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import orjson
import pytest
from flask import Flask
from sqlalchemy.engine import make_url

from geodata.cluster import drop_database
from geodata.replicas import replica_cluster
from layers.db import engine_for
from tests.helpers.database import clone_database, settings_for
from tests.helpers.scaleout import (
    local_primary,
    local_replica,
    on_port,
    run_sql,
    scaleout_port,
    wait_for,
)

TOKEN = {"Authorization": "Bearer test-token"}
GEOJSON = "application/geo+json"
MAX_LAG_S = 2.0


@pytest.fixture(scope="module")
def replica_port(server_url: str) -> Iterator[int]:  # noqa: ARG001 - the test cluster runs
    port = scaleout_port(2)
    with local_replica(port):
        yield port


@pytest.fixture
def database(server_url: str, template_database_url: str) -> Iterator[str]:
    url = clone_database(server_url, template_database_url)
    yield url
    engine_for(url).dispose()
    drop_database(server_url, make_url(url).database)


def replicated_app(database_url: str, replica_port: int) -> Flask:
    from webgis.app import create_app

    settings = settings_for(database_url, api_token="test-token")
    settings.db.replicas = on_port(database_url, replica_port)
    settings.db.replica_max_lag_s = MAX_LAG_S
    settings.db.replica_check_interval_s = 0.1
    app = create_app(settings)
    app.config["TESTING"] = True
    return app


def in_rotation(app: Flask) -> bool:
    pool = app.extensions["read_replicas"]
    pool.choose()  # starts the checks
    return pool.state()[0]["in_rotation"]


def school(name: str) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [98.6712, 3.5913]},
            "properties": {"npsn": f"R{abs(hash(name)) % 10**7}", "nama": name, "jenjang": "SD", "status": "Negeri"}}


def test_reads_go_to_the_replica_a_writer_reads_its_write_and_a_lagging_replica_leaves_rotation(
        database: str, replica_port: int) -> None:
    app = replicated_app(database, replica_port)
    wait_for(lambda: in_rotation(app), 10, "the replica joins the rotation")
    replica_url = on_port(database, replica_port)
    run_sql(replica_url, "SELECT pg_wal_replay_pause()")
    try:
        writer, reader = app.test_client(), app.test_client()
        created = writer.post("/collections/schools/items", data=orjson.dumps(school("SD Replika")),
                              content_type=GEOJSON, headers=TOKEN)
        assert created.status_code == 201, created.get_data(as_text=True)
        written_at = time.monotonic()
        path = created.headers["Location"].replace("http://localhost", "")
        assert writer.get_cookie("webgis_wal") is not None
        bbox = "/collections/schools/items?bbox=98.671,3.591,98.672,3.592&limit=50"
        # The writer reads its own write (from the primary), the cookie says how far it wrote...
        assert writer.get(path).status_code == 200
        assert "SD Replika" in writer.get(bbox).get_data(as_text=True)
        # ...while another client's read goes to the replica, whose replay is paused: stale.
        assert reader.get(path).status_code == 404
        assert "SD Replika" not in reader.get(bbox).get_data(as_text=True)
        assert time.monotonic() - written_at < MAX_LAG_S, "the stale reads came too late to prove anything"
        # The replica falls behind by more than the setting: out of rotation within a second.
        waited = wait_for(lambda: reader.get(path).status_code == 200, MAX_LAG_S + 1.0,
                          "a lagging replica leaves the rotation")
        assert time.monotonic() - written_at <= MAX_LAG_S + 1.0, waited
        assert not in_rotation(app)
    finally:
        run_sql(replica_url, "SELECT pg_wal_replay_resume()")
    wait_for(lambda: in_rotation(app), 3, "the replica comes back once it caught up")
    assert app.test_client().get("/healthz").get_json()["replicas"] == {"configured": 1, "in_rotation": 1}


def test_killing_the_replica_under_read_load_fails_no_request_and_reads_go_on_from_the_primary(
        database: str, replica_port: int) -> None:
    app = replicated_app(database, replica_port)
    wait_for(lambda: in_rotation(app), 10, "the replica joins the rotation")
    paths = ["/collections/schools/items?bbox=98.6,3.5,98.7,3.6&limit=20", "/collections/schools/items/1",
             "/katalog", "/peta/search.json?q=sekolah", "/tiles/WebMercatorQuad/18/202920/128456"]
    statuses: list[tuple[str, int]] = []
    stop = threading.Event()

    def read() -> None:
        client = app.test_client()
        while not stop.is_set():
            for path in paths:
                statuses.append((path, client.get(path).status_code))

    readers = [threading.Thread(target=read) for _ in range(3)]
    for thread in readers:
        thread.start()
    try:
        wait_for(lambda: len(statuses) >= 15, 60, "reads under way", step=0.2)
        replica = replica_cluster(local_primary(), replica_port)
        _crash(replica)
        killed_at = len(statuses)
        wait_for(lambda: len(statuses) >= killed_at + 15, 60, "reads after the kill", step=0.2)
    finally:
        stop.set()
        for thread in readers:
            thread.join()
    failed = [(path, status) for path, status in statuses if status >= 500]
    assert failed == [], f"{len(failed)} of {len(statuses)} reads failed: {failed[:5]}"
    assert not in_rotation(app)
    replica.start()
    wait_for(lambda: in_rotation(app), 5, "the restarted replica comes back")


def _crash(replica) -> None:  # noqa: ANN001
    from geodata.cluster import postgres_bindir

    result = replica.run_as_owner([str(postgres_bindir() / "pg_ctl"), "stop", "-m", "immediate",
                                   "-D", str(replica.data_dir)])
    assert result.returncode == 0, result.stderr


def test_the_cli_lists_the_primary_and_its_replicas(replica_port: int) -> None:
    from click.testing import CliRunner

    from config.settings import get_settings
    from webgis.cli import main

    answer = CliRunner().invoke(main, ["db", "replica", "list"])
    assert answer.exit_code == 0, answer.output
    primary = local_primary()
    assert f"primary  postgresql://{primary.user}@{primary.host}:{primary.port}/" in answer.output
    assert f":{replica_port}/" in answer.output and "running, replayed up to" in answer.output
    assert any(url.endswith(f":{replica_port}/{primary.database}") for url in get_settings().replica_urls)
