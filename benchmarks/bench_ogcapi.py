"""OGC API Features and Tiles: the platform vs tipg and pygeoapi vs raw PostGIS, side by side.

In one run, on the same database and the same 1,000,000-point table
(`layers.sample_points`, filled from geodata.synthetic.population.generate_sample_points):

1. set-up (idempotent, skipped with --skip-setup): tipg and pygeoapi from PyPI,
   each in its own venv under benchmarks/.venvs/<name> (benchmarks/peers/setup.sh,
   pinned in benchmarks/peers/<name>.requirements.txt), and Debian's `wrk`;
2. the database `medan_bench_ogc` (created, migrated, kelurahan seeded, the
   points loaded with layers.load_frame(mode="replace") when the table
   does not hold exactly --points rows);
3. one request list, generated once with a fixed seed (--seed): items in random
   ~1 km bboxes around existing points with limit=1000, single items by fid,
   MVT tiles at zooms 12, 14 and 16 (tiles holding random points), and a full
   export following `next` links with the largest limit every server allows
   (10,000: the platform's maximum, tipg's default maximum, pygeoapi configured so);
4. raw PostGIS through psycopg2 (one process and one connection per client):
   the bbox query returning the same GeoJSON FeatureCollection (numberMatched and
   the first 1000 features by fid, JSON built in the database), one feature by
   fid, the ST_AsMVT tile SQL tipg runs (same clip, buffer 256, extent 4096,
   ORDER BY fid LIMIT 10000), and the export as keyset pages of 10,000;
5. each server in turn (only one runs at a time), with the same number of
   worker processes (--workers, default 2 = the cores of this machine):
     platform  .venv/bin/python -m gunicorn webgis.wsgi:app -w N  (gthread, 4 threads, --reuse-port, as `webgis serve`)
     platform-uncached  the same with its tile cache switched off (WEBGIS_WEB_TILE_CACHE_MAX_ZOOM=-1),
               tiles only: the render path, driven exactly like the peers' tiles
     tipg      uvicorn tipg.main:app --workers N
     pygeoapi  gunicorn pygeoapi.flask_app:APP -w N (sync workers, its own recommendation)
   is started, waited for, probed (a kind whose first request does not answer 2xx
   is reported "not available" with the status), warmed up, driven with `wrk`
   (benchmarks/peers/cycle.lua cycles the request list; fixed --duration per cell)
   at concurrency 1 and 8, and stopped (process group, SIGTERM then SIGKILL);
   the platform's tiles are also measured on a cache miss (render and store):
   every distinct tile once per round, the cache emptied between rounds;
   the export is driven by a small client following `next` links (concurrency 1:
   the whole layer in one chain; concurrency 8: eight chains starting at offsets
   0, N/8, ... each reading its eighth), bounded by --export-timeout;
6. one markdown table per query kind (server, concurrency, req/s or features/s,
   p50/p95/p99 ms, ratio of the rate to raw PostGIS at the same concurrency),
   the load average before and after, saved with all raw figures as JSON in
   benchmarks/out/bench_ogcapi-<time>.json.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_ogcapi.py                     # everything, 1,000,000 points
    PYTHONPATH=. .venv/bin/python benchmarks/bench_ogcapi.py --points 20000 --duration 3 --servers platform
    PYTHONPATH=. .venv/bin/python benchmarks/bench_ogcapi.py --skip-setup --kinds items,item --servers raw,tipg

Without --database-url it uses the database `medan_bench_ogc` on the configured
server (the project-local cluster unless DATABASE_URL is set). It never touches
another database. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import http.client
import json
import math
import multiprocessing
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent  # the code that runs (a snapshot of HEAD with --from-head)
HOME = Path(os.environ.get("BENCH_OGCAPI_HOME", ROOT))  # the work tree: .venv, benchmarks/.venvs, benchmarks/out
PEERS_DIR = ROOT / "benchmarks" / "peers"
VENVS = HOME / "benchmarks" / ".venvs"
OUT_DIR = HOME / "benchmarks" / "out"
LAYER = "sample_points"
TABLE = f"layers.{LAYER}"
BENCH_DATABASE = "medan_bench_ogc"
PROPERTIES = ["kode", "kategori", "nilai", "waktu", "source"]  # what the platform serves; peers restricted to the same
ITEMS_LIMIT = 1000
EXPORT_LIMIT = 10_000
TILE_LIMIT = 10_000  # tipg's max_features_per_tile, used by the raw tile SQL
TILE_ZOOMS = (12, 14, 16)
BBOX_KM = 1.0
ALL_SERVERS = ("raw", "platform", "platform-uncached", "tipg", "pygeoapi")
ALL_KINDS = ("items", "item", *(f"tile_z{z}" for z in TILE_ZOOMS), "export")
KIND_TITLES = {
    "items": f"Items in a random ~1 km bbox, limit={ITEMS_LIMIT} (req/s)",
    "item": "Single item by id (req/s)",
    **{f"tile_z{z}": f"MVT tile, zoom {z} (req/s)" for z in TILE_ZOOMS},
    "export": f"Full export following next links, limit={EXPORT_LIMIT} (features/s)",
}


# ---------------------------------------------------------------- database

def default_database_url() -> str:
    from config.settings import get_settings
    from geodata.cluster import database_on_server

    return database_on_server(get_settings(), BENCH_DATABASE)


def prepare_database(url: str, points: int, seed: int, fresh: bool = False) -> None:
    """Create and migrate the benchmark database; load `points` sample points unless already there."""
    from sqlalchemy import text

    from geodata.cluster import ensure_database
    from geodata.migrate import upgrade
    from geodata.seed import seed_all
    from geodata.synthetic.population import generate_sample_points
    from layers import count_features, load_frame, read_layer
    from layers.db import engine_for

    parsed = make_url(url)
    server = parsed.set(database="postgres").render_as_string(False)
    if fresh:
        from geodata.cluster import drop_database

        if parsed.database != BENCH_DATABASE:
            raise SystemExit(f"--fresh-db drops only {BENCH_DATABASE}, not {parsed.database}")
        drop_database(server, parsed.database)
    ensure_database(server, parsed.database)
    upgrade(url)
    engine = engine_for(url)
    _repair_stale_migrations(url, engine)
    if count_features(engine, "kelurahan") == 0:
        seed_all(engine, only=["kelurahan"], echo=lambda _m: None)
    have = count_features(engine, LAYER)
    if have != points:
        log(f"loading {points:,} sample points into {TABLE} (had {have:,}) ...")
        t0 = time.perf_counter()
        kelurahan = read_layer(engine, "kelurahan").reset_index(drop=True)
        frame = generate_sample_points(kelurahan, n=points, seed=seed)
        load_frame(engine, LAYER, frame, actor="bench_ogcapi", mode="replace", source="synthetic")
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.execute(text(f"VACUUM ANALYZE {TABLE}"))
        log(f"loaded in {time.perf_counter() - t0:.0f} s")
    engine.dispose()


def _repair_stale_migrations(url: str, engine: Any) -> None:
    """A migration after 0002 edited after it ran here leaves tables the platform refuses to start
    without: go back to 0002 (sample_points, which keeps its 1,000,000 rows) and up again."""
    from alembic import command

    from geodata.migrate import alembic_config, upgrade
    from layers.checks import verify_database
    from layers.errors import LayerError

    try:
        verify_database(engine)
        return
    except LayerError as exc:
        log(f"the benchmark database does not match this tree ({exc}); migrating down to 0002 and up again")
    try:
        command.downgrade(alembic_config(url), "0002")
        upgrade(url)
        verify_database(engine)
    except Exception as exc:  # noqa: BLE001 - a downgrade that cannot run here: start over
        log(f"that did not work ({str(exc)[:200]}); recreating {BENCH_DATABASE} (the points are loaded again)")
        from geodata.cluster import drop_database, ensure_database

        engine.dispose()
        parsed = make_url(url)
        server = parsed.set(database="postgres").render_as_string(False)
        drop_database(server, parsed.database)
        ensure_database(server, parsed.database)
        upgrade(url)


def warm_database(url: str) -> None:
    """Read the table and its indexes once so that the first measured cell does not pay for the disk."""
    import psycopg2

    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(f"SELECT count(*), sum(nilai), sum(ST_X(geom)) FROM {TABLE}")
        cur.execute(f"SELECT count(*) FROM {TABLE} WHERE geom && ST_MakeEnvelope(90, -10, 110, 10, 4326)")
        cur.execute(f"SELECT count(*) FROM (SELECT fid FROM {TABLE} ORDER BY fid) s")
    conn.close()


# ---------------------------------------------------------------- the request list

@dataclass
class Workload:
    bboxes: list[tuple[float, float, float, float]]
    fids: list[int]
    tiles: dict[int, list[tuple[int, int, int]]]
    total: int
    min_fid: int
    max_fid: int

    def to_json(self) -> dict:
        return {"bboxes": len(self.bboxes), "fids": len(self.fids),
                "tiles": {z: len(t) for z, t in self.tiles.items()}, "total": self.total}


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2 ** z
    x = int((lon + 180.0) / 360.0 * n)
    lat_r = math.radians(lat)
    y = int((1.0 - math.asinh(math.tan(lat_r)) / math.pi) / 2.0 * n)
    return z, x, y


def make_workload(url: str, seed: int, n_bboxes: int = 400, n_fids: int = 4000, n_tiles: int = 400) -> Workload:
    """The same request list for every server: random existing points (fixed seed) as anchors."""
    import psycopg2

    rng = random.Random(seed)
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(f"SELECT count(*), min(fid), max(fid) FROM {TABLE}")
        total, lo, hi = cur.fetchone()
        if not total:
            raise SystemExit(f"{TABLE} is empty")
        wanted = sorted({rng.randint(lo, hi) for _ in range(3 * (n_fids + n_bboxes + n_tiles))})
        cur.execute(f"SELECT fid, ST_X(geom), ST_Y(geom) FROM {TABLE} WHERE fid = ANY(%s) ORDER BY fid", (wanted,))
        rows = cur.fetchall()
    conn.close()
    rng.shuffle(rows)
    fids = [r[0] for r in rows[:n_fids]]
    anchors = rows[n_fids:n_fids + n_bboxes]
    half_lat = BBOX_KM / 2 / 111.32
    bboxes = []
    for _fid, lon, lat in anchors:
        half_lon = half_lat / math.cos(math.radians(lat))
        # the anchor point somewhere inside the box, not always at its centre
        dx, dy = rng.uniform(-0.5, 0.5) * half_lon, rng.uniform(-0.5, 0.5) * half_lat
        bboxes.append(tuple(round(v, 6) for v in (lon + dx - half_lon, lat + dy - half_lat,
                                                  lon + dx + half_lon, lat + dy + half_lat)))
    tile_anchors = rows[n_fids + n_bboxes:n_fids + n_bboxes + n_tiles]
    # distinct tiles (in the order drawn): a request list without repeats, so a cold-cache round and a
    # wrk cycle ask for the same mix of tiles (Medan has ~12 z12, ~100 z14 and ~1,500 z16 tiles)
    tiles = {z: list(dict.fromkeys(tile_of(lon, lat, z) for _fid, lon, lat in tile_anchors)) for z in TILE_ZOOMS}
    return Workload(bboxes=bboxes, fids=fids, tiles=tiles, total=int(total), min_fid=int(lo), max_fid=int(hi))


# ---------------------------------------------------------------- servers

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    command: list[str]
    env: dict[str, str]
    ready_path: str
    collection_path: str  # /collections/<id>
    query: dict[str, str]  # extra query parameters for items (f=...)
    item_query: dict[str, str]
    tile_template: str | None  # path with {z} {x} {y}, or None when the server cannot
    tile_note: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    def items_path(self, bbox: tuple[float, ...] | None = None, limit: int = ITEMS_LIMIT, offset: int | None = None) -> str:
        params: dict[str, Any] = {}
        if bbox is not None:
            params["bbox"] = ",".join(f"{v:.6f}" for v in bbox)
        params["limit"] = limit
        if offset:
            params["offset"] = offset
        params.update(self.query)
        return f"{self.collection_path}/items?{urllib.parse.urlencode(params, safe=',')}"

    def item_path(self, fid: int) -> str:
        suffix = f"?{urllib.parse.urlencode(self.item_query)}" if self.item_query else ""
        return f"{self.collection_path}/items/{fid}{suffix}"

    def tile_path(self, z: int, x: int, y: int) -> str | None:
        return self.tile_template.format(z=z, x=x, y=y) if self.tile_template else None

    def paths(self, kind: str, work: Workload) -> list[str] | None:
        if kind == "items":
            return [self.items_path(b) for b in work.bboxes]
        if kind == "item":
            return [self.item_path(f) for f in work.fids]
        if kind.startswith("tile_z"):
            if not self.tile_template:
                return None
            return [self.tile_path(*t) for t in work.tiles[int(kind[6:])]]
        raise ValueError(kind)

    # -- life cycle
    def start(self, log_dir: Path) -> None:
        self.log_path = log_dir / f"{self.name}.log"
        logfile = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [c.format(port=self.port) for c in self.command], cwd=ROOT, env=self.env,
            stdout=logfile, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        logfile.close()

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.process and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_path}:\n"
                                   + tail(self.log_path))
            try:
                status, _h, _b = http_get(self.port, self.ready_path, self.headers, timeout=10)
                if status == 200:
                    return
                last = f"HTTP {status}"
            except OSError as exc:
                last = str(exc)
            time.sleep(0.3)
        raise RuntimeError(f"{self.name} not ready after {timeout:.0f} s ({last}); see {self.log_path}:\n"
                           + tail(self.log_path))

    def stop(self, timeout: float = 15.0) -> None:
        proc = self.process
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)  # the group this script started for this server
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def tail(path: Path | None, chars: int = 3000) -> str:
    if path is None or not path.exists():
        return ""
    return path.read_text(errors="replace")[-chars:]


PYGEOAPI_TILE_NOTE = (
    "skipped: pygeoapi 0.21's MVT-postgresql provider calls ST_Transform(geom, 'EPSG:3857') with the CRS "
    "as text, and PostGIS 3.3 builds a PROJ transformation for every row (~0.1 s per row here), so a "
    "z14 tile of this layer takes minutes; --pygeoapi-tiles tries anyway")


def make_servers(names: list[str], url: str, workers: int, out: Path, pygeoapi_tiles: bool = False) -> dict[str, Server]:
    from benchmarks import admin_access
    from webgis.cli.serve import gunicorn_command

    parsed = make_url(url)
    servers: dict[str, Server] = {}
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("TIPG_", "PYGEOAPI_"))}
    base_env.pop("PYTHONPATH", None)
    if "platform" in names:
        servers["platform"] = Server(
            name="platform",
            command=[str(HOME / ".venv/bin/python"), *gunicorn_command("127.0.0.1:{port}", workers)[1:],
                     "--timeout", "300", "--graceful-timeout", "5"],
            # The export follows ~100 pages of 10,000 per client: over the per-IP limit on
            # expensive queries, which stays on (its check is part of each request's cost).
            env={**base_env, "DATABASE_URL": url, "PYTHONPATH": str(ROOT),
                 "WEBGIS_WEB_EXPENSIVE_QUERY_RATE_LIMIT": "1000000 per minute", **admin_access.SERVER_ENV},
            ready_path="/healthz",
            collection_path=f"/collections/{LAYER}",
            query={"f": "json"}, item_query={"f": "json"},
            tile_template=f"/collections/{LAYER}/tiles/WebMercatorQuad/{{z}}/{{x}}/{{y}}",
            headers=dict(admin_access.HEADERS),  # sample_points is data for testing: admins only
        )
    if "platform-uncached" in names:
        platform = Server(**{**servers.get("platform", make_servers(["platform"], url, workers, out)["platform"]).__dict__})
        platform.name, platform.port = "platform-uncached", 0
        platform.env = {**platform.env, "WEBGIS_WEB_TILE_CACHE_MAX_ZOOM": "-1"}
        servers["platform-uncached"] = platform
    if "tipg" in names:
        venv = VENVS / "tipg"
        servers["tipg"] = Server(
            name="tipg",
            command=[str(venv / "bin/uvicorn"), "tipg.main:app", "--host", "127.0.0.1", "--port", "{port}",
                     "--workers", str(workers), "--no-access-log", "--log-level", "warning"],
            env={**base_env, "DATABASE_URL": url,
                 "TIPG_DB_SCHEMAS": '["layers"]', "TIPG_DB_TABLES": f'["{TABLE}"]',
                 "TIPG_DB_FUNCTIONS": "[]", "TIPG_DB_EXCLUDE_FUNCTION_SCHEMAS": '["public", "layers"]',
                 f"TIPG_TABLE_CONFIG__layers_{LAYER}__pk": "fid",
                 f"TIPG_TABLE_CONFIG__layers_{LAYER}__properties": json.dumps(PROPERTIES),
                 "TIPG_MAX_FEATURES_PER_QUERY": str(EXPORT_LIMIT),
                 "TIPG_DEBUG": "FALSE"},
            ready_path="/healthz",
            collection_path=f"/collections/{TABLE}",
            query={"f": "geojson"}, item_query={"f": "geojson"},
            tile_template=f"/collections/{TABLE}/tiles/WebMercatorQuad/{{z}}/{{x}}/{{y}}",
        )
    if "pygeoapi" in names:
        venv = VENVS / "pygeoapi"
        config = out / "pygeoapi.config.yml"
        openapi = out / "pygeoapi.openapi.yml"
        server = Server(
            name="pygeoapi",
            command=[str(venv / "bin/gunicorn"), "pygeoapi.flask_app:APP", "--bind", "127.0.0.1:{port}",
                     "--workers", str(workers), "--timeout", "300", "--graceful-timeout", "5"],
            env={**base_env, "PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)},
            ready_path="/?f=json",
            collection_path=f"/collections/{LAYER}",
            query={"f": "json"}, item_query={"f": "json"},
            # OGC API Tiles order: {tileMatrix}/{tileRow}/{tileCol} = z/y/x
            tile_template=(f"/collections/{LAYER}/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}?f=mvt"
                           if pygeoapi_tiles else None),
            tile_note=PYGEOAPI_TILE_NOTE,
        )
        server.port = free_port()
        write_pygeoapi_config(server, parsed, config, openapi, venv)
        servers["pygeoapi"] = server
    for server in servers.values():
        if not server.port:
            server.port = free_port()
    return servers


def write_pygeoapi_config(server: Server, parsed: Any, config: Path, openapi: Path, venv: Path) -> None:
    import yaml

    data = {"host": parsed.host or "127.0.0.1", "port": parsed.port or 5432, "dbname": parsed.database,
            "user": parsed.username or "postgres", "password": parsed.password or "",
            "search_path": ["layers", "public"]}
    provider = {"data": data, "id_field": "fid", "table": LAYER, "geom_field": "geom"}
    doc = {
        "server": {
            "bind": {"host": "127.0.0.1", "port": server.port},
            "url": f"http://127.0.0.1:{server.port}",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "gzip": False,
            "languages": ["en-US"],
            "pretty_print": False,
            "limits": {"default_items": 10, "max_items": EXPORT_LIMIT, "on_exceed": "throttle"},
            "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attribution": "OpenStreetMap"},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {"title": "Medan WebGIS benchmark", "description": "pygeoapi peer",
                               "keywords": ["benchmark"], "keywords_type": "theme",
                               "terms_of_service": "none", "url": "http://127.0.0.1"},
            "license": {"name": "CC0", "url": "https://creativecommons.org/publicdomain/zero/1.0/"},
            "provider": {"name": "bench", "url": "http://127.0.0.1"},
            "contact": {"name": "bench", "position": "bench", "address": "-", "city": "Medan",
                        "stateorprovince": "Sumatera Utara", "postalcode": "20000", "country": "Indonesia",
                        "phone": "+62", "fax": "+62", "email": "bench@example.org", "url": "http://127.0.0.1",
                        "hours": "-", "instructions": "-", "role": "pointOfContact"},
        },
        "resources": {
            LAYER: {
                "type": "collection",
                "title": "Sample points",
                "description": "SYNTHETIC points for performance tests",
                "keywords": ["benchmark"],
                "extents": {"spatial": {"bbox": [98.59, 3.48, 98.74, 3.81],
                                        "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
                "providers": [
                    {"type": "feature", "name": "PostgreSQL", **provider, "properties": PROPERTIES},
                    {"type": "tile", "name": "MVT-postgresql", **provider,
                     # no "schemes" option: pygeoapi 0.21 passes list options to its (cached) get_engine and fails;
                     # MVTPostgreSQLProvider lists WebMercatorQuad and WorldCRS84Quad itself.
                     "options": {"zoom": {"min": 0, "max": 22}},
                     "format": {"name": "pbf", "mimetype": "application/vnd.mapbox-vector-tile"}},
                ],
            },
        },
    }
    config.write_text(yaml.safe_dump(doc, sort_keys=False))
    result = subprocess.run([str(venv / "bin/pygeoapi"), "openapi", "generate", str(config),
                             "--output-file", str(openapi)],
                            env={**os.environ, "PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)},
                            capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"pygeoapi openapi generate failed:\n{result.stdout}\n{result.stderr}")


# ---------------------------------------------------------------- HTTP helpers

def http_get(port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 60,
             conn: http.client.HTTPConnection | None = None) -> tuple[int, dict[str, str], bytes]:
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body
    finally:
        if own:
            conn.close()


NEXT_RE = re.compile(rb'"rel"\s*:\s*"next"')
FEATURE_RE = re.compile(rb'"Feature"')


def next_link(body: bytes) -> str | None:
    """The href of the rel=next link, found without parsing the whole (large) document."""
    for match in NEXT_RE.finditer(body):
        start = body.rfind(b"{", 0, match.start())
        end = body.find(b"}", match.end())
        if start < 0 or end < 0:
            continue
        try:
            link = json.loads(body[start:end + 1])
        except ValueError:
            continue
        if isinstance(link, dict) and link.get("href"):
            return link["href"]
    return None


def count_features(body: bytes) -> int:
    return len(FEATURE_RE.findall(body))


def as_path(href: str) -> str:
    parts = urllib.parse.urlsplit(href)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# ---------------------------------------------------------------- probes

PROBE_TIMEOUT = 60.0


def probe(server: Server, kind: str, paths: list[str] | None, work: Workload) -> dict:
    """First request of a kind: available or not, and what one answer holds (to compare servers)."""
    if paths is None:
        return {"available": False, "why": server.tile_note or "the server has no such endpoint"}
    try:
        t0 = time.perf_counter()
        status, headers, body = http_get(server.port, paths[0], server.headers, timeout=PROBE_TIMEOUT)
    except OSError as exc:
        return {"available": False, "why": f"no answer within {PROBE_TIMEOUT:.0f} s ({exc})"}
    info: dict[str, Any] = {"status": status, "bytes": len(body), "content_type": headers.get("content-type", ""),
                            "seconds": time.perf_counter() - t0}
    if not 200 <= status < 300:
        info.update(available=False, why=f"HTTP {status}", body=body[:300].decode(errors="replace"))
        return info
    info["available"] = True
    if kind in ("items", "item"):
        try:
            doc = json.loads(body)
        except ValueError:
            info.update(available=False, why=f"HTTP {status} but not JSON")
            return info
        if kind == "items":
            info["features"] = len(doc.get("features", []))
            info["numberMatched"] = doc.get("numberMatched")
            props = doc["features"][0]["properties"] if doc.get("features") else {}
        else:
            info["id"] = doc.get("id")
            props = doc.get("properties", {})
            if str(doc.get("id")) != str(work.fids[0]):
                info["warning"] = f"asked for {work.fids[0]}, got id {doc.get('id')}"
        info["properties"] = sorted(props)
    return info


# ---------------------------------------------------------------- wrk driver

def wrk_cell(server: Server, paths: list[str], concurrency: int, duration: float, tmp: Path) -> dict:
    req_file = tmp / f"{server.name}-requests.txt"
    req_file.write_text("\n".join(paths) + "\n")
    threads = min(concurrency, 2)
    command = ["wrk", "-t", str(threads), "-c", str(concurrency), "-d", f"{max(1, round(duration))}s",
               "--timeout", "120s", "-s", str(PEERS_DIR / "cycle.lua")]
    for k, v in server.headers.items():
        command += ["-H", f"{k}: {v}"]
    command += [f"http://127.0.0.1:{server.port}", "--", str(req_file), str(threads)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=duration + 180)
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    raw = json.loads(line[len("WRKJSON "):])
    seconds = raw["duration_us"] / 1e6
    ok = sum(v for k, v in raw["statuses"].items() if 200 <= int(k) < 300)
    lat = raw["latency_us"]
    return {
        "rate": ok / seconds if seconds else 0.0,
        "requests": raw["requests"], "ok": ok, "seconds": seconds,
        "p50": lat["p50"] / 1000, "p95": lat["p95"] / 1000, "p99": lat["p99"] / 1000,
        "mean": lat["mean"] / 1000, "max": lat["max"] / 1000,
        "bytes_per_request": raw["bytes"] / raw["requests"] if raw["requests"] else 0,
        "statuses": raw["statuses"], "errors": raw["errors"], "driver": "wrk",
        "tile_cache": raw.get("tile_cache") or None,
    }


# ---------------------------------------------------------------- tiles with the platform's cache cold

def clear_tile_cache(url: str) -> bool:
    """Empty the platform's tile cache in the benchmark database (False when it has none)."""
    import psycopg2

    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT to_regclass('tiles.cache')")
        if cur.fetchone()[0] is None:
            return False
        cur.execute("DELETE FROM tiles.cache")
    conn.close()
    return True


