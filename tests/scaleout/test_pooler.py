"""Connection pooling (issue 22, item 3): the app through PgBouncer in transaction mode, where
each transaction may run on another server connection, so nothing may be left on one."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import orjson
import psycopg2
import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import make_url

from config.settings import PROJECT_ROOT
from geodata.cluster import drop_database
from geodata.pooler import PgBouncer
from layers.db import engine_for
from tests.helpers.database import clone_database, settings_for
from tests.helpers.scaleout import scaleout_port, wait_for

TOKEN = {"Authorization": "Bearer test-token"}


@pytest.fixture(scope="module")
def database(server_url: str, template_database_url: str) -> Iterator[str]:
    url = clone_database(server_url, template_database_url)
    yield url
    engine_for(url).dispose()
    drop_database(server_url, make_url(url).database)


@pytest.fixture(scope="module")
def pooler(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgBouncer]:
    bouncer = PgBouncer(PROJECT_ROOT / ".var" / f"pgbouncer-test-{scaleout_port(7)}", scaleout_port(7), database)
    bouncer.write_config()
    process = subprocess.Popen(bouncer.command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: _answers(bouncer.pooled_url(database)), 10, "PgBouncer listens")
        yield bouncer
    finally:
        process.terminate()
        process.wait(timeout=10)


def _answers(url: str) -> bool:
    try:
        psycopg2.connect(url, connect_timeout=1).close()
        return True
    except psycopg2.OperationalError:
        return False


def pooled_app(url: str, pool_mode: str) -> Flask:
    from webgis.app import create_app

    settings = settings_for(url, api_token="test-token")
    settings.db.pool_mode = pool_mode  # type: ignore[assignment]
    app = create_app(settings)
    app.config["TESTING"] = True
    return app


def new_server_connections(pooler: PgBouncer) -> None:
    """PgBouncer's RECONNECT: every server connection is closed once released, so the app's
    next statements run on server connections it never used, as they may at any time under load."""
    admin = psycopg2.connect(make_url(pooler.pooled_url(pooler.primary_url)).set(database="pgbouncer")
                             .render_as_string(hide_password=False))
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute("RECONNECT")
    finally:
        admin.close()


@pytest.mark.parametrize("path", ["/collections/schools/items/1", "/tiles/WebMercatorQuad/13/6341/4014"])
def test_reads_through_a_transaction_pooler_keep_nothing_prepared_on_a_server_connection(
        pooler: PgBouncer, database: str, path: str) -> None:
    url = pooler.pooled_url(database)
    app = pooled_app(url, "transaction")
    client = app.test_client()
    first = client.get(path)  # a tile: rendered into the cache; an item: read
    assert first.status_code == 200, first.get_data(as_text=True)[:300]
    client.get(path)
    kept = kept_connections(app)
    for _ in range(3):
        new_server_connections(pooler)
        again = client.get(path)  # a tile: now a cache hit, the lookup that used to be PREPAREd
        assert again.status_code == 200, again.get_data(as_text=True)[:300]
        assert again.get_data() == first.get_data()
    assert kept_connections(app) == kept, "a statement failed on the new server connection and all were reopened"


def test_a_session_pool_mode_app_behind_the_transaction_pooler_is_what_went_wrong(
        pooler: PgBouncer, database: str) -> None:
    """What the setting prevents: a statement PREPAREd on one server connection is unknown on the
    next, the read fails there and is tried again on a new connection, the kept ones all closed."""
    url = pooler.pooled_url(database)
    app = pooled_app(url, "session")
    client = app.test_client()
    assert client.get("/collections/schools/items/2").status_code == 200
    kept = kept_connections(app)
    new_server_connections(pooler)
    assert client.get("/collections/schools/items/2").status_code == 200
    assert kept_connections(app).isdisjoint(kept)


def kept_connections(app: Flask) -> set[int]:
    from layers.db import autocommit_reads

    return {id(connection) for connection, _ in autocommit_reads(app.extensions["engine"]).idle}


def test_writes_through_the_pooler_keep_their_transaction_settings_and_history(
        pooler: PgBouncer, database: str) -> None:
    url = pooler.pooled_url(database)
    client = pooled_app(url, "transaction").test_client()
    body = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [98.66, 3.58]},
            "properties": {"npsn": "P1234567", "nama": "SD Lewat Pooler", "jenjang": "SD", "status": "Negeri"}}
    new_server_connections(pooler)
    created = client.post("/collections/schools/items", data=orjson.dumps(body),
                          content_type="application/geo+json", headers=TOKEN)
    assert created.status_code == 201, created.get_data(as_text=True)
    fid = int(created.headers["Location"].rsplit("/", 1)[1])
    with engine_for(database).connect() as conn:
        actor = conn.execute(text("SELECT actor FROM core.feature_history WHERE layer = 'schools' AND fid = :f"),
                             {"f": fid}).scalar_one()
        leaked = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = :d "
                                   "AND state = 'idle in transaction' AND backend_type = 'client backend' "
                                   "AND application_name <> 'psql'"), {"d": make_url(database).database}).scalar_one()
    assert actor and actor != "unknown"
    assert leaked == 0  # no transaction left open on a server connection
    assert "SD Lewat Pooler" in client.get("/peta/search.json?q=Lewat Pooler").get_data(as_text=True)


# What transaction pooling forbids, as it would appear in the code: session-level advisory
# locks, LISTEN, a session-wide SET or set_config(..., false), a cursor WITH HOLD, a
# temporary table outliving its transaction. Statements kept PREPAREd go through
# layers.db.AutocommitReads, which the tests above check.
SESSION_STATE = re.compile(
    r"pg_advisory_lock\(|pg_try_advisory_lock\(|\bLISTEN\b|\bWITH HOLD\b|"
    r"[\"']SET (?!LOCAL)(SESSION )?[a-z_.]+ ?(=|TO)|set_config\([^)]*(false|False)\)|"
    r"CREATE TEMP(ORARY)? TABLE(?![^\"']*ON COMMIT DROP)")


def test_no_code_keeps_session_state_that_a_transaction_pooler_would_lose() -> None:
    found = []
    for folder in ("layers", "services", "devices", "webgis", "geodata"):
        for path in Path(PROJECT_ROOT, folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue  # run by Alembic on a direct connection, never through the pooler
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if SESSION_STATE.search(line):
                    found.append(f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()}")
    assert found == []


def test_the_pooler_config_routes_replicas_by_alias(tmp_path: Path) -> None:
    bouncer = PgBouncer(tmp_path, 6432, "postgresql://u@127.0.0.1:5432/medan",
                        ("postgresql://u@127.0.0.1:5433/medan",))
    config = bouncer.write_config().read_text()
    assert "replica_5433_medan = host=127.0.0.1 port=5433 dbname=medan" in config
    assert "pool_mode = transaction" in config
    assert bouncer.pooled_url("postgresql://u@127.0.0.1:5433/medan") == "postgresql://u@127.0.0.1:6432/replica_5433_medan"
    assert bouncer.pooled_url("postgresql://u@127.0.0.1:5432/medan") == "postgresql://u@127.0.0.1:6432/medan"
