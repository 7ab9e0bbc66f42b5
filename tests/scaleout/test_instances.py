"""Several web instances behind HAProxy (issue 22, item 4, and its faults): what one instance
learns, the others know (sessions, CSRF, rate limits, the tile cache are in PostgreSQL);
killing an instance under load costs no GET; a PostgreSQL restart loses no acknowledged
write and every process reconnects by itself. The fleet is `python -m webgis serve
--instances 2`, as an operator starts it, on loopback ports after the test cluster's."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy import text
from sqlalchemy.engine import make_url

from config.settings import PROJECT_ROOT
from geodata.cluster import LocalCluster, drop_database, postgres_bindir
from layers.db import engine_for
from tests.helpers.accounts import PASSWORD
from tests.helpers.database import clone_database
from tests.helpers.scaleout import local_primary, run_sql, scaleout_port, wait_for

TOKEN = {"Authorization": "Bearer test-token"}
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
EXPENSIVE = "/collections/schools/items?filter=jenjang%3D%27SD%27&limit=1"
PER_ADDRESS_LIMIT = 6


@dataclass
class Fleet:
    url: str
    instances: list[str]
    database_url: str
    directory: Path


@pytest.fixture(scope="module")
def fleet(server_url: str, template_database_url: str) -> Iterator[Fleet]:
    database_url = clone_database(server_url, template_database_url)
    # A sequence copied by CREATE DATABASE ... TEMPLATE keeps the template's "logged ahead"
    # count without that log, so after a crash before the next checkpoint it went back and
    # the restart test's first inserts hit fids written before the crash (PostgreSQL 15.18).
    # A database made by migrations, as in production, has no such history.
    run_sql(server_url, "CHECKPOINT")
    port = scaleout_port(3)  # HAProxy; the instances on the next two ports
    env = {**os.environ, "DATABASE_URL": database_url, "WEBGIS_WEB_PORT": str(port), "WEBGIS_WEB_API_TOKEN": "test-token",
           "WEBGIS_WEB_EXPENSIVE_QUERY_RATE_LIMIT_PER_ADDRESS": f"{PER_ADDRESS_LIMIT} per minute",
           "WEBGIS_DB_REPLICAS": "", "PYTHONPATH": str(PROJECT_ROOT)}
    fleet = Fleet(f"http://127.0.0.1:{port}", [f"http://127.0.0.1:{port + i}" for i in (1, 2)], database_url,
                  PROJECT_ROOT / ".var" / f"fleet-{port}")
    fleet.directory.mkdir(parents=True, exist_ok=True)
    log = (fleet.directory / "serve.log").open("w")  # the instances' errors, when a test fails
    serving = subprocess.Popen([sys.executable, "-m", "webgis", "serve", "--instances", "2", "--workers", "2"],
                               env=env, cwd=PROJECT_ROOT, stdout=log, stderr=log)
    try:
        wait_for(lambda: _healthy(fleet.url) or serving.poll() is not None, 240, "the fleet serves", step=0.5)
        assert serving.poll() is None, "python -m webgis serve --instances 2 ended"
        yield fleet
    finally:
        serving.send_signal(signal.SIGTERM)
        serving.wait(timeout=60)
        log.close()
        engine_for(database_url).dispose()
        drop_database(server_url, make_url(database_url).database)


def _healthy(url: str) -> bool:
    try:
        return requests.get(f"{url}/healthz", timeout=5).status_code == 200
    except requests.RequestException:
        return False


def _user(fleet: Fleet, role: str) -> str:
    from webgis.accounts import manage

    username = f"f{os.urandom(5).hex()}"
    manage.create_user(engine_for(fleet.database_url), "test", None, username, PASSWORD, roles=[role])
    return username


def _csrf(session: requests.Session, url: str) -> str:
    match = CSRF_FIELD.search(session.get(url).text)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


class Browser(requests.Session):
    """A requests session that sends the Secure session cookie over loopback http, as browsers
    do for localhost (the app marks it Secure: webgis/security.py)."""

    def request(self, *args: object, **kwargs: object) -> requests.Response:  # type: ignore[override]
        response = super().request(*args, **kwargs)  # type: ignore[arg-type]
        for cookie in self.cookies:
            cookie.secure = False
        return response


def test_a_login_through_one_instance_acts_through_the_other(fleet: Fleet) -> None:
    one, other = fleet.instances
    browser = Browser()
    username = _user(fleet, "staff")
    logged_in = browser.post(f"{one}/login", data={"username": username, "password": PASSWORD,
                                                   "csrf_token": _csrf(browser, f"{one}/login")},
                             allow_redirects=False)
    assert logged_in.status_code in (302, 303), logged_in.text[:300]
    # The session made on one instance is known to the other...
    assert browser.get(f"{other}/auth/tokens").status_code == 200
    # ...and a CSRF token issued by one is accepted by the other (and a forged one is not).
    token = _csrf(browser, f"{one}/login")
    assert browser.post(f"{other}/auth/tokens", json={"name": "x"}, headers={"X-CSRFToken": "forged"}).status_code == 400
    created = browser.post(f"{other}/auth/tokens", json={"name": "across"}, headers={"X-CSRFToken": token})
    assert created.status_code == 201, created.text[:300]
    assert [t["name"] for t in browser.get(f"{one}/auth/tokens").json()["tokens"]] == ["across"]


def test_the_tile_cache_is_shared_between_instances(fleet: Fleet) -> None:
    one, other = fleet.instances
    path = "/collections/schools/tiles/WebMercatorQuad/14/12682/8028"
    first = requests.get(f"{one}{path}")
    assert first.status_code == 200 and first.headers["X-Tile-Cache"] == "miss", first.headers
    second = requests.get(f"{other}{path}")
    assert second.headers["X-Tile-Cache"] == "hit" and second.content == first.content


def _get_from(source: str, url: str) -> int:
    """A GET sent from a loopback address of our choosing, as another client would be."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30, source_address=(source, 0))
    try:
        connection.request("GET", EXPENSIVE)
        return connection.getresponse().status
    finally:
        connection.close()


