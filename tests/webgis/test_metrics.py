"""GET /metrics (issue 22, item 8): the series Prometheus scrapes, in one process and across gunicorn's workers."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from config.settings import PROJECT_ROOT
from layers.db import engine_for
from tests.helpers.accounts import build_app
from tests.helpers.modbus import free_ports

ADMIN = {"Authorization": "Bearer test-token"}


def _value(scraped: str, series: str) -> float | None:
    """The sample of one series (name and labels exactly as exposed), None when absent."""
    match = re.search(rf"^{re.escape(series)} (\S+)$", scraped, re.MULTILINE)
    return float(match.group(1)) if match else None


@pytest.fixture
def metrics_app(isolated_database_url: str):  # noqa: ANN201
    return build_app(isolated_database_url)


def test_metrics_count_requests_per_route_family_and_show_pool_use(metrics_app) -> None:  # noqa: ANN001
    client = metrics_app.test_client()
    before = client.get("/metrics", headers=ADMIN).get_data(as_text=True)
    health = 'webgis_http_requests_total{family="health",method="GET",status="200"}'
    missing = 'webgis_http_requests_total{family="unmatched",method="GET",status="404"}'
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert client.get("/no-such-page").status_code == 404
    scraped = client.get("/metrics", headers=ADMIN).get_data(as_text=True)
    assert (_value(scraped, health) or 0) - (_value(before, health) or 0) == 3
    assert (_value(scraped, missing) or 0) - (_value(before, missing) or 0) == 1
    assert _value(scraped, 'webgis_http_request_duration_seconds_count{family="health"}') >= 3
    assert _value(scraped, "webgis_db_pool_capacity") >= 8
    assert _value(scraped, "webgis_db_pool_in_use") is not None
    # No replica streams from this database: the series is declared and empty.
    assert "# TYPE webgis_db_replica_lag_seconds gauge" in scraped
    assert "webgis_db_replica_lag_seconds{" not in scraped
    # Nothing waits in this database's notification outbox.
    assert _value(scraped, "webgis_outbox_pending") == 0


def test_metrics_are_for_admins_only(metrics_app) -> None:  # noqa: ANN001
    client = metrics_app.test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_the_outbox_backlog_shows_when_the_outbox_exists(metrics_app, isolated_database_url: str) -> None:  # noqa: ANN001
    from services.engine import notify

    engine = engine_for(isolated_database_url)
    with engine.begin() as conn:  # two waiting messages (one 90 s old) and one sent yesterday
        ids = [notify.enqueue(conn, channel="email", recipient=f"warga{n}@example.org", subject="Uji", body="Uji")
               for n in range(3)]
        conn.execute(text("UPDATE notify.outbox SET created_at = now() - interval '90 s' WHERE id = :i"), {"i": ids[0]})
        conn.execute(text("UPDATE notify.outbox SET status = 'sent', sent_at = now(), created_at = now() - interval "
                          "'1 day' WHERE id = :i"), {"i": ids[2]})
    engine.dispose()
    scraped = metrics_app.test_client().get("/metrics", headers=ADMIN).get_data(as_text=True)
    assert _value(scraped, "webgis_outbox_pending") == 2
    assert 89 <= _value(scraped, "webgis_outbox_oldest_pending_seconds") < 200


def test_a_streaming_replica_shows_its_lag(metrics_app, isolated_database_url: str, tmp_path) -> None:  # noqa: ANN001
    """pg_receivewal streams WAL like a replica: the primary lists it in pg_stat_replication."""
    from sqlalchemy.engine import make_url

    url = make_url(isolated_database_url)
    receiver = subprocess.Popen(
        ["pg_receivewal", "-h", url.host, "-p", str(url.port), "-U", url.username, "-D", str(tmp_path),
         "-d", "application_name=test_replica"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        series = 'webgis_db_replica_lag_seconds{replica="test_replica"}'
        deadline = time.monotonic() + 20
        scraped = ""
        while time.monotonic() < deadline and series not in scraped:
            time.sleep(0.3)
            scraped = metrics_app.test_client().get("/metrics", headers=ADMIN).get_data(as_text=True)
        assert _value(scraped, series) is not None and _value(scraped, series) >= 0, scraped[-800:]
        assert _value(scraped, 'webgis_db_replica_lag_bytes{replica="test_replica"}') >= 0
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)


@pytest.fixture
def gunicorn(isolated_database_url: str) -> Iterator[str]:
    (port,) = free_ports(1)
    env = {**os.environ, "DATABASE_URL": isolated_database_url, "PYTHONPATH": str(PROJECT_ROOT),
           "WEBGIS_WEB_PORT": str(port), "WEBGIS_WEB_WORKERS": "3", "WEBGIS_WEB_API_TOKEN": "test-token"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    server = subprocess.Popen([sys.executable, "-m", "webgis", "serve"], env=env, cwd=PROJECT_ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=5).close()
                break
            except OSError:  # not listening yet, or a worker still booting
                time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def _get(url: str, headers: dict | None = None) -> str:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read().decode()


def test_gunicorn_workers_metrics_add_up_in_every_scrape(gunicorn: str) -> None:
    """Three workers, each counting its own requests: any worker's scrape shows the sum of all."""
    series = 'webgis_http_requests_total{family="health",method="GET",status="200"}'
    # Every worker booted (each adds its pool's 8 + 16 overflow), and any probe of the fixture
    # queued at a booting worker's socket answered, before counting.
    deadline = time.monotonic() + 90
    while _value(_get(f"{gunicorn}/metrics", ADMIN), "webgis_db_pool_capacity") != 3 * 24:
        assert time.monotonic() < deadline, "three workers never all booted"
        time.sleep(0.5)
    time.sleep(2)
    first = _value(_get(f"{gunicorn}/metrics", ADMIN), series) or 0
    for _ in range(30):  # new connections each time: the kernel spreads them over the workers' sockets
        _get(f"{gunicorn}/healthz")
    scrapes = [_value(_get(f"{gunicorn}/metrics", ADMIN), series) for _ in range(6)]
    assert all(s - first == 30 for s in scrapes), (first, scrapes)
