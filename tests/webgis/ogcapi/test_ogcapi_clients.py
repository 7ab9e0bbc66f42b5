"""Real clients against a real HTTP server: GDAL's OAPIF driver and OWSLib's Features."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from owslib.ogcapi.features import Features
from sqlalchemy import text

from layers.registry import get_registry

PUBLIC = [spec.id for spec in get_registry() if spec.access.is_public]
gdal = pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL (gdal-bin) is not installed")


def run(*args: str) -> str:
    result = subprocess.run(args, capture_output=True, text=True, timeout=120,
                            env={"PATH": "/usr/bin:/bin", "GDAL_HTTP_TIMEOUT": "60", "CPL_DEBUG": "OFF"})
    assert result.returncode == 0, result.stderr
    return result.stdout


@gdal
def test_ogrinfo_lists_every_public_collection(live_url: str) -> None:
    listing = run("ogrinfo", "-ro", "-q", f"OAPIF:{live_url}")
    names = {line.split(":", 1)[1].split("(")[0].strip() for line in listing.splitlines() if ":" in line}
    assert set(PUBLIC) <= names


@gdal
def test_ogr2ogr_copies_a_layer_with_every_feature(live_url: str, engine, tmp_path: Path) -> None:  # noqa: ANN001
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM layers.schools")).scalar_one()
    out = tmp_path / "schools.geojson"
    run("ogr2ogr", "-f", "GeoJSON", str(out), f"OAPIF:{live_url}", "schools")
    copied = json.loads(out.read_text())
    assert len(copied["features"]) == total
    assert {f["properties"]["jenjang"] for f in copied["features"]} <= {"SD", "SMP", "SMA", "SMK", "SLB"}


def test_owslib_reads_collections_items_bbox_and_cql2(live_url: str, engine) -> None:  # noqa: ANN001
    api = Features(live_url)
    assert {c["id"] for c in api.collections()["collections"]} == set(PUBLIC)
    assert api.collection("schools")["id"] == "schools"
    page = api.collection_items("schools", limit=5)
    assert len(page["features"]) == 5
    boxed = api.collection_items("schools", bbox=[98.65, 3.55, 98.70, 3.60], limit=1000)
    for feature in boxed["features"]:
        x, y = feature["geometry"]["coordinates"]
        assert 98.65 <= x <= 98.70 and 3.55 <= y <= 3.60
    with engine.connect() as conn:
        smp = conn.execute(text("SELECT count(*) FROM layers.schools WHERE jenjang = 'SMP' "
                                "AND status = 'Negeri'")).scalar_one()
    filtered = api.collection_items("schools", filter="jenjang = 'SMP' AND status = 'Negeri'",
                                    limit=10000)
    assert len(filtered["features"]) == filtered["numberMatched"] == smp
    queryables = api.collection_queryables("schools")
    assert "jenjang" in queryables["properties"]
