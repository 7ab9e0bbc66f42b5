"""A PPDB online round end to end on PostGIS: registrations filed, verified, allocated, re-registered, released.

N parents register a child for SMP through the service engine (`cases.submit`: the form, the
home's kelurahan, the family card, the round's checks), staff verify each registration, then the
round's allocation runs in ONE transaction (`rounds.allocate_round`: deferred acceptance over the
parents' own choices, an explanation, a history version, an audit event and notices per
applicant), half of the admitted re-register, and the rest's seats are released and offered to
the next in line (`rounds.release_expired`). Prints time and registrations per second of each step,
and checks that no school's fill exceeds its seats.

    WEBGIS_PG_PORT=... PYTHONPATH=. .venv/bin/python benchmarks/bench_ppdb_round.py --applicants 1000

Without --database-url it works in its own database `medan_bench_ppdb_round` on the configured
server (created, migrated and seeded with kelurahan and schools on first use); each run first
removes the previous run's rounds and registrations from that scratch database.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import timedelta

import numpy as np
import shapely
from scratch import prepare_database  # benchmarks/ is the script directory
from sqlalchemy import text

BENCH_DB = "medan_bench_ppdb_round"
SEED_LAYERS = ["kota", "kecamatan", "kelurahan", "schools"]
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def homes_with_choices(engine, round_id: str, n: int, seed: int = 18) -> list[tuple[float, float, list[str]]]:  # noqa: ANN001
    """Homes inside the kelurahan with their three nearest in-zone schools of the round."""
    from layers import read_layer
    from services.ppdb.rounds import quotas
    from services.ppdb.rules import DEFAULT_RULE
    from services.ppdb.zoning import TO_UTM

    rng = np.random.default_rng(seed)
    city = shapely.union_all(read_layer(engine, "kelurahan", columns=[]).geometry.values)
    schools = [q for q in quotas(engine, round_id) if q["seats"] > 0]
    sx, sy = TO_UTM.transform([s["lon"] for s in schools], [s["lat"] for s in schools])
    x0, y0, x1, y1 = city.bounds
    homes = []
    while len(homes) < n:
        lon, lat = rng.uniform(x0, x1), rng.uniform(y0, y1)
        if not city.contains(shapely.Point(lon, lat)):
            continue
        hx, hy = TO_UTM.transform(lon, lat)
        distance = np.hypot(np.array(sx) - hx, np.array(sy) - hy)
        near = [i for i in np.argsort(distance)[:3] if distance[i] <= DEFAULT_RULE.zone_radius_m["SMP"]]
        if near:
            homes.append((lon, lat, [schools[i]["npsn"] for i in near]))
    return homes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--applicants", type=int, default=1000)
    parser.add_argument("--share", type=float, default=0.05, help="zonasi share (small: schools fill up)")
    args = parser.parse_args()
    os.environ.setdefault("WEBGIS_UPLOAD_DIR", tempfile.mkdtemp(prefix="bench-ppdb-"))

    from layers import engine_for
    from layers.access import Principal
    from services.engine import cases, steps
    from services.ppdb import rounds

    url = prepare_database(args.database_url, BENCH_DB, SEED_LAYERS, "schools")
    engine = engine_for(url)
    with engine.begin() as conn:  # the previous run's scratch data (this database is the benchmark's own)
        conn.execute(text("DELETE FROM layers.ppdb_registrations"))
        conn.execute(text("DELETE FROM ppdb.rounds"))
    staff = Principal(actor="bench", roles=frozenset({"staff"}), agencies=frozenset({"DISDIK"}))
    now = cases.now_utc()
    round_id = f"bench-{int(time.time())}"
    rounds.create_round(engine, round_id=round_id, level="SMP", opens_at=now - timedelta(hours=1),
                        closes_at=now + timedelta(hours=2), reregister_by=now + timedelta(days=3), principal=staff,
                        zonasi_share=args.share)
    homes = homes_with_choices(engine, round_id, args.applicants)
    figures = {}
    started = time.perf_counter()
    refs = []
    for i, (lon, lat, choices) in enumerate(homes):
        fields = {"nama_anak": f"Anak {i}", "nik_anak": f"1271{i:012d}", "tanggal_lahir": f"2013-{1 + i % 12:02d}-"
                  f"{1 + i % 28:02d}", "jenjang": "SMP", "nama_pemohon": f"Orang tua {i}", "telp_pemohon": "0812 0000 0000",
                  **{f"pilihan_{k}": n for k, n in enumerate(choices, start=1)}}
        parent = Principal(actor=f"user:{100000 + i}", roles=frozenset({"citizen"}), user_id=100000 + i)
        refs.append(cases.submit(engine, "ppdb", cases.Application(fields=fields, lon=lon, lat=lat,
                                                                   files={"kartu_keluarga": PDF}), parent).case_ref)
    figures["register (cases.submit)"] = time.perf_counter() - started
    started = time.perf_counter()
    for ref in refs:
        steps.transition(engine, "ppdb", ref, "verified", staff)
    figures["verify (steps.transition)"] = time.perf_counter() - started
    closed = now + timedelta(hours=2, minutes=1)
    started = time.perf_counter()
    report = rounds.allocate_round(engine, round_id, staff, now=closed)
    figures["allocate (one transaction)"] = time.perf_counter() - started
    with engine.connect() as conn:
        admitted = conn.execute(text("SELECT case_ref, akun_pemohon FROM layers.ppdb_registrations "
                                     "WHERE status = 'admitted' ORDER BY case_ref")).all()
    owners = dict(admitted)
    started = time.perf_counter()
    confirmed = 0
    for ref, _ in admitted[::2]:
        user_id = int(owners[ref].split(":")[1])
        rounds.reregister(engine, ref, Principal(actor=f"user:{user_id}", roles=frozenset({"citizen"}), user_id=user_id),
                          now=closed)
        confirmed += 1
    figures["re-register (half of the admitted)"] = time.perf_counter() - started
    started = time.perf_counter()
    released = rounds.release_expired(engine, round_id, staff, now=now + timedelta(days=3, minutes=1))
    figures["release + second stage (one transaction)"] = time.perf_counter() - started
    over = [q for q in rounds.quotas(engine, round_id) if q["filled"] > q["seats"]]
    print(f"{len(homes)} registrations, {report.admitted} admitted in stage 1, {confirmed} re-registered, "
          f"{released.released} released, {released.admitted} offered in stage 2; schools over quota: {len(over)}")
    print(f"{'step':44} {'seconds':>8} {'per second':>10}")
    counts = {"register (cases.submit)": len(homes), "verify (steps.transition)": len(homes),
              "allocate (one transaction)": len(homes), "re-register (half of the admitted)": confirmed,
              "release + second stage (one transaction)": released.released + released.applicants}
    for step, seconds in figures.items():
        print(f"{step:44} {seconds:8.2f} {counts[step] / seconds if seconds else 0:10.1f}")


if __name__ == "__main__":
    main()
