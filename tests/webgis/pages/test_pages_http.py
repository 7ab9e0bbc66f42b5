"""The homepage's server side through Flask's test client (no browser needed)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from config.settings import PROJECT_ROOT
from layers.registry import get_registry
from services.analysis.raster_tiles import load_rasters
from tests.helpers.database import public_count
from webgis.assets import PACKAGES, bundled_licence_name, vendor_assets
from webgis.pages.config import THEME_TITLES

PUBLIC = [s for s in get_registry() if s.access.is_public]


def test_homepage_has_no_inline_script_and_a_strict_policy(client) -> None:  # noqa: ANN001
    response = client.get("/peta")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts and all(('src="/static/' in attrs or 'src="/peta/map.js?v=' in attrs) and body.strip() == ""
                           for attrs, body in scripts)
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"
    assert not re.search(r"\sstyle\s*=", html), "inline style attribute"
    assert 'lang="id"' in html and "Di mana saya?" in html


def test_english_is_rendered_from_the_cookie(client) -> None:  # noqa: ANN001
    client.set_cookie("lang", "en")
    html = client.get("/peta").get_data(as_text=True)
    assert 'lang="en"' in html and "Where am I?" in html
    client.set_cookie("lang", "<script>")
    assert 'lang="id"' in client.get("/peta").get_data(as_text=True)


def test_layer_config_lists_every_public_layer_from_the_declarations(client) -> None:  # noqa: ANN001
    config = client.get("/peta/layers.json").get_json()
    assert [entry["id"] for entry in config["layers"]] == [s.id for s in PUBLIC]
    grouped = [layer for theme in config["themes"] for layer in theme["layers"]]
    assert sorted(grouped) == sorted(s.id for s in PUBLIC)
    for entry, spec in zip(config["layers"], PUBLIC, strict=True):
        assert entry["title"] == spec.title.model_dump()
        assert entry["source"] in ("geojson", "tiles")
        assert [p["name"] for p in entry["properties"]] == [p.name for p in spec.public_properties()]
        assert len(entry["style"]["classes"]) == len(spec.style.classes)
        assert entry["zoom"] == spec.zoom.model_dump()
    assert set(config["ui"]["id"]) == set(config["ui"]["en"])
    assert config["basemap"]["layers"] and config["basemap"]["raster"] is None


def test_every_theme_has_a_title_in_both_languages() -> None:
    for spec in get_registry():
        assert THEME_TITLES[spec.theme].id and THEME_TITLES[spec.theme].en


@pytest.mark.parametrize(("query", "status"), [("", 400), ("   ", 400), ("x" * 10_000, 400), ("<script>alert(1)</script>", 200)])
def test_search_endpoint_answers_bad_text_with_a_reason(client, query: str, status: int) -> None:  # noqa: ANN001
    response = client.get("/peta/search.json", query_string={"q": query})
    assert response.status_code == status
    body = response.get_json()
    assert ("description" in body) if status == 400 else (body == {"results": []})


def test_search_endpoint_finds_a_kelurahan_with_a_typo(client) -> None:  # noqa: ANN001
    results = client.get("/peta/search.json", query_string={"q": "kesawn"}).get_json()["results"]
    assert (results[0]["layer"], results[0]["name"]) == ("kelurahan", "Kesawan")


def test_here_endpoint(client) -> None:  # noqa: ANN001
    inside = client.get("/peta/here.json?lon=98.6785&lat=3.59").get_json()
    assert inside["inside"] and not inside["outside"]
    assert {r["layer"]: r["name"] for r in inside["results"]}["kelurahan"] == "Kesawan"
    outside = client.get("/peta/here.json?lon=100.5&lat=-0.9").get_json()
    assert outside == {"inside": False, "outside": True, "results": []}
    for bad in ("lon=abc&lat=3.5", "lon=98.6", "lon=nan&lat=3.5", "lon=98.6&lat=1e999"):
        response = client.get(f"/peta/here.json?{bad}")
        assert response.status_code == 400 and response.get_json()["description"]


def test_catalogue_lists_every_public_layer_with_figures_and_urls(client, engine) -> None:  # noqa: ANN001
    html = client.get("/katalog").get_data(as_text=True)
    for spec in PUBLIC:
        card = html[html.index(f'id="layer-{spec.id}"'):]
        card = card[:card.index("</article>")]
        count = public_count(engine, spec.id)  # the rows the anonymous public reaches (row rules included)
        assert f'<dd class="count">{count:,}'.replace(",", ".") in card
        assert f"/katalog/{spec.id}.gpkg" in card and f"/collections/{spec.id}/tiles/WebMercatorQuad/" in card
        assert spec.source.license.replace("'", "&#39;") in card


def test_download_geojson_has_every_feature_and_only_public_properties(client, engine) -> None:  # noqa: ANN001
    spec = next(s for s in PUBLIC if s.access.private)
    response = client.get(f"/katalog/{spec.id}.geojson")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    collection = json.loads(response.get_data())
    assert len(collection["features"]) == public_count(engine, spec.id)
    keys = set(collection["features"][0]["properties"])
    assert not keys & set(spec.access.private)


def test_download_csv_and_gpkg(client) -> None:  # noqa: ANN001
    rows = list(csv.DictReader(io.StringIO(client.get("/katalog/kecamatan.csv").get_data(as_text=True))))
    assert len(rows) == 21 and "wkt" in rows[0]
    gpkg = client.get("/katalog/kecamatan.gpkg").get_data()
    assert gpkg[:16] == b"SQLite format 3\x00"


@pytest.mark.parametrize("path", ["/katalog/nope.geojson", "/katalog/kecamatan.exe", "/katalog/..%2Fkota.csv"])
def test_download_refuses_unknown_layers_and_formats(client, path: str) -> None:  # noqa: ANN001
    assert client.get(path).status_code == 404


def test_vendor_assets_copies_files_with_licences(tmp_path: Path) -> None:
    frontend = PROJECT_ROOT / "webgis" / "frontend"
    if not (frontend / "node_modules").is_dir():
        pytest.skip("front-end packages not installed (./medan runs npm ci)")
    lines = list(vendor_assets(frontend, tmp_path))
    assert len(lines) == len(PACKAGES)
    for package in PACKAGES:
        target = tmp_path / package.directory
        assert (target / "LICENSE").stat().st_size > 100
        for bundled in package.bundled:
            assert (target / bundled_licence_name(bundled)).is_file()
    assert (tmp_path / "leaflet" / "leaflet.js").is_file() and (tmp_path / "leaflet" / "images" / "layers.png").is_file()
    assert (tmp_path / "leaflet-geoman" / "leaflet-geoman.min.js").is_file()  # the editor's, under a short name


def test_layer_config_lists_the_declared_rasters_with_their_legend(client) -> None:  # noqa: ANN001

    rasters = {entry["id"]: entry for entry in client.get("/peta/layers.json").get_json()["rasters"]}
    assert set(rasters) == set(load_rasters())
    for raster_id, spec in load_rasters().items():
        entry = rasters[raster_id]
        assert entry["kind"] == "raster" and entry["theme"] == spec.theme
        assert entry["tiles_url"] == f"/rasters/{raster_id}/tiles/WebMercatorQuad/{{z}}/{{x}}/{{y}}.png"
        assert [c["color"] for c in entry["style"]["classes"]] == [c.color for c in spec.classes]
        assert entry["max_native_zoom"] == spec.zoom.max
        assert client.get(entry["tiles_url"].format(z=10, x=792, y=501)).status_code == 200