def test_rate_limits_are_counted_across_instances_per_client_behind_the_balancer(fleet: Fleet) -> None:
    one, other = fleet.instances
    statuses = [_get_from("127.0.0.2", url) for url in [one, other] * PER_ADDRESS_LIMIT]
    assert statuses[:PER_ADDRESS_LIMIT] == [200] * PER_ADDRESS_LIMIT and set(statuses[PER_ADDRESS_LIMIT:]) == {429}
    # Behind HAProxy each client keeps its own budget (X-Forwarded-For, one trusted hop):
    # the balancer's own address would have made every anonymous client share one.
    through_balancer = [_get_from("127.0.0.3", fleet.url) for _ in range(PER_ADDRESS_LIMIT + 1)]
    assert through_balancer == [200] * PER_ADDRESS_LIMIT + [429]
    assert _get_from("127.0.0.4", fleet.url) == 200


class Load:
    """Threads sending requests through the balancer until stopped; every answer is kept."""

    def __init__(self, url: str, paths: list[str], threads: int = 4):
        self.url, self.paths = url, paths
        self.answers: list[tuple[float, str, int]] = []  # (answered at, path, status; 0 = no answer)
        self.started: list[float] = []  # when each answer's request was sent, in the same order
        self.errors: list[str] = []
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run) for _ in range(threads)]

    def _run(self) -> None:
        session = requests.Session()
        while not self.stopping.is_set():
            for path in self.paths:
                sent = time.monotonic()
                try:
                    status = session.get(f"{self.url}{path}", timeout=30).status_code
                except requests.RequestException as error:
                    status = 0
                    self.errors.append(f"{path}: {error}")
                with self.lock:
                    self.started.append(sent)
                    self.answers.append((time.monotonic(), path, status))

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join()

    def failed(self, sent_after: float = 0.0) -> list[tuple[float, str, int]]:
        """The requests sent after `sent_after` that got no answer or a server error."""
        return [a for a, sent in zip(self.answers, self.started, strict=True)
                if sent > sent_after and (a[2] == 0 or a[2] >= 500)]


def _server_states(fleet: Fleet) -> dict[str, int]:
    """HAProxy's operational state of each server (2 up, 0 down), from its stats socket."""
    with socket.socket(socket.AF_UNIX) as stats:
        stats.connect(str(fleet.directory / "haproxy.sock"))
        stats.sendall(b"show servers state instances\n")
        answer = b""
        while chunk := stats.recv(65536):
            answer += chunk
    rows = [line.split() for line in answer.decode().splitlines()[2:] if line.strip()]
    return {row[3]: int(row[5]) for row in rows}