def cold_tiles_cell(server: Server, paths: list[str], concurrency: int, duration: float, url: str) -> dict:
    """Every distinct tile once per round, the cache emptied before each round (not timed)."""
    import threading
    from collections import Counter

    tiles = list(dict.fromkeys(paths))
    conns = [http.client.HTTPConnection("127.0.0.1", server.port, timeout=300) for _ in range(concurrency)]
    latencies: list[float] = []
    statuses: Counter = Counter()
    caches: Counter = Counter()
    nbytes = 0
    lock = threading.Lock()

    def worker(k: int, todo: list[str]) -> None:
        nonlocal nbytes
        while True:
            with lock:
                if not todo:
                    return
                path = todo.pop()
            t0 = time.perf_counter()
            status, headers, body = http_get(server.port, path, server.headers, conn=conns[k])
            elapsed = time.perf_counter() - t0
            with lock:
                latencies.append(elapsed)
                statuses[str(status)] += 1
                caches[headers.get("x-tile-cache", "none")] += 1
                nbytes += len(body)

    timed = 0.0
    rounds = 0
    give_up = time.monotonic() + 4 * duration + 60
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        while timed < duration and time.monotonic() < give_up:
            clear_tile_cache(url)
            todo = list(reversed(tiles))
            t0 = time.perf_counter()
            list(pool.map(worker, range(concurrency), [todo] * concurrency))
            timed += time.perf_counter() - t0
            rounds += 1
    for conn in conns:
        conn.close()
    ms = np.array(latencies) * 1000
    ok = sum(v for k, v in statuses.items() if 200 <= int(k) < 300)
    return {
        "rate": ok / timed if timed else 0.0, "requests": len(latencies), "ok": ok, "seconds": timed,
        "rounds": rounds, "distinct_tiles": len(tiles),
        "p50": float(np.percentile(ms, 50)), "p95": float(np.percentile(ms, 95)), "p99": float(np.percentile(ms, 99)),
        "mean": float(ms.mean()), "bytes_per_request": nbytes / len(latencies) if latencies else 0,
        "statuses": dict(statuses), "tile_cache": dict(caches), "driver": "http.client rounds, cache emptied per round",
    }


