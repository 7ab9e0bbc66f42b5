"""The synthetic generators produce data every layer declaration accepts (no database needed)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from devices.addressing import ATCS_PORT_BASE, CCTV_PORT_BASE, STREET_LIGHT_PORT_BASE
from devices.seed import generate_cctv
from geodata.seed import generator_for
from geodata.synthetic.common import CENTRAL_KECAMATAN, DATA_DIR, UTM
from geodata.synthetic.transit import generate_transit_stops
from layers.model import PYTHON_TYPES, LayerSpec
from layers.registry import get_registry
from services.analysis.bnpb import count_flood_events
from services.analysis.seed import risk_class

KELURAHAN_FILE = DATA_DIR / "medan_kelurahan.geojson"
SYNTHETIC_LAYERS = sorted(
    (spec.id, spec.seed.generator) for spec in get_registry() if spec.seed.kind == "synthetic"
)
# Each synthetic layer's generator, found the way the seed finds it: through its declaration.
GENERATORS = {spec.id: generator_for(spec) for spec in get_registry() if spec.seed.kind == "synthetic"}


@pytest.fixture(scope="module")
def kelurahan() -> gpd.GeoDataFrame:
    return gpd.read_file(KELURAHAN_FILE)


@pytest.fixture(scope="module")
def city_utm(kelurahan: gpd.GeoDataFrame) -> shapely.Geometry:
    # The 1 m tolerance absorbs reprojection round-off, not real misplacement.
    city = shapely.union_all(kelurahan.to_crs(UTM).geometry.values).buffer(1.0)
    shapely.prepare(city)
    return city


@pytest.fixture(scope="module")
def generated(kelurahan: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    return {name: fn(kelurahan) for name, fn in GENERATORS.items()}


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def declaration_problems(spec: LayerSpec, frame: gpd.GeoDataFrame) -> list[str]:
    """Every value that the declaration of `spec` would reject, as readable messages."""
    problems = []
    for prop in spec.properties:
        if prop.name not in frame.columns:
            if prop.required:
                problems.append(f"{spec.id}.{prop.name}: required column missing")
            continue
        for row, raw in enumerate(frame[prop.name].tolist()):
            value = _plain(raw)
            where = f"{spec.id}.{prop.name}[{row}]={value!r}"
            if value is None or (not isinstance(value, str | date) and pd.isna(value)):
                if prop.required:
                    problems.append(f"{where}: required")
                continue
            if not isinstance(value, PYTHON_TYPES[prop.type]) or (
                isinstance(value, bool) != (prop.type == "boolean")
            ):
                problems.append(f"{where}: not a {prop.type}")
            if prop.allowed is not None and value not in prop.allowed:
                problems.append(f"{where}: not in {prop.allowed}")
            if prop.minimum is not None and value < prop.minimum:
                problems.append(f"{where}: below {prop.minimum}")
            if prop.maximum is not None and value > prop.maximum:
                problems.append(f"{where}: above {prop.maximum}")
            if prop.max_length is not None and len(value) > prop.max_length:
                problems.append(f"{where}: longer than {prop.max_length}")
    return problems


def test_every_synthetic_declaration_has_a_generator() -> None:
    assert SYNTHETIC_LAYERS
    for layer_id, generator in SYNTHETIC_LAYERS:
        module, _, function = generator.partition(":")
        assert callable(GENERATORS[layer_id]) and GENERATORS[layer_id].__name__ == function
        assert module.split(".")[0] in ("geodata", "services", "devices"), generator


@pytest.mark.parametrize("layer_id", sorted(GENERATORS))
def test_matches_declaration(layer_id: str, generated: dict[str, gpd.GeoDataFrame]) -> None:
    spec = get_registry().get(layer_id)
    frame = generated[layer_id]
    assert len(frame) > 0
    # The seed keeps only declared columns and promotes single parts to the declared
    # multi type, so a generator may leave optional properties out, carry columns of
    # a companion layer it also feeds, and return Polygons for a MultiPolygon layer.
    assert frame.columns[-1] == "geometry"
    assert {p.name for p in spec.properties if p.required} <= set(frame.columns)
    assert frame.crs.to_epsg() == 4326
    assert set(frame.geom_type) <= {spec.geometry, spec.geometry.removeprefix("Multi")}
    assert frame.geometry.is_valid.all()
    assert declaration_problems(spec, frame) == []
    if spec.key:
        assert frame[spec.key].is_unique


@pytest.mark.parametrize("layer_id", sorted(GENERATORS))
def test_inside_the_city(layer_id: str, generated: dict[str, gpd.GeoDataFrame],
                         city_utm: shapely.Geometry) -> None:
    geoms = generated[layer_id].to_crs(UTM).geometry.values
    outside = ~shapely.within(geoms, city_utm)
    assert not outside.any(), f"{outside.sum()} features leave the city"


@pytest.mark.parametrize("layer_id", sorted(GENERATORS))
def test_deterministic(layer_id: str, kelurahan: gpd.GeoDataFrame,
                       generated: dict[str, gpd.GeoDataFrame]) -> None:
    again = GENERATORS[layer_id](kelurahan)
    assert_geodataframe_equal(generated[layer_id], again)
    shuffled = kelurahan.sample(frac=1.0, random_state=1)
    assert_geodataframe_equal(generated[layer_id], GENERATORS[layer_id](shuffled))


def test_another_seed_gives_other_data(kelurahan: gpd.GeoDataFrame,
                                       generated: dict[str, gpd.GeoDataFrame]) -> None:
    other = generate_cctv(kelurahan, seed=1)
    assert not other.geometry.geom_equals(generated["cctv"].geometry).all()


def test_routes(generated: dict[str, gpd.GeoDataFrame]) -> None:
    routes = generated["transit_routes"]
    assert 20 <= len(routes) <= 30
    assert routes["nama"].is_unique
    assert routes["nama"].str.contains(" – ").all()
    km = routes.to_crs(UTM).length / 1000
    assert km.between(8, 25).all()
    assert np.allclose(km, routes["panjang_km"], atol=0.01)


def test_stops_lie_on_the_routes_they_list(generated: dict[str, gpd.GeoDataFrame]) -> None:
    routes = generated["transit_routes"].to_crs(UTM).set_index("kode_trayek")
    stops = generated["transit_stops"].to_crs(UTM)
    assert 300 <= len(stops) <= 600
    assert set(stops["jenis"]) == {"halte", "titik_naik"}
    assert (stops["jenis"] == "titik_naik").mean() > 0.6
    for stop, trayek in zip(stops.geometry, stops["trayek"], strict=True):
        codes = trayek.split(",")
        assert set(codes) <= set(routes.index)
        assert all(routes.geometry[c].distance(stop) <= 30 for c in codes)
        near = {c for c, line in routes.geometry.items() if line.distance(stop) <= 30}
        assert near == set(codes)


def test_stops_accept_given_routes(kelurahan: gpd.GeoDataFrame,
                                   generated: dict[str, gpd.GeoDataFrame]) -> None:
    few = generated["transit_routes"].head(3)
    stops = generate_transit_stops(kelurahan, routes=few)
    served = {c for t in stops["trayek"] for c in t.split(",")}
    assert served == set(few["kode_trayek"])


def test_flood_risk(kelurahan: gpd.GeoDataFrame, generated: dict[str, gpd.GeoDataFrame]) -> None:
    risk = generated["disaster_risk_zones"]
    assert len(risk) == len(kelurahan)
    assert (risk["bahaya"] == "banjir").all()
    assert (risk["kelas"] == risk["skor"].map(risk_class)).all()
    assert set(risk["kelas"]) == {"rendah", "sedang", "tinggi"}
    codes = kelurahan.set_index(["nama_kel", "nama_kec"])["kode_kel"]
    events = risk.set_index("kode_kel")["kejadian_banjir"]
    assert (events > 0).sum() >= 20
    assert events[codes["Aur", "Medan Maimun"]] > 0
    assert events[codes["Beringin", "Medan Selayang"]] > 0
    assert events[codes["Sei Mati", "Medan Maimun"]] > 0
    # Its namesake elsewhere is never named with Kec. Medan Labuhan.
    assert events[codes["Sei Mati", "Medan Labuhan"]] == 0
    # The most flooded kelurahan along Sei Deli rank high.
    assert (risk.set_index("kode_kel").loc[codes["Aur", "Medan Maimun"], "kelas"]) == "tinggi"


def test_flood_event_names_are_matched_tolerantly(kelurahan: gpd.GeoDataFrame) -> None:
    events = pd.DataFrame({
        "Kejadian": ["BANJIR", "BANJIR", "BANJIR", "LONGSOR"],
        "Lokasi": ["Kec. Medan Sunggal Kel. Tj Rejo Kec. Medan Barat Kel. Karang Beromba",
                   "kec. Medan Maemun - Ds.Aur, Kel Sei mati.", None, "Kec. Medan Maimun Kel. Aur"],
    })
    counts = count_flood_events(kelurahan, events)
    hit = set(counts[counts > 0].index)
    assert hit == {"12.71.02.1005", "12.71.05.1006", "12.71.15.1001", "12.71.15.1005"}
    assert counts.max() == 1


def test_food_insecurity(generated: dict[str, gpd.GeoDataFrame]) -> None:
    food = generated["food_insecurity"]
    assert len(food) == 151
    assert food["persen_miskin"].between(2, 20).all()
    assert food["indeks"].between(0, 1).all()
    assert set(food["prioritas"]) == set(range(1, 7))
    means = food.groupby("prioritas")["indeks"].mean()
    assert means.is_monotonic_decreasing  # priority 1 is the most insecure
    assert food["jarak_faskes_km"].max() < 6  # real facilities are everywhere in the city


@pytest.mark.parametrize(("layer_id", "prefix", "count", "port", "poll"), [
    ("cctv", "CCTV-", 120, CCTV_PORT_BASE, 5.0),
    ("atcs_intersections", "ATCS-", 60, ATCS_PORT_BASE, 1.0),
    ("street_lights", "LPJU-", 600, STREET_LIGHT_PORT_BASE, 10.0),
])
def test_devices(layer_id: str, prefix: str, count: int, port: int, poll: float,
                 generated: dict[str, gpd.GeoDataFrame]) -> None:
    devices = generated[layer_id]
    assert len(devices) == count
    assert devices["kode"].str.match(re.escape(prefix) + r"\d{3,4}$").all()
    assert devices["nama"].is_unique
    assert (devices["modbus_host"] == "127.0.0.1").all()
    assert (devices["poll_interval_s"] == poll).all()
    assert 0 < (devices["status"] == "nonaktif").sum() < count * 0.15
    assert all(date(2017, 1, 1) <= d <= date(2025, 12, 31) for d in devices["dipasang"])
    addresses = list(zip(devices["modbus_port"], devices["modbus_unit"], strict=True))
    assert len(set(addresses)) == count
    assert devices["modbus_unit"].between(1, 247).all()
    expected_ports = [port + i // 247 for i in range(count)]
    assert devices["modbus_port"].tolist() == expected_ports


@pytest.mark.parametrize("layer_id", ["cctv", "atcs_intersections"])
def test_devices_are_denser_in_the_centre(layer_id: str, kelurahan: gpd.GeoDataFrame,
                                          generated: dict[str, gpd.GeoDataFrame]) -> None:
    central = kelurahan[kelurahan["nama_kec"].isin(CENTRAL_KECAMATAN)]
    area_share = central.to_crs(UTM).area.sum() / kelurahan.to_crs(UTM).area.sum()
    inside = generated[layer_id].within(shapely.union_all(central.geometry.values))
    assert inside.mean() > 2 * area_share


def test_street_lights_follow_the_routes(generated: dict[str, gpd.GeoDataFrame]) -> None:
    routes = shapely.union_all(generated["transit_routes"].to_crs(UTM).geometry.values)
    lights = generated["street_lights"].to_crs(UTM)
    on_routes = lights.distance(routes) < 1
    assert 0.5 < on_routes.mean() < 0.8
