"""Every public layer loaded by real GIS clients, counting their requests and any refusal.

Issue 17 ("Limits that fit Indonesian networks"): a GDAL or QGIS session that loads
every public layer must not see a 429, with the limits the platform ships (not the
tests' generous ones). This script serves the platform on a local port (the
settings of the environment: its rate limits, its database), then

1. GDAL's OAPIF driver: `ogrinfo -al -so` (what a user browsing the service does),
   then `ogr2ogr` of every public collection into one GeoPackage (every feature);
   as `gdal` with the driver's own page size (the API's default, 10), and as
   `gdal-10000` with `-oo PAGE_SIZE=10000`, where every page is an "expensive"
   request the rate limit counts;
2. QGIS (python3-qgis, Debian's system python, headless): every public collection
   opened with the OAPIF provider and every feature fetched
   (benchmarks/clients/qgis_oapif.py);

and prints, per client, the requests it made, their statuses, the features it
read against the database's count, and the time taken. It exits 1 when any
request was refused (4xx/5xx) or a layer came back short.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_clients.py                  # the configured database
    PYTHONPATH=. .venv/bin/python benchmarks/bench_clients.py --clients gdal --database-url postgresql://...

Needs gdal-bin and python3-qgis (./medan setup installs both on Debian 12).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.clients.live import RequestLog, serve  # noqa: E402
from config.settings import Settings  # noqa: E402
from layers.registry import get_registry  # noqa: E402

QGIS_SCRIPT = ROOT / "benchmarks" / "clients" / "qgis_oapif.py"
SYSTEM_PYTHON = "/usr/bin/python3"


def public_counts(engine: Engine) -> dict[str, int]:
    """The rows of each public layer the anonymous public reaches (its row rule, if any, applied)."""
    from sqlalchemy import func, select

    from layers.access import ANONYMOUS, row_scope
    from layers.rowsql import scope_clause
    from layers.tables import layer_table

    counts = {}
    with engine.connect() as conn:
        for spec in get_registry():
            if spec.access.is_public:
                table = layer_table(spec.id)
                scope = scope_clause(row_scope(spec, ANONYMOUS), table.c)
                counts[spec.id] = conn.execute(select(func.count()).select_from(table).where(scope)).scalar_one()
    return counts


def _run(args: list[str], timeout: int = 1800) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen", "CPL_DEBUG": "OFF",
           "XDG_RUNTIME_DIR": tempfile.gettempdir()}
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env)


def gdal_session(url: str, workdir: Path, page_size: int | None = None) -> dict[str, Any]:
    """ogrinfo of the service, then ogr2ogr of every collection; features per layer in the copy."""
    options = ["-oo", f"PAGE_SIZE={page_size}"] if page_size else []
    listing = _run(["ogrinfo", "-ro", "-al", "-so", *options, f"OAPIF:{url}"])
    out = workdir / f"all{page_size or ''}.gpkg"
    copy = _run(["ogr2ogr", "-f", "GPKG", *options, str(out), f"OAPIF:{url}"])
    features: dict[str, int] = {}
    if out.exists():
        counted = _run(["ogrinfo", "-ro", "-so", "-al", str(out)])
        layer = None
        for line in counted.stdout.splitlines():
            if line.startswith("Layer name: "):
                layer = line.split(": ", 1)[1].strip()
            elif line.startswith("Feature Count: ") and layer:
                features[layer] = int(line.split(": ", 1)[1])
    errors = (listing.stderr + copy.stderr).strip()
    return {"ok": listing.returncode == 0 and copy.returncode == 0, "features": features, "errors": errors[-2000:]}


def qgis_session(url: str) -> dict[str, Any]:
    if not Path(SYSTEM_PYTHON).exists():
        return {"ok": False, "features": {}, "errors": f"{SYSTEM_PYTHON} is missing"}
    done = _run([SYSTEM_PYTHON, str(QGIS_SCRIPT), url])
    if done.returncode != 0:
        return {"ok": False, "features": {}, "errors": done.stderr[-2000:]}
    result = json.loads(done.stdout)
    collections = result["collections"]
    return {"ok": all(c["valid"] for c in collections.values()), "version": result["qgis"],
            "features": {k: c.get("features", 0) for k, c in collections.items()},
            "errors": "; ".join(f"{k}: {c['error']}" for k, c in collections.items() if not c["valid"])}


def measure(engine: Engine, app: Any, clients: list[str]) -> list[dict[str, Any]]:
    expected = public_counts(engine)
    rows = []
    with serve(app) as (url, log), tempfile.TemporaryDirectory() as tmp:
        for client in clients:
            mark, started = log.mark(), time.monotonic()
            if client.startswith("gdal"):
                page_size = int(client.partition("-")[2]) if "-" in client else None
                outcome = gdal_session(url, Path(tmp), page_size)
            else:
                outcome = qgis_session(url)
            seconds = time.monotonic() - started
            entries = log.since(mark)
            short = {k: (outcome["features"].get(k), n) for k, n in expected.items() if outcome["features"].get(k) != n}
            rows.append({"client": client, "version": outcome.get("version"), "requests": len(entries),
                         "statuses": dict(RequestLog.statuses(entries)),
                         "refused": [e for e in entries if e[2] >= 400], "layers": len(expected),
                         "features": sum(outcome["features"].values()), "expected": sum(expected.values()),
                         "short": short, "seconds": round(seconds, 1), "ok": outcome["ok"],
                         "errors": outcome["errors"]})
    return rows


def report(rows: list[dict[str, Any]], limits: dict[str, str]) -> None:
    print(f"limits: {limits}")
    print("| client | requests | statuses | refused | layers | features read / in database | seconds |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        name = r["client"] + (f" {r['version']}" if r["version"] else "")
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(r["statuses"].items()))
        print(f"| {name} | {r['requests']} | {statuses} | {len(r['refused'])} | {r['layers']} | "
              f"{r['features']} / {r['expected']} | {r['seconds']} |")
        for method, target, status, _ in r["refused"][:10]:
            print(f"  refused: {status} {method} {target}")
        if r["short"]:
            print(f"  short layers (read, in database): {r['short']}")
        if not r["ok"] and r["errors"]:
            print(f"  errors: {r['errors']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: the configured database (DATABASE_URL or the local cluster)")
    parser.add_argument("--clients", default="gdal,gdal-10000,qgis",
                        help="comma-separated: gdal, gdal-N (GDAL with PAGE_SIZE=N), qgis")
    args = parser.parse_args(argv)
    from webgis.app import create_app

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request would drown the table
    settings = Settings(database_url=args.database_url) if args.database_url else Settings()
    app = create_app(settings)
    clients = [c for c in args.clients.split(",") if c]
    missing = [c for c in clients if c.startswith("gdal") and not shutil.which("ogr2ogr")]
    if missing:
        print("ogr2ogr is missing: apt-get install gdal-bin", file=sys.stderr)
        return 2
    rows = measure(app.extensions["engine"], app, clients)
    report(rows, {"expensive per address": app.config["EXPENSIVE_QUERY_RATE_LIMIT_PER_ADDRESS"],
                  "expensive per account": app.config["EXPENSIVE_QUERY_RATE_LIMIT"]})
    return 0 if all(r["ok"] and not r["refused"] and not r["short"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
