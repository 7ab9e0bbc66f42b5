"""The command line, run as a user would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from config.settings import PROJECT_ROOT


def webgis(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.run([sys.executable, "-m", "webgis", *args], capture_output=True, text=True, env=env,
                          cwd=PROJECT_ROOT, timeout=120)


def test_layers_list_shows_every_layer_with_its_count(database_url: str) -> None:
    result = webgis(database_url, "layers", "list")
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: int(line.split()[2]) for line in result.stdout.splitlines()}
    assert rows["kelurahan"] == 151 and rows["kecamatan"] == 21


def test_import_export_history_and_restore(isolated_database_url: str, tmp_path: Path) -> None:
    url = isolated_database_url
    exported = tmp_path / "faskes.geojson"
    assert webgis(url, "layers", "export", "health_facilities", str(exported)).returncode == 0
    data = json.loads(exported.read_text())
    assert len(data["features"]) == 82
    first = data["features"][0]
    first["properties"]["nama"] = "PUSKESMAS DIUBAH"
    changed = tmp_path / "changed.geojson"
    changed.write_text(json.dumps({"type": "FeatureCollection", "features": [first]}))
    result = webgis(url, "layers", "import", "health_facilities", str(changed), "--mode", "upsert")
    assert result.returncode == 0, result.stderr
    assert "1 updated" in result.stdout
    fid = int(subprocess.check_output(
        ["psql", url, "-Atc", f"SELECT fid FROM layers.health_facilities WHERE kode_faskes = '{first['properties']['kode_faskes']}'"],
        text=True))
    history = webgis(url, "layers", "history", "health_facilities", str(fid)).stdout.splitlines()
    assert [line.split()[3] for line in history] == ["insert", "update"]
    insert_id = history[0].split()[0].lstrip("#")
    assert webgis(url, "layers", "restore", "health_facilities", str(fid), insert_id).returncode == 0
    name = subprocess.check_output(["psql", url, "-Atc", f"SELECT nama FROM layers.health_facilities WHERE fid = {fid}"],
                                   text=True).strip()
    assert name != "PUSKESMAS DIUBAH"


def test_a_bad_import_exits_non_zero_naming_the_row(database_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("npsn,nama,jenjang,status,lon,lat\n1,A,SD,Negeri,98.65,3.58\n2,B,SD,Rahasia,98.65,3.58\n")
    result = webgis(database_url, "layers", "import", "schools", str(bad))
    assert result.returncode == 2
    assert "row 2: property 'status' must be one of" in result.stderr


def test_db_url_with_an_external_database_starts_nothing(database_url: str) -> None:
    result = webgis(database_url, "db", "start")
    assert result.returncode == 0
    assert "DATABASE_URL is set" in result.stdout


def _listening_sockets(port: int) -> int:
    """LISTEN sockets on the port, from the kernel's own table (state 0A)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            next(rows)
            for row in rows:
                fields = row.split()
                if fields[1].rsplit(":", 1)[1] == f"{port:04X}" and fields[3] == "0A":
                    count += 1
    return count


def test_serve_gives_each_gunicorn_worker_a_socket_and_refuses_a_busy_port(database_url: str) -> None:
    import socket
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(PROJECT_ROOT),
           "WEBGIS_WEB_PORT": str(port), "WEBGIS_WEB_WORKERS": "2"}
    server = subprocess.Popen([sys.executable, "-m", "webgis", "serve"], env=env, cwd=PROJECT_ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while _listening_sockets(port) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _listening_sockets(port) == 2  # one per worker: the kernel spreads connections over them
        for _ in range(4):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
                assert response.status == 200
        second = subprocess.run([sys.executable, "-m", "webgis", "serve"], env=env, cwd=PROJECT_ROOT,
                                capture_output=True, text=True, timeout=60)
        assert second.returncode != 0
        assert f"cannot serve on 127.0.0.1:{port}" in second.stderr and "already running" in second.stderr
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert _listening_sockets(port) == 0
