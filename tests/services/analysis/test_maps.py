"""Notebook maps: one self-contained HTML file that opens anywhere offline; the library leaves matplotlib alone."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from config.settings import PROJECT_ROOT
from services.analysis.maps import choropleth, hazard_map, save_map
from tests.helpers.browser import launched_chromium

# Anything a page would fetch: scripts, stylesheets, images, frames (data: URIs are inside the file).
FETCHING = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["'](?!data:)([^"']+)""", re.I)


def three_kelurahan() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"nama_kel": ["A", "B", "C"], "kelas": ["rendah", "sedang", "tinggi"]},
                            geometry=[box(98.66 + i * 0.01, 3.58, 98.665 + i * 0.01, 3.585) for i in range(3)],
                            crs="EPSG:4326")


def saved_choropleth(directory: Path) -> Path:
    fmap = choropleth(three_kelurahan(), "kelas", colors={"rendah": "#fee5d9", "sedang": "#fc9272",
                                                          "tinggi": "#de2d26"}, tooltip=["nama_kel"])
    return save_map(fmap, directory / "peta.html")


def test_a_saved_map_fetches_nothing(tmp_path: Path) -> None:
    for path in (saved_choropleth(tmp_path), save_map(hazard_map(), tmp_path / "bahaya.html")):
        html = path.read_text()
        assert FETCHING.findall(html) == [], path.name
        assert "sourceMappingURL" not in html
        assert "L.map(" in html and "Leaflet" in html  # Leaflet itself is in the file


def test_importing_the_maps_module_leaves_the_matplotlib_backend_alone() -> None:
    # Jupyter's kernel sets its inline backend through MPLBACKEND; svg stands in for it (it needs no display).
    script = ("import matplotlib; before = matplotlib.get_backend(); import services.analysis.maps; "
              "import matplotlib.pyplot as plt; print(before, matplotlib.get_backend())")
    env = {**os.environ, "MPLBACKEND": "svg", "PYTHONPATH": str(PROJECT_ROOT)}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True,
                            cwd=PROJECT_ROOT)
    assert result.stdout.split() == ["svg", "svg"]


@pytest.mark.browser
def test_a_saved_map_sent_elsewhere_draws_offline_in_chromium(tmp_path: Path) -> None:
    """The file alone, moved out of the checkout, every network request refused: the polygons are drawn."""
    elsewhere = tmp_path / "kiriman"
    elsewhere.mkdir()
    sent = Path(shutil.copy(saved_choropleth(tmp_path), elsewhere / "peta_dikirim.html"))
    refused: list[str] = []
    with launched_chromium() as browser:
        context = browser.new_context()

        def refuse(route) -> None:  # noqa: ANN001
            if route.request.url.startswith("file://") and route.request.url.endswith("peta_dikirim.html"):
                route.continue_()
            else:
                refused.append(route.request.url)
                route.abort()

        context.route("**/*", refuse)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(sent.as_uri())
        page.wait_for_selector("path.leaflet-interactive", timeout=10_000)
        assert page.locator("path.leaflet-interactive").count() == 3
        assert page.evaluate("typeof window.L") == "object"
        context.close()
    assert errors == [] and refused == []
