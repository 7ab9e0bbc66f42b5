"""Time to print a typical /peta view server-side (services/mapprint), A4 and A3, PDF and PNG.

    DATABASE_URL=postgresql://webgis@127.0.0.1:54329/medan \\
        .venv/bin/python -m benchmarks.bench_print [--repeat 5]

The database must be seeded (`python -m webgis seed`). Views:
- "typical": central Medan at zoom 14 with schools, health facilities and kelurahan
  over the offline basemap (what a citizen prints to show a neighbourhood);
- "city": the whole city at zoom 12 with kelurahan and the flood-prone index raster
  (the heaviest view a print allows on A4).
Each case renders --repeat times in this process (the first render pays matplotlib's font
cache and imports, reported apart as "first"); median and best of the rest are printed,
with the file size. The print is drawn as the anonymous public would get it.
"""

from __future__ import annotations

import argparse
import statistics
import time

from config.settings import MEDAN_EXTENT, database_url
from layers import engine_for
from layers.access import ANONYMOUS
from layers.registry import get_registry
from services.analysis.raster_tiles import load_rasters
from services.mapprint import parse_print_request, render_print

VIEWS = {
    "typical": {"map": "14/3.58900/98.67900", "layers": "schools,health_facilities,kelurahan"},
    "city": {"map": "12/3.62000/98.67000", "layers": "kelurahan,flood_index"},
}
CASES = [("typical", "a4", "pdf"), ("typical", "a4", "png"), ("typical", "a3", "pdf"), ("typical", "a3", "png"),
         ("city", "a4", "pdf"), ("city", "a4", "png")]


def _basemap() -> list:
    # The homepage's rule (webgis/pages/config.is_basemap_layer), restated: the benchmark stays Flask-free.
    return [s for s in get_registry() if s.access.is_public
            and (s.theme == "batas_wilayah" or s.geometry in ("LineString", "MultiLineString"))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    engine = engine_for(database_url())
    rasters, basemap = load_rasters(), _basemap()
    print(f"{'view':8} {'paper':5} {'fmt':4} {'first s':>8} {'median s':>9} {'best s':>7} {'size kB':>8} {'scale':>10}")
    for view, paper, fmt in CASES:
        args = {**VIEWS[view], "size": paper, "format": fmt}
        wanted = parse_print_request(args, ANONYMOUS, registry=get_registry(), rasters=rasters, basemap=basemap,
                                     extent=MEDAN_EXTENT)
        times, result = [], None
        for _ in range(max(options.repeat, 2)):
            started = time.perf_counter()
            result = render_print(engine, wanted, ANONYMOUS)
            times.append(time.perf_counter() - started)
        rest = times[1:]
        print(f"{view:8} {paper.upper():5} {fmt:4} {times[0]:8.2f} {statistics.median(rest):9.2f} {min(rest):7.2f} "
              f"{len(result.content) / 1024:8.0f} {'1:' + format(round(result.scale), ','):>10}")


if __name__ == "__main__":
    main()
