"""Every command-line entry point runs on the default database with no DATABASE_URL set.

After `./medan run` a planner or operator types `python -m services ...`,
`python -m services.ppdb ...` or `python -m devices ...` in a fresh shell: no
environment variable points anywhere, so each must find the project-local
cluster the way the `webgis` CLI does (config.database_url). Here the local
cluster serves a throwaway clone; WEBGIS_PG_DATABASE names it, as a deployment
would name its database, and DATABASE_URL is removed from the environment.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from config.settings import PROJECT_ROOT, get_settings

Run = Callable[..., subprocess.CompletedProcess]


@pytest.fixture
def run_without_database_url(isolated_database_url: str) -> Run:
    if not get_settings().uses_local_cluster:
        pytest.skip("the suite runs against DATABASE_URL; the default (local cluster) path is not in use")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "WEBGIS_DATABASE_URL")}
    env["WEBGIS_PG_DATABASE"] = make_url(isolated_database_url).database
    env["PYTHONPATH"] = str(PROJECT_ROOT)

    def run(module: str, *args: str) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True,
                                env=env, cwd=PROJECT_ROOT, timeout=300)
        assert result.returncode == 0, f"python -m {module} {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
        return result

    return run


def test_services_analyse_and_runs(run_without_database_url: Run) -> None:
    assert run_without_database_url("services", "analyse", "poverty").stdout.startswith("poverty (run ")
    runs = run_without_database_url("services", "runs", "--analysis", "poverty").stdout
    assert "poverty" in runs and "outputs=" in runs


def test_services_gtfs_export_and_angkot(run_without_database_url: Run, tmp_path: Path) -> None:
    feed = tmp_path / "angkot.zip"
    run_without_database_url("services", "gtfs", "export", str(feed))
    assert {"routes.txt", "stops.txt"} <= set(zipfile.ZipFile(feed).namelist())
    answer = run_without_database_url("services", "angkot", "98.672,3.595", "98.650,3.540").stdout
    assert answer.strip()


def test_ppdb_zones(run_without_database_url: Run) -> None:
    assert run_without_database_url("services.ppdb", "zones").stdout.strip()


def test_ppdb_lists_the_schools_of_doubtful_location_for_staff(run_without_database_url: Run, tmp_path: Path) -> None:
    result = run_without_database_url("services.ppdb", "doubtful", "--csv", str(tmp_path / "diragukan.csv"))
    lines = result.stdout.splitlines()
    assert len(lines) == 101 and all("di luar batas Kota Medan" in line for line in lines)
    assert "101 schools with a doubtful location" in result.stderr
    rows = (tmp_path / "diragukan.csv").read_text().splitlines()
    assert rows[0].startswith("fid,npsn,nama") and len(rows) == 102


def test_devices_admin_commands(run_without_database_url: Run) -> None:
    assert run_without_database_url("devices", "traffic").stdout.startswith("traffic_congestion: ")
    run_without_database_url("devices", "alarms", "list", "--all")
    run_without_database_url("devices", "prune", "--days", "90")


def test_webgis_layers_list(run_without_database_url: Run) -> None:
    rows = {line.split()[0]: line.split()[2] for line in
            run_without_database_url("webgis", "layers", "list").stdout.splitlines()}
    assert rows["kelurahan"] == "151"
