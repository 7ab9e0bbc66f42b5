"""GeoPackage downloads open without a warning in Debian 12's GDAL 3.6 (and so QGIS 3.22) (issue 17 item 9)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from layers.registry import get_registry

PUBLIC = [spec.id for spec in get_registry() if spec.access.is_public]
GPKG_APPLICATION_ID = 0x47504B47  # "GPKG"


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL (gdal-bin) is not installed")
@pytest.mark.parametrize("layer_id", PUBLIC[:3])
def test_gpkg_download_is_a_version_gdal_3_6_reads_without_warning(client, tmp_path: Path, layer_id: str) -> None:  # noqa: ANN001
    """OGC 12-128r18 (GeoPackage 1.3) Req 2: application_id "GPKG" and user_version 10300; GDAL 3.6 says
    "may only be partially supported" of 1.4 (10400), which is what the download was."""
    response = client.get(f"/katalog/{layer_id}.gpkg")
    assert response.status_code == 200
    path = tmp_path / f"{layer_id}.gpkg"
    path.write_bytes(response.get_data())
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA application_id").fetchone()[0] == GPKG_APPLICATION_ID
        assert db.execute("PRAGMA user_version").fetchone()[0] == 10300
    result = subprocess.run(["ogrinfo", "-ro", "-al", "-so", str(path)], capture_output=True, text=True,
                            timeout=60, env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert "warning" not in (result.stdout + result.stderr).lower(), result.stderr
    assert f"Layer name: {layer_id}" in result.stdout
