"""The WAN probe's pass over a city's worth of sites: N sites (default 1,000, the offices layer has 232)
on real local listeners, a share of them refused and a share never answering, probed with the shipped
settings (3 tries, 2 s timeout) at concurrency 16, 64 and 256; wall time of a pass, side by side with
probing the sites one after the other (estimated from the per-site figures, not run: it would take
minutes). Listeners on 127.0.0.1 ports 26060-26062 (WEBGIS_BENCH_PORT_BASE moves them).

    .venv/bin/python benchmarks/bench_skpd_probe.py [--sites 1000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from services.skpd.probe import ProbeSettings, Target, run_probes
from tests.helpers.listeners import HOST, answering, black_hole, closed_port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=1000)
    args = parser.parse_args()
    base = int(os.environ.get("WEBGIS_BENCH_PORT_BASE", "26060"))
    up, hole, refused = base, base + 1, closed_port(base + 2)
    # 90 % up, 5 % refused, 5 % never answering (each of those waits tries x timeout).
    ports = [hole if i % 20 == 0 else refused if i % 20 == 1 else up for i in range(args.sites)]
    targets = [Target(f"SITE-{i}", HOST, p) for i, p in enumerate(ports)]
    print(f"{args.sites} sites: {ports.count(up)} up, {ports.count(refused)} refused, {ports.count(hole)} black holes")
    with answering(up), black_hole(hole):
        for concurrency in (16, 64, 256):
            settings = ProbeSettings(tries=3, timeout_s=2.0, concurrency=concurrency)
            started = time.perf_counter()
            results = run_probes(targets, settings)
            elapsed = time.perf_counter() - started
            latencies = [r.latency_ms for r in results if r.latency_ms is not None]
            counts = {s: sum(r.status == s for r in results) for s in ("up", "degraded", "down")}
            print(f"concurrency {concurrency:>3}: pass {elapsed:6.2f} s  {counts}  "
                  f"median latency {statistics.median(latencies):.2f} ms")
    serial = ports.count(hole) * 3 * 2.0 + (args.sites - ports.count(hole)) * 3 * 0.1
    print(f"one site after another (estimate: timeouts + pauses): about {serial:.0f} s")


if __name__ == "__main__":
    main()
