"""Complaint intake with all tagging: requests/s at concurrency 8 and p99, against PostGIS alone.

Three measurements on the same database, each with `--concurrency` workers
(default 8) filing `--requests` reports at random points inside Medan, in
random categories with valid attributes:

1. **HTTP**: `POST /open311/v2/requests.json` to gunicorn (gthread, `--workers`
   x 4 threads) serving this app with the rate limit lifted; the whole path:
   parsing, validation, tagging (one statement, services/complaints/queries.py:
   kelurahan/kecamatan, risk zone, nearest device), duplicate search, both
   layers written with history.
2. **service**: `services.complaints.intake.submit` called from threads, no HTTP.
3. **PostGIS alone**: the same statements as raw SQL over psycopg2, one
   connection per worker: kelurahan and risk zone containing the point, nearest
   device, duplicates within 50 m, and the two INSERTs in one transaction (the
   history triggers fire as for the platform). This is the floor the platform
   is compared with.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_complaints.py
    PYTHONPATH=. .venv/bin/python benchmarks/bench_complaints.py --requests 800 --database-url postgresql://.../db

Without --database-url it works in its own database `medan_bench_complaints`
on the configured server (created, migrated and seeded on first use). It adds
reports to the complaints layers there; never point it at a database whose
complaints matter.

Measured 2026-11-30 on the shared 2-CPU machine (other work running), 200
reports, concurrency 8, one database, the tree before and after intake's
tailored tagging statement replaced what_is_here (which asks ~20 layers):

    before (what_is_here)   raw 39.0 req/s, service 12.1 (0.31 of raw), HTTP 11.8 (0.30)
    after (intake_tags)     raw 47.0 req/s, service 15.6 (0.33 of raw), HTTP  7.2 (0.15)

The HTTP figure moved with the machine's load, not the code (the service
path under it got faster); per submit the service now spends ~12 ms tagging,
~30 ms on the duplicate search and ~75 ms writing both layers with history
(cProfile of 50 submits), so the remaining gap is the write path.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import secrets
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import psycopg2
from scratch import prepare_database  # benchmarks/ is the script directory

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "medan_bench_complaints"
SEED_LAYERS = ["kota", "kecamatan", "kelurahan", "disaster_risk_zones", "schools", "health_facilities",
               "transit_routes", "transit_stops", "street_lights", "atcs_intersections", "complaints",
               "complaints_public"]
ATTRIBUTES = {
    "JALAN_RUSAK": {"attribute[JENIS_KERUSAKAN]": "lubang"}, "BANJIR": {"attribute[KEDALAMAN_CM]": "30"},
    "LAMPU_JALAN": {"attribute[KONDISI]": "mati"}, "SAMPAH": {"attribute[HARI_TIDAK_DIANGKUT]": "3"},
    "LAMPU_LALU_LINTAS": {"attribute[KONDISI]": "mati"},
    "BANGUNAN_LIAR": {"attribute[JENIS_BANGUNAN]": "ruko", "attribute[DI_ATAS]": "trotoar"},
}
NEAREST = {"LAMPU_JALAN": ("street_lights", 150.0), "LAMPU_LALU_LINTAS": ("atcs_intersections", 250.0)}


def bench_app():  # noqa: ANN201
    """The app gunicorn serves here: the normal one with the per-IP intake limit lifted (one client IP)."""
    from webgis.app import create_app

    app = create_app()
    app.config["COMPLAINT_RATE_LIMIT"] = "100000000 per minute"
    return app




def points(database_url: str, n: int, seed: int = 7) -> list[tuple[float, float]]:
    """Random points inside the kelurahan polygons (so every report is accepted)."""
    import shapely

    from layers import engine_for, read_layer

    kel = read_layer(engine_for(database_url), "kelurahan")
    city = shapely.union_all(kel.geometry.values)
    shapely.prepare(city)
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = city.bounds
    out: list[tuple[float, float]] = []
    while len(out) < n:
        x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
        if shapely.contains_xy(city, x, y):
            out.append((round(x, 6), round(y, 6)))
    return out


def jobs(database_url: str, n: int) -> list[tuple[str, float, float]]:
    rng = random.Random(11)
    return [(rng.choice(list(ATTRIBUTES)), lon, lat) for lon, lat in points(database_url, n)]


def run(workers: int, work: list, do: Callable[[object], None], setup: Callable[[], object] | None = None) -> dict:
    """Run `do(item)` over `work` with `workers` threads; requests/s and latency percentiles."""
    local = threading.local()
    latencies: list[float] = []
    lock = threading.Lock()

    def one(item: object) -> None:
        if setup is not None and not hasattr(local, "state"):
            local.state = setup()
        started = time.perf_counter()
        do((getattr(local, "state", None), item))
        elapsed = time.perf_counter() - started
        with lock:
            latencies.append(elapsed)

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, work))
    wall = time.perf_counter() - started
    ms = np.array(latencies) * 1000
    return {"n": len(work), "rps": len(work) / wall, "p50": float(np.percentile(ms, 50)),
            "p99": float(np.percentile(ms, 99))}


# ---------------------------------------------------------------- 1. HTTP
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(database_url: str, workers: int) -> Iterator[tuple[str, int]]:
    from webgis.cli.serve import gunicorn_command

    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": f"{ROOT}:{ROOT / 'benchmarks'}"}
    command = [*gunicorn_command(f"127.0.0.1:{port}", workers, "bench_complaints:bench_app()"), "--log-level", "warning"]
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/open311/v2/services.json", timeout=2).read()
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError("gunicorn did not start")
        yield "127.0.0.1", port
    finally:
        process.terminate()
        process.wait(timeout=20)


def http_intake(database_url: str, work: list, concurrency: int, workers: int) -> dict:
    with gunicorn(database_url, workers) as (host, port):
        def post(args: tuple) -> None:
            conn, (code, lon, lat) = args
            body = urllib.parse.urlencode({"service_code": code, "lat": lat, "long": lon,
                                           "description": "bench", **ATTRIBUTES[code]})
            conn.request("POST", "/open311/v2/requests.json", body,
                         {"Content-Type": "application/x-www-form-urlencoded"})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status}")

        post((http.client.HTTPConnection(host, port), work[0]))  # warm the worker
        return run(concurrency, work, post, setup=lambda: http.client.HTTPConnection(host, port))


# ---------------------------------------------------------------- 2. the service without HTTP
def service_intake(database_url: str, work: list, concurrency: int) -> dict:
    from layers import engine_for
    from services.complaints import intake

    engine = engine_for(database_url)

    def submit(args: tuple) -> None:
        _, (code, lon, lat) = args
        attributes = {k[len("attribute["):-1]: v for k, v in ATTRIBUTES[code].items()}
        intake.submit(engine, intake.Submission(service_code=code, long=lon, lat=lat, description="bench",
                                                attributes=attributes), actor="bench")

    return run(concurrency, work, submit)


# ---------------------------------------------------------------- 3. PostGIS alone
POINT = "ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)"
RAW_CONTAINS = f"""
SELECT k.kode_kel, k.nama_kel, k.nama_kec,
       (SELECT r.kelas FROM layers.disaster_risk_zones r WHERE ST_Intersects(r.geom, {POINT})
         ORDER BY ST_Area(r.geom) LIMIT 1)
  FROM layers.kelurahan k WHERE ST_Intersects(k.geom, {POINT}) ORDER BY ST_Area(k.geom) LIMIT 1"""
RAW_NEAREST = """
SELECT kode, ST_Distance(geom::geography, {p}::geography) AS d
  FROM (SELECT kode, geom FROM layers.{layer} ORDER BY geom <-> {p} LIMIT 8) c
 WHERE ST_Distance(geom::geography, {p}::geography) <= %(within)s ORDER BY d LIMIT 1"""
RAW_DUPLICATES = f"""
SELECT service_request_id FROM layers.complaints
 WHERE service_code = %(code)s AND status IN ('open', 'acknowledged', 'in_progress')
   AND requested_datetime >= now() - interval '30 days'
   AND geom && ST_Expand({POINT}, 0.01) AND ST_DWithin(geom::geography, {POINT}::geography, 50)
 LIMIT 5"""
RAW_INSERT = f"""
INSERT INTO layers.complaints (service_request_id, token, service_code, status, requested_datetime,
    updated_datetime, state_since, due_at, description, kode_kel, nama_kel, nama_kec, agency, risk_class,
    nearest_device, device_distance_m, supporters, source, geom)
