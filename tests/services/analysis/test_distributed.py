"""The heavy analyses on dask.distributed give the very tables they give in one process.

Three ways are compared: serial (one part, in this process: the computation as
it was before dask), a LocalCluster (2 workers of 1 thread, no dashboard), and a
scheduler started here as separate `dask scheduler` / `dask worker` processes on
loopback and named by WEBGIS_DASK_SCHEDULER, as a deployment would.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from sqlalchemy import Engine

from config.settings import PROJECT_ROOT, DaskSettings, get_settings
from geodata.seed import seed_input
from geodata.synthetic.population import generate_sample_points
from services.analysis.access import compute_access, run_access
from services.analysis.distributed import SERIAL, DaskRunner, SerialRunner, analysis_runner
from services.analysis.hazard import FLOOD_INDEX_FILE
from services.analysis.risk import FLOOD_EVENTS_FILE, RiskParameters, compute_risk
from services.analysis.scale import exposure_counts
from services.analysis.transit import compute_coverage
from services.analysis.zonal import open_hazard, zonal_stats

KELURAHAN_FILE = PROJECT_ROOT / "geodata" / "data" / "medan_kelurahan.geojson"
SMALL = DaskSettings(workers=2, threads_per_worker=1)
# The external scheduler's port: in this engineer's range, never dask's default 8786.
SCHEDULER_PORT = int(os.environ.get("WEBGIS_TEST_DASK_PORT", "25513"))


@pytest.fixture(scope="module")
def kelurahan() -> gpd.GeoDataFrame:
    return gpd.read_file(KELURAHAN_FILE)


@pytest.fixture(scope="module")
def local_runner() -> Iterator[DaskRunner]:
    with analysis_runner(settings=SMALL) as runner:
        yield runner


def _all_tables(kel: gpd.GeoDataFrame, runner) -> dict[str, pd.DataFrame]:  # noqa: ANN001
    inputs = {name: seed_input(name, kel) for name in
              ("poverty", "schools", "health_facilities", "transit_routes", "transit_stops")}
    raster = open_hazard(FLOOD_INDEX_FILE, kel)
    risk = compute_risk(kel, inputs["poverty"], inputs["schools"], inputs["health_facilities"],
                        inputs["transit_routes"], raster, pd.read_csv(FLOOD_EVENTS_FILE), RiskParameters(),
                        stops=inputs["transit_stops"], runner=runner)
    points = generate_sample_points(kel[["kode_kel", "geometry"]], n=30_000)[["geometry"]]
    return {
        **risk,
        "zonal": zonal_stats(raster, kel.geometry, [0.33, 0.66], runner),
        "exposure": exposure_counts(points, kel, raster, [0.33, 0.66], runner=runner),
        "access": compute_access(kel, inputs["health_facilities"], inputs["schools"], runner=runner),
        "coverage": compute_coverage(kel, inputs["poverty"], inputs["transit_routes"], runner=runner),
    }


def _assert_same(expected: dict[str, pd.DataFrame], got: dict[str, pd.DataFrame]) -> None:
    assert expected.keys() == got.keys()
    for name, table in expected.items():
        pd.testing.assert_frame_equal(got[name], table, check_exact=True, obj=name)


def test_local_cluster_gives_the_serial_tables(kelurahan: gpd.GeoDataFrame, local_runner: DaskRunner) -> None:
    assert len(local_runner.parts(len(kelurahan))) == 4  # the work is really cut: 2 threads x 2 parts
    serial = _all_tables(kelurahan, SERIAL)
    spread = _all_tables(kelurahan, local_runner)
    assert serial["exposure"].to_numpy().sum() > 29_000
    assert (serial["zonal"]["count"] > 0).all()
    _assert_same(serial, spread)


def test_overlapping_zones_spread_too(kelurahan: gpd.GeoDataFrame, local_runner: DaskRunner) -> None:
    # Buffered kelurahan overlap: the one-mask-per-zone path is spread over the parts as well.
    zones = kelurahan.to_crs("EPSG:32647").buffer(300).to_crs(kelurahan.crs)
    raster = open_hazard(FLOOD_INDEX_FILE, kelurahan)
    pd.testing.assert_frame_equal(zonal_stats(raster, zones, [0.33, 0.66], local_runner),
                                  zonal_stats(raster, zones, [0.33, 0.66]), check_exact=True)


def test_progress_reports_every_part(local_runner: DaskRunner) -> None:
    seen: list[tuple[int, int]] = []
    runner = DaskRunner(local_runner.client, progress=lambda done, total: seen.append((done, total)))
    assert runner.map(pow, [2, 3, 4], exp=2) == [4, 9, 16]  # answers in the parts' order
    assert seen == [(1, 3), (2, 3), (3, 3)]
    serial_seen: list[tuple[int, int]] = []
    SerialRunner(lambda d, t: serial_seen.append((d, t))).map(pow, [2, 3], exp=2)
    assert serial_seen == [(1, 2), (2, 2)]


def _wait_for_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


@pytest.fixture
def external_scheduler(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """`dask scheduler` and one `dask worker` (2 processes, 1 thread each) on loopback, named by the setting."""
    dask = str(Path(sys.executable).with_name("dask"))
    address = f"tcp://127.0.0.1:{SCHEDULER_PORT}"
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    log = (tmp_path / "dask.log").open("w")
    scheduler = subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(SCHEDULER_PORT),
                                  "--no-dashboard", "--no-show"], cwd=PROJECT_ROOT, env=env, stdout=log, stderr=log)
    worker = None
    try:
        _wait_for_port(SCHEDULER_PORT)
        worker = subprocess.Popen([dask, "worker", address, "--nworkers", "2", "--nthreads", "1", "--no-dashboard",
                                   "--host", "127.0.0.1"], cwd=PROJECT_ROOT, env=env, stdout=log, stderr=log)
        monkeypatch.setenv("WEBGIS_DASK_SCHEDULER", address)
        get_settings.cache_clear()
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for process in (worker, scheduler):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
        log.close()
        get_settings.cache_clear()


def test_external_scheduler_named_by_the_setting_publishes_the_same_table(
        external_scheduler: str, isolated_database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from layers import engine_for, read_layer

    engine: Engine = engine_for(isolated_database_url)
    with analysis_runner() as runner:  # WEBGIS_DASK_SCHEDULER is set: the processes started above
        assert isinstance(runner, DaskRunner)
        assert runner.client.scheduler.address == external_scheduler
        assert len(runner.client.nthreads()) == 2
        run_access(engine, cell_m=200.0, runner=runner)
    on_cluster = read_layer(engine, "service_access").sort_values("kode_kel").reset_index(drop=True)

    monkeypatch.setenv("WEBGIS_DASK_SCHEDULER", "serial")
    get_settings.cache_clear()
    run_access(engine, cell_m=250.0)  # something else in between, so the next run must rewrite
    run_access(engine, cell_m=200.0)  # the setting says serial: in this process
    serial = read_layer(engine, "service_access").sort_values("kode_kel").reset_index(drop=True)
    pd.testing.assert_frame_equal(on_cluster.drop(columns="fid", errors="ignore"),
                                  serial.drop(columns="fid", errors="ignore"), check_exact=True)