def _instance_processes(port: int) -> list[int]:
    """The gunicorn master and workers serving `port` (they share its command line)."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if f"127.0.0.1:{port}".encode() in (proc / "cmdline").read_bytes():
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


def test_killing_an_instance_under_load_fails_no_read_sent_after_it_and_the_balancer_leaves_it(fleet: Fleet) -> None:
    paths = ["/collections/schools/items?bbox=98.6,3.5,98.7,3.6&limit=10", "/collections/schools/items/1",
             "/tiles/WebMercatorQuad/13/6341/4014"]
    port = int(fleet.instances[0].rsplit(":", 1)[1])
    assert _server_states(fleet) == {"web1": 2, "web2": 2}
    with Load(fleet.url, paths) as load:
        wait_for(lambda: len(load.answers) >= 30, 60, "load under way", step=0.2)
        processes = _instance_processes(port)
        assert processes, "no process of the instance found"
        for pid in processes:
            os.kill(pid, signal.SIGKILL)
        killed_at, answered_before = time.monotonic(), len(load.answers)
        waited = wait_for(lambda: _server_states(fleet)["web1"] == 0, 5, "HAProxy marks the killed instance down")
        wait_for(lambda: len(load.answers) >= answered_before + 30, 60, "load after the kill", step=0.2)
    after = [a for a in load.answers if a[0] > killed_at]
    print(f"killed instance: {len(load.answers)} requests, {len(after)} after the kill, "
          f"{len(load.failed())} failed; marked down after {waited:.2f} s; {load.errors}")
    # A request sent after the kill never fails: HAProxy retries it on the live instance. One the
    # killed worker was already answering can be cut mid-response, which no balancer can replay
    # (at most one per load thread).
    assert load.failed(sent_after=killed_at) == []
    assert len(load.failed()) <= len(load.threads)
    assert _server_states(fleet)["web2"] == 2


def test_a_postgresql_restart_loses_no_acknowledged_write_and_every_process_reconnects(fleet: Fleet) -> None:
    live = [url for url in fleet.instances if _healthy(url)]  # the other test may have killed one
    acknowledged: list[int] = []
    failures: list[int] = []
    stopping = threading.Event()

    def write(number: int) -> None:
        session, n = requests.Session(), 0
        while not stopping.is_set():
            n += 1
            body = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [98.65, 3.57]},
                    "properties": {"npsn": f"W{number}{n:06d}", "nama": f"SD Restart {number}-{n}", "jenjang": "SD",
                                   "status": "Negeri"}}
            try:
                answer = session.post(f"{fleet.url}/collections/schools/items", json=body, timeout=30,
                                      headers={**TOKEN, "Content-Type": "application/geo+json"})
            except requests.RequestException:
                failures.append(0)
                continue
            if answer.status_code == 201:
                acknowledged.append(int(answer.headers["Location"].rsplit("/", 1)[1]))
            else:
                failures.append(answer.status_code)
                time.sleep(0.1)

    writers = [threading.Thread(target=write, args=(i,)) for i in range(3)]
    for thread in writers:
        thread.start()
    try:
        wait_for(lambda: len(acknowledged) >= 10, 60, "writes under way", step=0.2)
        _restart_primary_abruptly()
        restarted_with = len(acknowledged)
        wait_for(lambda: len(acknowledged) >= restarted_with + 20, 60, "writes after the restart", step=0.2)
    finally:
        stopping.set()
        for thread in writers:
            thread.join()
    engine_for(fleet.database_url).dispose()  # this process's own connections died with the server
    with engine_for(fleet.database_url).connect() as conn:
        present = set(conn.execute(text("SELECT fid FROM layers.schools WHERE fid = ANY(:f)"),
                                   {"f": acknowledged}).scalars())
    print(f"restart: {len(acknowledged)} writes acknowledged, {len(failures)} refused while it restarted "
          f"({sorted(set(failures))})")
    assert set(acknowledged) - present == set(), "acknowledged writes were lost"
    assert set(failures) <= {503}, "a write failed otherwise than with 503 + Retry-After"
    for url in live:  # every worker of every instance serves again: 20 requests in a row each
        assert [requests.get(f"{url}/collections/schools/items/1").status_code for _ in range(20)] == [200] * 20


def _restart_primary_abruptly() -> None:
    """`pg_ctl stop -m immediate` (a crash: no checkpoint, backends killed), then start."""
    cluster = LocalCluster(local_primary())
    result = cluster.run_as_owner([str(postgres_bindir() / "pg_ctl"), "stop", "-m", "immediate",
                                   "-D", str(cluster.data_dir)])
    assert result.returncode == 0, result.stderr
    time.sleep(1)
    cluster.start()
