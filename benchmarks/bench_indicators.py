"""The indicators dashboard over 5 years of synthetic complaints, permit cases, PPDB registrations and
PBB bills: does it answer in under 1 s? And what does the summary buy against computing directly?

Three measurements on the same database:

1. **refresh**: `services.indicators.summary.refresh`, every declared indicator recomputed over 5 years
   into `indicators.summary` (what `python -m services indicators refresh` does);
2. **direct** (the slow path, the peer): each indicator's compute function run over the 5 years, as a
   dashboard without a summary would on every view;
3. **dashboard** (the fast path): what /dasbor asks for one view (the page, the overview, the city
   trend, the kecamatan map, the per-agency table, one provenance), through the Flask app as a
   logged-in planner. Cold = a fresh app and connection pool, first request of each; warm = `--repeat`
   rounds, p50/p95 per request and for the whole view.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_indicators.py --database-url postgresql://...  # data loaded
    PYTHONPATH=. .venv/bin/python benchmarks/bench_indicators.py --generate 1.0  # load it first (~290 000 rows)

Without --database-url it works in database `medan_bench_indicators` on the configured server
(created, migrated and seeded once by benchmarks/scratch.py).
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date

from scratch import prepare_database  # benchmarks/ is the script directory
from sqlalchemy import text

BENCH_DB = "medan_bench_indicators"
SEED_LAYERS = ["kota", "kecamatan", "kelurahan", "land_value_zones", "tax_parcels"]
TOKEN = "bench-indicators-token"  # the app needs one set; the client logs in instead
VIEW = ["/dasbor", "/api/dasbor/indikator", "/api/dasbor/indikator/{id}", "/api/dasbor/indikator/{id}/peta",
        "/api/dasbor/indikator/{id}/skpd", "/api/dasbor/indikator/{id}/asal"]


def _app(url: str):  # noqa: ANN202
    from tests.helpers.database import settings_for
    from webgis.app import create_app

    app = create_app(settings_for(url, api_token=TOKEN))
    app.config["TESTING"] = True
    return app


def _client(app):  # noqa: ANN001, ANN202
    """A browser-like client logged in as a planner (the page needs a session; the JSON takes it too)."""
    import uuid

    from tests.helpers.accounts import PASSWORD, login
    from webgis.accounts import manage

    user = manage.create_user(app.extensions["engine"], "bench", None, f"bench{uuid.uuid4().hex[:8]}", PASSWORD,
                              roles=["planner"])
    client = app.test_client()
    login(client, user.username)
    return client


def _get(client, path: str) -> float:  # noqa: ANN001
    started = time.perf_counter()
    answer = client.get(path)
    elapsed = time.perf_counter() - started
    if answer.status_code != 200:
        raise SystemExit(f"{path}: {answer.status_code} {answer.get_data(as_text=True)[:200]}")
    return elapsed


def _view(indicator: str) -> list[str]:
    return [path.format(id=indicator) for path in VIEW]


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def _counts(engine) -> str:  # noqa: ANN001
    with engine.connect() as conn:
        row = conn.execute(text("""SELECT (SELECT count(*) FROM layers.complaints), (SELECT count(*) FROM layers.permit_cases),
            (SELECT count(*) FROM layers.ppdb_registrations), (SELECT count(*) FROM pbb.sppt),
            (SELECT count(*) FROM indicators.summary)""")).one()
    return (f"complaints {row[0]:,}, permit cases {row[1]:,}, PPDB registrations {row[2]:,}, SPPT {row[3]:,}; "
            f"summary rows {row[4]:,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--generate", type=float, help="load the synthetic 5 years at this scale first")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--indicator", default="complaint_sla", help="the indicator the measured view shows")
    args = parser.parse_args()
    from layers import engine_for
    from services.indicators import summary, synthetic
    from services.indicators.registry import compute_function, get_indicators

    url = prepare_database(args.database_url, BENCH_DB, SEED_LAYERS, "kelurahan")
    engine = engine_for(url)
    if args.generate:
        print("generated:", synthetic.generate(engine, scale=args.generate))
    start, end = date(synthetic.END.year - synthetic.YEARS, 1, 1), date(synthetic.END.year + 1, 1, 1)

    print("refresh (all indicators, 5 years → indicators.summary):")
    began = time.perf_counter()
    for done in summary.refresh(engine, start=start, end=end):
        print(f"  {done.indicator:18s} {done.rows:6d} rows  {done.seconds:7.2f} s")
    print(f"  total {time.perf_counter() - began:.2f} s")
    print("data:", _counts(engine))

    print("direct computation (no summary: what each view would cost):")
    with engine.connect() as conn:
        for spec in get_indicators():
            began = time.perf_counter()
            compute_function(spec)(conn, start=start, end=end)
            print(f"  {spec.id:18s} {time.perf_counter() - began:7.2f} s")

    engine.dispose()
    client = _client(_app(url))
    print("dashboard view, cold (fresh app and pool, first request of each):")
    cold = [(path, _get(client, path)) for path in _view(args.indicator)]
    for path, seconds in cold:
        print(f"  {path:45s} {seconds * 1000:8.1f} ms")
    print(f"  whole view {sum(s for _, s in cold) * 1000:8.1f} ms")
    per_path: dict[str, list[float]] = {path: [] for path in _view(args.indicator)}
    views = []
    for _ in range(args.repeat):
        view_started = time.perf_counter()
        for path in per_path:
            per_path[path].append(_get(client, path))
        views.append(time.perf_counter() - view_started)
    print(f"dashboard view, warm ({args.repeat} rounds): p50 / p95")
    for path, values in per_path.items():
        print(f"  {path:45s} {_pct(values, 50) * 1000:8.1f} / {_pct(values, 95) * 1000:8.1f} ms")
    print(f"  whole view {_pct(views, 50) * 1000:8.1f} / {_pct(views, 95) * 1000:8.1f} ms (target < 1000 ms)")


if __name__ == "__main__":
    main()