def warm_tiles(server: Server, paths: list[str]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
    try:
        for path in dict.fromkeys(paths):
            http_get(server.port, path, server.headers, conn=conn)
    finally:
        conn.close()


def cancel_queries(url: str) -> int:
    """Cancel what a stopped server left running in the benchmark database (only there)."""
    import psycopg2

    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(pg_cancel_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'")
        n = cur.fetchone()[0]
    conn.close()
    return n


# ---------------------------------------------------------------- export driver (HTTP)

def _export_chain(port: int, first: str, want: int | None, deadline: float, headers: dict[str, str]) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    path: str | None = first
    features = pages = retries = 0
    latencies: list[float] = []
    error = None
    try:
        while path and (want is None or features < want):
            if time.monotonic() > deadline:
                error = "timeout"
                break
            t0 = time.perf_counter()
            try:
                status, _h, body = http_get(port, path, headers, conn=conn)
            except (http.client.RemoteDisconnected, ConnectionResetError):
                # a server may close a keep-alive connection it was too busy to read from: a real client
                # (GDAL, OWSLib) reconnects, so do we, once per page, and count it
                retries += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
                status, _h, body = http_get(port, path, headers, conn=conn)
            latencies.append(time.perf_counter() - t0)
            if status != 200:
                error = f"HTTP {status} at {path}: {body[:200].decode(errors='replace')}"
                break
            n = count_features(body)
            features += n
            pages += 1
            href = next_link(body)
            if n == 0:
                break
            path = as_path(href) if href else None
    except OSError as exc:
        error = f"{type(exc).__name__}: {exc}"
    finally:
        conn.close()
    return {"features": features, "pages": pages, "latencies": latencies, "error": error, "retries": retries}


def export_cell(server: Server, work: Workload, concurrency: int, timeout: float) -> dict:
    total = work.total
    share = math.ceil(total / concurrency / EXPORT_LIMIT) * EXPORT_LIMIT
    chains = []
    for k in range(concurrency):
        offset = k * share
        if offset >= total:
            break
        last = offset + share >= total
        chains.append((server.items_path(None, EXPORT_LIMIT, offset), None if last else share))
    deadline = time.monotonic() + timeout
    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(len(chains)) as pool:
        results = list(pool.map(lambda c: _export_chain(server.port, c[0], c[1], deadline, server.headers), chains))
    seconds = time.perf_counter() - t0
    return summarize_export(results, seconds, total)


def summarize_export(results: list[dict], seconds: float, total: int) -> dict:
    features = sum(r["features"] for r in results)
    latencies = np.array([x for r in results for x in r["latencies"]] or [0.0]) * 1000
    errors = [r["error"] for r in results if r["error"]]
    return {
        "rate": features / seconds if seconds else 0.0, "features": features, "expected": total,
        "pages": sum(r["pages"] for r in results), "seconds": seconds,
        "p50": float(np.percentile(latencies, 50)), "p95": float(np.percentile(latencies, 95)),
        "p99": float(np.percentile(latencies, 99)), "errors": errors, "driver": "http.client",
        "complete": features == total and not errors,
        "reconnects": sum(r.get("retries", 0) for r in results),
    }


# ---------------------------------------------------------------- raw PostGIS (psycopg2)

FEATURE_SQL = ("json_build_object('type', 'Feature', 'id', fid, 'geometry', ST_AsGeoJSON(geom)::json, "
               "'properties', json_build_object(" + ", ".join(f"'{p}', {p}" for p in PROPERTIES) + "))")
COLUMNS = ", ".join(["fid", *PROPERTIES, "geom"])
RAW_SQL = {
    "items": (
        f"WITH hits AS (SELECT {COLUMNS} FROM {TABLE} "
        f"WHERE ST_Intersects(geom, ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326)) "
        f"ORDER BY fid LIMIT {ITEMS_LIMIT}) "
        f"SELECT json_build_object('type', 'FeatureCollection', "
        f"'numberMatched', (SELECT count(*) FROM {TABLE} "
        f"WHERE ST_Intersects(geom, ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326))), "
        f"'numberReturned', (SELECT count(*) FROM hits), "
        f"'features', COALESCE((SELECT json_agg({FEATURE_SQL}) FROM hits), '[]'::json))::text"
    ),
    "item": f"SELECT {FEATURE_SQL}::text FROM {TABLE} WHERE fid = %(fid)s",
    # tipg's tile SQL (tipg/collections.py get_tile): clip, buffer 256, extent 4096, ORDER BY pk LIMIT 10000
    "tile": (
        f"WITH t AS (SELECT fid, {', '.join(PROPERTIES)}, "
        f"ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4096, 256, true) AS geom "
        f"FROM {TABLE} WHERE ST_Intersects(geom, ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4326)) "
        f"ORDER BY fid LIMIT {TILE_LIMIT}) "
        f"SELECT ST_AsMVT(t.*, 'default') FROM t"
    ),
    "export": (
        f"WITH page AS (SELECT {COLUMNS} FROM {TABLE} WHERE fid > %(after)s AND fid <= %(upto)s "
        f"ORDER BY fid LIMIT {EXPORT_LIMIT}) "
        f"SELECT (SELECT max(fid) FROM page), (SELECT count(*) FROM page), "
        f"json_build_object('type', 'FeatureCollection', "
        f"'features', COALESCE((SELECT json_agg({FEATURE_SQL}) FROM page), '[]'::json))::text"
    ),
}


def raw_params(kind: str, work: Workload) -> list[dict]:
    if kind == "items":
        return [dict(zip(("x0", "y0", "x1", "y1"), b, strict=True)) for b in work.bboxes]
    if kind == "item":
        return [{"fid": f} for f in work.fids]
    if kind.startswith("tile_z"):
        return [{"z": z, "x": x, "y": y} for z, x, y in work.tiles[int(kind[6:])]]
    raise ValueError(kind)


def _raw_worker(url: str, kind: str, params: list[dict], start_index: int, start_at: float,
                duration: float) -> dict:
    import psycopg2

    conn = psycopg2.connect(url)
    conn.autocommit = True
    cur = conn.cursor()
    sql = RAW_SQL["tile" if kind.startswith("tile") else kind]
    latencies = []
    nbytes = 0
    i = start_index
    while time.time() < start_at:
        time.sleep(0.001)
    end = start_at + duration
    while True:
        t0 = time.perf_counter()
        if time.time() >= end:
            break
        cur.execute(sql, params[i % len(params)])
        row = cur.fetchone()
        latencies.append(time.perf_counter() - t0)
        value = row[0] if row else None
        nbytes += len(value) if value is not None else 0
        i += 1
    conn.close()
    return {"latencies": latencies, "bytes": nbytes}


def _raw_export_worker(url: str, after: int, upto: int, deadline: float) -> dict:
    import psycopg2

    conn = psycopg2.connect(url)
    conn.autocommit = True
    cur = conn.cursor()
    features = pages = 0
    latencies = []
    error = None
    while True:
        if time.time() > deadline:
            error = "timeout"
            break
        t0 = time.perf_counter()
        cur.execute(RAW_SQL["export"], {"after": after, "upto": upto})
        last, n, _doc = cur.fetchone()
        latencies.append(time.perf_counter() - t0)
        if not n:
            break
        features += n
        pages += 1
        after = last
    conn.close()
    return {"features": features, "pages": pages, "latencies": latencies, "error": error}


def raw_cell(url: str, kind: str, work: Workload, concurrency: int, duration: float, timeout: float) -> dict:
    ctx = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(concurrency, mp_context=ctx) as pool:
        if kind == "export":
            span = work.max_fid - work.min_fid + 1
            share = math.ceil(span / concurrency)
            deadline = time.time() + timeout
            t0 = time.perf_counter()
            futures = [pool.submit(_raw_export_worker, url, work.min_fid - 1 + k * share,
                                   work.min_fid - 1 + (k + 1) * share, deadline) for k in range(concurrency)]
            results = [f.result() for f in futures]
            return summarize_export(results, time.perf_counter() - t0, work.total)
        params = raw_params(kind, work)
        start_at = time.time() + 1.0 + 0.05 * concurrency  # all clients connected before the clock starts
        futures = [pool.submit(_raw_worker, url, kind, params, len(params) * k // concurrency, start_at, duration)
                   for k in range(concurrency)]
        results = [f.result() for f in futures]
    latencies = np.array([x for r in results for x in r["latencies"]]) * 1000
    count = len(latencies)
    return {
        "rate": count / duration, "requests": count, "seconds": duration,
        "p50": float(np.percentile(latencies, 50)), "p95": float(np.percentile(latencies, 95)),
        "p99": float(np.percentile(latencies, 99)), "mean": float(latencies.mean()),
        "bytes_per_request": sum(r["bytes"] for r in results) / count if count else 0,
        "driver": "psycopg2 processes",
    }


# ---------------------------------------------------------------- wrk ceiling

def wrk_self_check(duration: float, tmp: Path) -> dict | None:
    """wrk against a static answer from a tiny asyncio server: the driver's own ceiling on this machine."""
    script = tmp / "tiny_server.py"
    script.write_text(
        "import asyncio, sys\n"
        "BODY = b'{\"type\":\"Feature\"}'\n"
        "RESP = b'HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\nContent-Length: ' + str(len(BODY)).encode() + b'\\r\\n\\r\\n' + BODY\n"
        "async def handle(r, w):\n"
        "    try:\n"
        "        while True:\n"
        "            data = await r.readuntil(b'\\r\\n\\r\\n')\n"
        "            w.write(RESP)\n"
        "    except Exception:\n"
        "        w.close()\n"
        "async def main():\n"
        "    s = await asyncio.start_server(handle, '127.0.0.1', int(sys.argv[1]))\n"
        "    async with s: await s.serve_forever()\n"
        "asyncio.run(main())\n")
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(script), str(port)], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        fake = Server(name="selfcheck", command=[], env={}, ready_path="/", collection_path="",
                      query={}, item_query={}, tile_template=None, port=port)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                http_get(port, "/", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        return wrk_cell(fake, ["/x"], 8, duration, tmp)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(5)


# ---------------------------------------------------------------- reporting

def median_of_rounds(rounds: list[dict[str, dict]]) -> dict[str, dict]:
    """Per server, kind and concurrency, the cell of the round with the median rate (the
    lower middle one for an even count), carrying every round's rate as `round_rates`."""
    merged: dict[str, dict] = {}
    for results in rounds:
        for name, kinds in results.items():
            for kind, cells in kinds.items():
                for c, cell in cells.items():
                    merged.setdefault(name, {}).setdefault(kind, {}).setdefault(c, []).append(cell)
    for kinds in merged.values():
        for cells in kinds.values():
            for c, candidates in cells.items():
                measured = sorted((cell for cell in candidates if "rate" in cell), key=lambda cell: cell["rate"])
                if not measured:
                    cells[c] = candidates[-1]
                    continue
                cells[c] = {**measured[(len(measured) - 1) // 2], "round_rates": [cell["rate"] for cell in candidates
                                                                                 if "rate" in cell]}
    return merged


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def loadavg() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def fmt_rate(v: float) -> str:
    return f"{v:,.0f}" if v >= 100 else f"{v:,.1f}"


def markdown(results: dict, servers: list[str], kinds: list[str], concurrencies: list[int]) -> str:
    lines = []
    if "platform" in servers and "platform cache miss" in results:
        servers = [*servers]
        servers.insert(servers.index("platform") + 1, "platform cache miss")
    for kind in kinds:
        rows = []
        for name in servers:
            label = name
            if kind.startswith("tile_") and name == "platform":
                label = "platform (cache warm)"
            elif name == "platform cache miss":
                label = "platform (cache miss: render and store)"
            elif name == "platform-uncached":
                label = "platform (no cache: render)"
            for c in concurrencies:
                cell = results.get(name, {}).get(kind, {}).get(str(c))
                if cell is None:
                    continue
                raw = results.get("raw", {}).get(kind, {}).get(str(c)) or {}
                if not cell.get("available", True) or "rate" not in cell:
                    why = " ".join(str(cell.get("why", "not available")).split()).replace("|", "/")[:300]
                    rows.append(f"| {label} | {c} | not available | | | | | {why} |")
                    continue
                ratio = f"{cell['rate'] / raw['rate']:.2f}×" if raw.get("rate") and name != "raw" else ("1" if name == "raw" else "–")
                note = []
                if cell.get("statuses"):
                    bad = {k: v for k, v in cell["statuses"].items() if not 200 <= int(k) < 300}
                    if bad:
                        note.append("non-2xx " + ", ".join(f"{k}×{v}" for k, v in bad.items()))
                    if "204" in cell["statuses"]:
                        note.append(f"204×{cell['statuses']['204']}")
                if cell.get("tile_cache"):
                    note.append("cache " + ", ".join(f"{k}×{v}" for k, v in cell["tile_cache"].items()))
                if cell.get("errors") and isinstance(cell["errors"], list):
                    note.append("; ".join(cell["errors"])[:120])
                if cell.get("reconnects"):
                    note.append(f"{cell['reconnects']} dropped keep-alive connections reopened")
                if kind == "export" and not cell.get("complete", True):
                    note.append(f"partial: {cell['features']:,}/{cell['expected']:,} features")
                if len(cell.get("round_rates", [])) > 1:
                    note.append("median of rounds " + ", ".join(fmt_rate(r) for r in cell["round_rates"]))
                if cell.get("bytes_per_request"):
                    note.append(f"{cell['bytes_per_request'] / 1024:,.1f} KiB/resp")
                rows.append(f"| {label} | {c} | {fmt_rate(cell['rate'])} | {cell['p50']:.1f} | {cell['p95']:.1f} | "
                            f"{cell['p99']:.1f} | {ratio} | {'; '.join(note)} |")
        if rows:
            unit = "features/s" if kind == "export" else "req/s"
            lines += [f"### {KIND_TITLES[kind]}", "",
                      f"| server | conc. | {unit} | p50 ms | p95 ms | p99 ms | rate vs raw | notes |",
                      "|---|---:|---:|---:|---:|---:|---:|---|", *rows, ""]
    return "\n".join(lines)


# ---------------------------------------------------------------- main

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--points", type=int, default=1_000_000)
    p.add_argument("--duration", type=float, default=15.0, help="seconds per cell (default 15)")
    p.add_argument("--warmup", type=float, default=2.0, help="seconds of discarded load per server and kind")
    p.add_argument("--workers", type=int, default=2, help="worker processes per server (default 2)")
    p.add_argument("--concurrency", default="1,8")
    p.add_argument("--servers", default=",".join(ALL_SERVERS), help=f"subset of {','.join(ALL_SERVERS)}")
    p.add_argument("--kinds", default=",".join(ALL_KINDS), help=f"subset of {','.join(ALL_KINDS)}")
    p.add_argument("--export-timeout", type=float, default=240.0, help="seconds at most per export cell")
    p.add_argument("--max-minutes", type=float, default=60.0, help="skip the remaining cells past this")
    p.add_argument("--rounds", type=int, default=1,
                   help="measure everything this many times, servers in turn each round, and report per cell the "
                        "round with the median rate (this machine's figures move by 10-15%% between runs)")
    p.add_argument("--seed", type=int, default=20240601)
    p.add_argument("--database-url")
    p.add_argument("--pygeoapi-tiles", action="store_true", help="try pygeoapi's MVT-postgresql tiles (very slow)")
    p.add_argument("--fresh-db", action="store_true", help=f"drop and recreate {BENCH_DATABASE} first")
    p.add_argument("--from-head", action="store_true",
                   help="run the committed code (git archive HEAD into benchmarks/out/src-<commit>) for the "
                        "migrations, the data load and the platform, unaffected by uncommitted edits in the work tree")
    p.add_argument("--prepare-only", action="store_true", help="set up, create and load the database, then stop")
    p.add_argument("--skip-setup", action="store_true", help="do not run benchmarks/peers/setup.sh")
    p.add_argument("--out", type=Path, default=OUT_DIR)
    return p.parse_args(argv)


def run_from_head(argv: list[str]) -> int:
    """Re-run this benchmark from a snapshot of the committed tree (same arguments, minus --from-head)."""
    commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout.strip()
    src = OUT_DIR / f"src-{commit}"
    if not (src / "benchmarks" / "bench_ogcapi.py").exists():
        src.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", "--format=tar", "HEAD"], cwd=ROOT, check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True)
    log(f"running the committed tree {commit} from {src}")
    env = {**os.environ, "PYTHONPATH": str(src), "BENCH_OGCAPI_HOME": str(HOME)}
    rest = [a for a in argv if a != "--from-head"]
    if "--database-url" not in rest and not any(a.startswith("--database-url=") for a in rest):
        # the snapshot has no .var: the database is the work tree's (started here if it is the local cluster)
        rest += ["--database-url", default_database_url()]
    return subprocess.run([sys.executable, str(src / "benchmarks" / "bench_ogcapi.py"), *rest],
                          cwd=src, env=env).returncode


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.from_head:
        return run_from_head(argv)
    started = time.monotonic()
    names = [s for s in args.servers.split(",") if s]
    kinds = [k for k in args.kinds.split(",") if k]
    concurrencies = [int(c) for c in args.concurrency.split(",")]
    for name in names:
        if name not in ALL_SERVERS:
            raise SystemExit(f"unknown server {name!r}")
    for kind in kinds:
        if kind not in ALL_KINDS:
            raise SystemExit(f"unknown kind {kind!r}")
    args.out.mkdir(parents=True, exist_ok=True)
    peers = [n for n in names if n in ("tipg", "pygeoapi")]
    if peers and not args.skip_setup:
        log("setting up the peers (benchmarks/peers/setup.sh)")
        subprocess.run(["bash", str(PEERS_DIR / "setup.sh")], check=True)
    url = args.database_url or default_database_url()
    log(f"database {make_url(url).render_as_string(hide_password=True)}")
    prepare_database(url, args.points, args.seed, args.fresh_db)
    if args.prepare_only:
        log("prepared; --prepare-only: stopping here")
        return 0
    warm_database(url)
    work = make_workload(url, args.seed)
    log(f"workload: {work.to_json()}")

    load_before = os.getloadavg()
    report: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "points": work.total, "duration": args.duration,
        "workers": args.workers, "concurrency": concurrencies, "seed": args.seed, "cpus": os.cpu_count(),
        "loadavg_before": load_before, "workload": work.to_json(), "probes": {}, "rounds": args.rounds,
        "versions": {"tipg": "1.6.1", "pygeoapi": "0.21.0"},
    }

    def out_of_time() -> bool:
        return time.monotonic() - started > args.max_minutes * 60

    with tempfile.TemporaryDirectory(prefix="bench_ogcapi-") as tmpdir:
        tmp = Path(tmpdir)
        log("wrk self-check against a trivial server")
        report["wrk_selfcheck"] = wrk_self_check(min(args.duration, 5), tmp)
        log(f"  wrk ceiling here: {report['wrk_selfcheck']['rate']:,.0f} req/s at concurrency 8")

        def one_round() -> dict[str, dict]:
            results: dict[str, dict] = {}
            if "raw" in names:
                results["raw"] = {}
                for kind in kinds:
                    results["raw"][kind] = {}
                    for c in concurrencies:
                        if out_of_time():
                            results["raw"][kind][str(c)] = {"available": False, "why": "skipped: --max-minutes reached"}
                            continue
                        if kind != "export" and args.warmup:
                            raw_cell(url, kind, work, c, args.warmup, args.export_timeout)
                        cell = raw_cell(url, kind, work, c, args.duration, args.export_timeout)
                        cell["loadavg"] = os.getloadavg()
                        results["raw"][kind][str(c)] = cell
                        log(f"raw       {kind:<8} c={c}: {fmt_rate(cell['rate'])}/s p50 {cell['p50']:.1f} ms")

            servers = make_servers([n for n in names if n != "raw"], url, args.workers, args.out, args.pygeoapi_tiles)
            for name in [n for n in names if n != "raw"]:
                server = servers[name]
                results[name] = {}
                report["probes"][name] = {}
                try:
                    log(f"starting {name} on 127.0.0.1:{server.port} ({args.workers} workers)")
                    server.start(args.out)
                    server.wait_ready()
                    for kind in kinds:
                        if name == "platform-uncached" and not kind.startswith("tile_"):
                            continue  # the same server as "platform" for everything but tiles
                        results[name][kind] = {}
                        if kind == "export":
                            first = server.items_path(None, EXPORT_LIMIT)
                            info = probe(server, "items", [first], work)
                            report["probes"][name][kind] = info
                            if info.get("available") and info.get("features", 0) < min(EXPORT_LIMIT, work.total):
                                info.update(available=False, why=f"limit={EXPORT_LIMIT} returned {info.get('features')} features")
                        else:
                            paths = server.paths(kind, work)
                            info = probe(server, kind, paths, work)
                            report["probes"][name][kind] = info
                        if not info.get("available"):
                            log(f"{name:<9} {kind:<8} not available: {info.get('why')}")
                            for c in concurrencies:
                                results[name][kind][str(c)] = {"available": False, "why": info.get("why")}
                            continue
                        if kind.startswith("tile_") and name == "platform" and clear_tile_cache(url):
                            # the platform caches tiles up to z16: measure it cold, then warm
                            cold = results.setdefault("platform cache miss", {}).setdefault(kind, {})
                            for c in concurrencies:
                                if out_of_time():
                                    cold[str(c)] = {"available": False, "why": "skipped: --max-minutes reached"}
                                    continue
                                cell = cold_tiles_cell(server, paths, c, args.duration, url)
                                cell["loadavg"] = os.getloadavg()
                                cold[str(c)] = cell
                                log(f"{name:<9} {kind:<8} c={c} cache cold: {fmt_rate(cell['rate'])}/s "
                                    f"p50 {cell['p50']:.1f} ms {cell['tile_cache']} ({cell['rounds']} rounds)")
                            warm_tiles(server, paths)
                        if kind != "export" and args.warmup:
                            wrk_cell(server, paths, 2, args.warmup, tmp)
                        for c in concurrencies:
                            if out_of_time():
                                results[name][kind][str(c)] = {"available": False, "why": "skipped: --max-minutes reached"}
                                continue
                            if kind == "export":
                                cell = export_cell(server, work, c, args.export_timeout)
                            else:
                                cell = wrk_cell(server, paths, c, args.duration, tmp)
                            cell["loadavg"] = os.getloadavg()
                            results[name][kind][str(c)] = cell
                            log(f"{name:<9} {kind:<8} c={c}: {fmt_rate(cell['rate'])}/s p50 {cell['p50']:.1f} ms"
                                + (f" statuses {cell['statuses']}" if cell.get("statuses") else "")
                                + (f" cache {cell['tile_cache']}" if cell.get("tile_cache") else "")
                                + (f" errors {cell['errors']}" if cell.get("errors") else ""))
                except Exception as exc:  # noqa: BLE001 - one server failing must not lose the others' figures
                    log(f"{name} failed: {exc}")
                    report.setdefault("failures", {})[name] = str(exc)
                    for kind in kinds:
                        for c in concurrencies:
                            results[name].setdefault(kind, {}).setdefault(str(c), {"available": False, "why": f"server failed: {str(exc)[:80]}"})
                finally:
                    server.stop()
                    cancelled = cancel_queries(url)
                    if cancelled:
                        log(f"cancelled {cancelled} queries {name} left running")
            return results

        rounds = []
        for number in range(1, args.rounds + 1):
            if args.rounds > 1:
                log(f"round {number} of {args.rounds}")
            rounds.append(one_round())
        report["results"] = results = median_of_rounds(rounds)

    report["loadavg_after"] = os.getloadavg()
    report["minutes"] = (time.monotonic() - started) / 60
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = args.out / f"bench_ogcapi-{stamp}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    header = [
        f"## OGC API benchmark: {work.total:,} points, {args.workers} workers per server, "
        f"{args.duration:g} s per cell, {os.cpu_count()} CPUs",
        "",
        f"load average before {' '.join(f'{v:.2f}' for v in load_before)}, after {loadavg()}; "
        f"wrk ceiling on this machine {report['wrk_selfcheck']['rate']:,.0f} req/s (c=8, trivial server); "
        f"total {report['minutes']:.1f} min",
        "",
    ]
    for name in names:
        for kind, info in report["probes"].get(name, {}).items():
            if info.get("available") and kind in ("items", "item"):
                header.append(f"- {name} {kind}: first answer {info.get('bytes', 0):,} bytes"
                              + (f", {info['features']} features of {info.get('numberMatched')} matched" if kind == "items" else "")
                              + f", properties {info.get('properties')}" + (f" — {info['warning']}" if info.get("warning") else ""))
    print("\n".join(header) + "\n\n" + markdown(results, names, kinds, concurrencies))
    print(f"\nJSON: {path.relative_to(HOME) if path.is_relative_to(HOME) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