VALUES (%(id)s, %(token)s, %(code)s, 'open', now(), now(), now(), now() + interval '7 days', 'bench', %(kel)s,
    %(nama_kel)s, %(kec)s, 'DPKPPR', %(risk)s, %(device)s, %(distance)s, 0, 'bench', {POINT});
INSERT INTO engine.case_events (service, case_ref, actor, kind, to_state, public)
VALUES ('complaints', %(id)s, 'bench', 'submitted', 'open', true);
INSERT INTO layers.complaints_public (service_request_id, service_code, status, requested_datetime,
    updated_datetime, kode_kel, nama_kel, nama_kec, agency, supporters, source, geom)
VALUES (%(id)s, %(code)s, 'open', now(), now(), %(kel)s, %(nama_kel)s, %(kec)s, 'DPKPPR', 0, 'bench',
    ST_SetSRID(ST_MakePoint(round(%(lon)s / 0.00045) * 0.00045, round(%(lat)s / 0.00045) * 0.00045), 4326))"""


def raw_intake(database_url: str, work: list, concurrency: int) -> dict:
    from layers.db import libpq_url

    def connect() -> object:
        conn = psycopg2.connect(libpq_url(database_url))
        return conn

    def one(args: tuple) -> None:
        conn, (code, lon, lat) = args
        params = {"lon": lon, "lat": lat, "code": code}
        with conn, conn.cursor() as cur:
            cur.execute("SELECT set_config('webgis.actor', 'bench', true)")
            cur.execute(RAW_CONTAINS, params)
            kel, nama_kel, kec, risk = cur.fetchone()
            device = distance = None
            if code in NEAREST:
                layer, within = NEAREST[code]
                cur.execute(RAW_NEAREST.format(p=POINT, layer=layer), {**params, "within": within})
                row = cur.fetchone()
                device, distance = row if row else (None, None)
            cur.execute(RAW_DUPLICATES, params)
            cur.fetchall()
            cur.execute(RAW_INSERT, {**params, "id": "RAW-" + secrets.token_hex(6), "token": secrets.token_hex(9),
                                     "kel": kel, "nama_kel": nama_kel, "kec": kec, "risk": risk,
                                     "device": device, "distance": distance})

    return run(concurrency, work, one, setup=connect)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    args = parser.parse_args()
    url = prepare_database(args.database_url, BENCH_DB, SEED_LAYERS, "street_lights")
    work = jobs(url, args.requests)
    print(f"{args.requests} reports per measurement, concurrency {args.concurrency}, {os.cpu_count()} CPUs")
    results = {
        "PostGIS alone (raw SQL)": raw_intake(url, work, args.concurrency),
        "service (intake.submit)": service_intake(url, work, args.concurrency),
        f"HTTP POST requests.json (gunicorn {args.workers}x4)": http_intake(url, work, args.concurrency,
                                                                             args.workers),
    }
    floor = results["PostGIS alone (raw SQL)"]["rps"]
    print(f"{'':46} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs raw':>7}")
    for name, r in results.items():
        print(f"{name:46} {r['rps']:8.1f} {r['p50']:8.1f} {r['p99']:8.1f} {r['rps'] / floor:7.2f}")


if __name__ == "__main__":
    main()
