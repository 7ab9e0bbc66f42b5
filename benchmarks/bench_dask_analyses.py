"""The heavy analyses serial vs on a dask LocalCluster, side by side, with the tables checked equal.

Two sizes:
- city: what `python -m services analyse` computes today (the 50 m flood index,
  the seed inputs: 151 kelurahan, ~1,600 schools, a 250 m access grid);
- large: the same functions on bigger inputs (the index split to 10 m, about 6
  million cells; --points uniform points for the exposure counts; a 25 m access
  grid, about 420,000 points).

Serial is one part in this process (the computation as it was before dask);
the cluster is a LocalCluster of --workers processes of one thread each, no
dashboard, started once before timing (its start-up is printed apart). Every
figure is the best of --repeat. On a machine of 2 cores shared with other work
the point is the overhead, not the speed-up: read the ratio column as such.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_dask_analyses.py [--workers 2] [--points 1000000] [--repeat 3]

No database is needed (the inputs are the seed's files and generators).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio

from config.settings import PROJECT_ROOT, DaskSettings
from geodata.seed import seed_input
from geodata.synthetic.population import generate_sample_points
from services.analysis.access import compute_access
from services.analysis.distributed import SERIAL, Runner, analysis_runner
from services.analysis.hazard import FLOOD_INDEX_FILE
from services.analysis.risk import FLOOD_EVENTS_FILE, RiskParameters, compute_risk
from services.analysis.scale import exposure_counts
from services.analysis.transit import compute_coverage
from services.analysis.zonal import open_hazard, zonal_stats

KELURAHAN_FILE = PROJECT_ROOT / "geodata" / "data" / "medan_kelurahan.geojson"
BREAKS = [0.33, 0.66]


def best(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def make_10m_raster(folder: Path) -> Path:
    with rasterio.open(FLOOD_INDEX_FILE) as src:
        data, profile, transform = src.read(1), src.profile, src.transform
    fine = np.repeat(np.repeat(data, 5, axis=0), 5, axis=1)
    profile.update(width=fine.shape[1], height=fine.shape[0], transform=transform * transform.scale(0.2, 0.2))
    path = folder / "flood_index_10m.tif"
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(fine, 1)
    return path


def workloads(kel: gpd.GeoDataFrame, folder: Path, points_n: int) -> dict[str, Callable[[Runner], object]]:
    inputs = {name: seed_input(name, kel) for name in
              ("poverty", "schools", "health_facilities", "transit_routes", "transit_stops")}
    city_raster = open_hazard(FLOOD_INDEX_FILE, kel)
    fine_raster = open_hazard(make_10m_raster(folder), kel)
    points = generate_sample_points(kel[["kode_kel", "geometry"]], n=points_n)[["geometry"]]
    events = pd.read_csv(FLOOD_EVENTS_FILE)

    def risk(runner: Runner) -> object:
        return compute_risk(kel, inputs["poverty"], inputs["schools"], inputs["health_facilities"],
                            inputs["transit_routes"], city_raster, events, RiskParameters(),
                            stops=inputs["transit_stops"], runner=runner)

    return {
        "city: risk (zonal + exposure)": risk,
        "city: access, 250 m grid": lambda r: compute_access(kel, inputs["health_facilities"], inputs["schools"],
                                                             runner=r),
        "city: coverage": lambda r: compute_coverage(kel, inputs["poverty"], inputs["transit_routes"], runner=r),
        "large: zonal, 10 m raster": lambda r: zonal_stats(fine_raster, kel.geometry, BREAKS, r),
        f"large: exposure, {points_n:,} points": lambda r: exposure_counts(points, kel, fine_raster, BREAKS,
                                                                           runner=r),
        "large: access, 25 m grid": lambda r: compute_access(kel, inputs["health_facilities"], inputs["schools"],
                                                             cell_m=25.0, runner=r),
    }


def same(a: object, b: object) -> bool:
    if isinstance(a, dict):
        return all(same(a[k], b[k]) for k in a)  # type: ignore[index]
    try:
        pd.testing.assert_frame_equal(a, b, check_exact=True)  # type: ignore[arg-type]
    except AssertionError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    kel = gpd.read_file(KELURAHAN_FILE)
    with tempfile.TemporaryDirectory() as folder:
        work = workloads(kel, Path(folder), args.points)
        start = time.perf_counter()
        with analysis_runner(settings=DaskSettings(workers=args.workers, threads_per_worker=1)) as cluster:
            print(f"LocalCluster of {args.workers} x 1 thread started in {time.perf_counter() - start:.2f} s "
                  f"(once per `python -m services analyse`, not per analysis)\n")
            print(f"{'analysis':<36}{'serial s':>10}{'cluster s':>11}{'cluster/serial':>16}  same table")
            for name, fn in work.items():
                serial_s, serial = best(lambda fn=fn: fn(SERIAL), args.repeat)
                cluster_s, spread = best(lambda fn=fn: fn(cluster), args.repeat)
                print(f"{name:<36}{serial_s:>10.3f}{cluster_s:>11.3f}{cluster_s / serial_s:>16.2f}  "
                      f"{'yes' if same(serial, spread) else 'NO'}")


if __name__ == "__main__":
    main()
