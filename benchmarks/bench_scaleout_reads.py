"""Reads through the balancer: 1 vs 2 web instances, 0 vs 1 read replica, side by side.

    WEBGIS_PG_PORT=25491 .venv/bin/python -m benchmarks.bench_scaleout_reads \\
        [--seconds 10] [--concurrency 8] [--workers 2] [--port 25494] [--replica-port 25492]

The project-local cluster's `medan` database, seeded (`python -m webgis up` or `db migrate` +
`seed`). Each configuration is started as an operator would (webgis/cli/fleet.py: gunicorn
instances behind HAProxy, `--workers` per instance); the replica is made with
`db replica add` (geodata/replicas.py) for the replica rows and removed at the end. wrk
(C, so the client hardly competes for the two cores) drives, anonymously, in turn:

- `bbox items`: /collections/schools/items?bbox=... (50 features) over 40 windows of the city,
  read from a replica when one is in rotation;
- `tiles z14 (cached)`: kelurahan tiles out of the shared tile cache (the primary's: the
  cache is an UNLOGGED table, which replicas do not have), answered by the cached-tile lane;
- `tiles z17 (rendered)`: kelurahan tiles below the cache's zoom, rendered on each request,
  on a replica when one is in rotation.

"direct" is the one instance without HAProxy in front, for the balancer's own cost. Every
answer must be 2xx (wrk's non2xx count is printed); "replica xacts" is how many transactions
the replica ran during the row (pg_stat_database), the proof that its reads went there. On two cores the point is correctness and
overhead, not speed-up: the instances, HAProxy, the replica and wrk share the same CPUs.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import time

from config.settings import PROJECT_ROOT, get_settings
from webgis.cli.fleet import Fleet, FleetPlan, plan_fleet
from webgis.cli.serve import gunicorn_command

MEDAN = (98.60, 3.50, 98.74, 3.72)


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def workloads(seed: int = 22) -> dict[str, list[str]]:
    rng = random.Random(seed)
    bbox, z14, z17 = [], set(), set()
    for _ in range(40):
        lon, lat = rng.uniform(MEDAN[0], MEDAN[2] - 0.02), rng.uniform(MEDAN[1], MEDAN[3] - 0.02)
        bbox.append(f"/collections/schools/items?bbox={lon:.4f},{lat:.4f},{lon + 0.02:.4f},{lat + 0.02:.4f}&limit=50")
    for _ in range(60):
        lon, lat = rng.uniform(MEDAN[0], MEDAN[2]), rng.uniform(MEDAN[1], MEDAN[3])
        z14.add("/collections/kelurahan/tiles/WebMercatorQuad/14/{}/{}".format(*tile_of(lon, lat, 14)))
        z17.add("/collections/kelurahan/tiles/WebMercatorQuad/17/{}/{}".format(*tile_of(lon, lat, 17)))
    return {"bbox items": bbox, "tiles z14 (cached)": sorted(z14), "tiles z17 (rendered)": sorted(z17)}


def wrk(port: int, paths: list[str], seconds: int, concurrency: int) -> dict[str, float]:
    script = "paths = {" + ",".join(f'"{p}"' for p in paths) + "}\n" + (
        "i = 0\nrequest = function()\n  i = i % #paths + 1\n"
        "  return wrk.format(\"GET\", paths[i])\nend\n"
        "done = function(summary, latency, requests)\n"
        "  io.write(string.format(\"p50 %f p95 %f non2xx %d sockerr %d\\n\", latency:percentile(50),"
        " latency:percentile(95), summary.errors.status,"
        " summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))\nend\n")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    out = subprocess.run(["wrk", "-t2", f"-c{concurrency}", f"-d{seconds}s", "--timeout", "30s", "-s", f.name,
                          f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout
    os.unlink(f.name)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p = re.search(r"p50 ([\d.]+) p95 ([\d.]+) non2xx (\d+) sockerr (\d+)", out)
    return {"rps": rate, "p50": float(p.group(1)) / 1000, "p95": float(p.group(2)) / 1000,
            "errors": int(p.group(3)) + int(p.group(4))}


def warm(port: int, paths: list[str]) -> None:
    """Every path once (fills the tile cache for the cached rows)."""
    import urllib.request

    for path in paths:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=120) as answer:
            answer.read()


def transactions(url: str | None) -> int:
    """Transactions a server has run in its database so far (pg_stat_database); 0 without one."""
    if not url:
        return 0
    import psycopg2

    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()")
            return int(cur.fetchone()[0])
    finally:
        conn.close()


def run_configuration(plan: FleetPlan, loads: dict[str, list[str]], seconds: int, concurrency: int,
                      direct: bool, replica_url: str | None) -> dict[str, dict[str, dict[str, float]]]:
    fleet = Fleet(plan, gunicorn_command)
    fleet.start()
    try:
        time.sleep(2)  # the replica checks put it in rotation (two good checks)
        results: dict[str, dict[str, dict[str, float]]] = {}
        targets = [("balancer", plan.port)] + ([("direct", plan.instance_ports[0])] if direct else [])
        for target, port in targets:
            for name, paths in loads.items():
                warm(port, paths)
                before = transactions(replica_url)
                figures = wrk(port, paths, seconds, concurrency)
                figures["on_replica"] = transactions(replica_url) - before  # proof the reads went there
                results.setdefault(target, {})[name] = figures
        return results
    finally:
        fleet.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance")
    parser.add_argument("--port", type=int, default=None, help="HAProxy's port (instances on the next ones)")
    parser.add_argument("--replica-port", type=int, default=None)
    args = parser.parse_args()

    from geodata.replicas import add_replica, remove_replica
    from webgis.cli.common import running_database_url

    settings = get_settings()
    if args.port:
        settings.web.port = args.port
    database_url = running_database_url()
    replica_port = args.replica_port or settings.pg.port + 1
    loads = workloads()
    load_before = os.getloadavg()[0]
    rows: list[tuple[str, str, str, dict[str, float]]] = []
    for replicas in (0, 1):
        if replicas:
            remove_replica(settings.pg, replica_port)
            add_replica(settings.pg, replica_port)
        replica_url = (f"postgresql://{settings.pg.user}@{settings.pg.host}:{replica_port}/"
                       f"{settings.pg.database}") if replicas else None
        settings.db.replicas = replica_url or ""
        try:
            for instances in (1, 2):
                plan = plan_fleet(settings, database_url, instances, False, args.workers)
                plan.env["PYTHONPATH"] = str(PROJECT_ROOT)
                print(f"running {instances} instance(s), {replicas} replica(s)...", file=sys.stderr, flush=True)
                found = run_configuration(plan, loads, args.seconds, args.concurrency,
                                          direct=instances == 1 and replicas == 0, replica_url=replica_url)
                for target, figures in found.items():
                    for name, figure in figures.items():
                        rows.append((name, f"{instances} inst, {replicas} repl", target, figure))
        finally:
            if replicas:
                remove_replica(settings.pg, replica_port)
    report(rows, args, (load_before, os.getloadavg()[0]))


def report(rows: list[tuple[str, str, str, dict[str, float]]], args: argparse.Namespace,
           load: tuple[float, float]) -> None:
    print(f"\nreads through HAProxy, {args.workers} gunicorn workers per instance, wrk c={args.concurrency}, "
          f"{args.seconds} s each, {os.cpu_count()} cores, load average {load[0]:.1f} at start, {load[1]:.1f} at end "
          "(others' work on the machine moves every figure)")
    print(f"{'workload':22} {'configuration':18} {'via':9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7} "
          f"{'replica xacts':>13}")
    for name, configuration, target, f in sorted(rows, key=lambda r: (r[0], r[2], r[1])):
        print(f"{name:22} {configuration:18} {target:9} {f['rps']:8.0f} {f['p50']:8.1f} "
              f"{f['p95']:8.1f} {f['errors']:7d} {f['on_replica']:13d}")


if __name__ == "__main__":
    main()
