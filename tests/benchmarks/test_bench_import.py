"""Smoke run of benchmarks/bench_import.py (2,000 points) so the benchmark does not rot."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, text

from config.settings import PROJECT_ROOT
from layers.db import sqlalchemy_url

ROOT = PROJECT_ROOT
N = 2_000


@pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="ogr2ogr (gdal-bin) is not installed")
def test_bench_import_prints_figures_and_loads_every_point(isolated_database_url: str) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_import.py"), "--points", str(N), "--repeat", "1",
         "--database-url", isolated_database_url],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    figure = r"\s+\d+\.\d+\s+\S+\s+[\d,]+"
    for label in ("import: platform", "import: ogr2ogr", "import: platform without history",
                  "read: layers.read_layer", "read: geopandas.read_postgis"):
        assert re.search(re.escape(label) + r".*?" + figure, out), f"no figures for {label!r}:\n{out}"
    assert re.search(r"import: platform \(import_file, validated\).*\d+\.\d+x", out), out
    assert f"imported {N:,} features" in out

    engine = create_engine(sqlalchemy_url(isolated_database_url))
    try:
        with engine.connect() as conn:
            layer = conn.execute(text("SELECT count(*) FROM layers.sample_points")).scalar_one()
            ogr = conn.execute(text("SELECT count(*) FROM bench_ogr.sample_points")).scalar_one()
            history = conn.execute(text(
                "SELECT count(*) FROM core.feature_history WHERE layer = 'sample_points' AND op = 'insert' "
                "AND actor = 'bench'")).scalar_one()
    finally:
        engine.dispose()
    assert layer == N
    assert ogr == N
    assert history == N
