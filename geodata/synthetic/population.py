"""Synthetic population, poverty and food-security indicators per kelurahan, and sample points.

`food_insecurity` uses the real distance to the nearest Kemenkes health
facility; its other indicators are made up. `poverty` shares the food seed's
stream so both layers agree.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.synthetic.common import (
    DEFAULT_SEED,
    FASKES_FILE,
    UTM,
    WGS84,
    as_multipolygon,
    geoframe,
    layer_rng,
    minmax,
    nearest_km,
    prepare_kelurahan,
    to_utm,
)


def _market_points(kel: gpd.GeoDataFrame, rep_utm: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The kelurahan named after a pasar, plus one made-up market per kecamatan."""
    named = kel["nama_kel"].str.contains("Pasar", case=False).to_numpy()
    rows = set(np.flatnonzero(named).tolist())
    for _, group in kel.groupby("kode_kec", sort=True):
        rows.add(int(rng.choice(group.index.to_numpy())))
    return rep_utm[sorted(rows)]


def _food_indicators(kel: gpd.GeoDataFrame, faskes: gpd.GeoDataFrame,
                     rng: np.random.Generator) -> dict[str, np.ndarray]:
    rep_utm = np.asarray(to_utm(kel["rep"].values), dtype=object)
    faskes = faskes.set_crs(WGS84) if faskes.crs is None else faskes
    faskes_utm = np.asarray(faskes.to_crs(UTM).geometry.values, dtype=object)
    xy = shapely.get_coordinates(rep_utm)
    centre = xy.mean(axis=0)
    # Poverty in Medan rises towards the port and fishing areas of the north.
    north = minmax(xy[:, 1])
    remote = minmax(np.hypot(*(xy - centre).T))
    miskin = np.clip(3 + 11 * north + 4 * remote + rng.normal(0, 2.0, len(xy)), 2, 20)
    air = np.clip(2 + 1.3 * miskin + rng.normal(0, 4.0, len(xy)), 0.5, 60)
    pasar = nearest_km(rep_utm, _market_points(kel, rep_utm, rng)) + rng.uniform(0.2, 0.8, len(xy))
    return {
        "persen_miskin": np.round(miskin, 1),
        "jarak_pasar_km": np.round(pasar, 2),
        "jarak_faskes_km": np.round(nearest_km(rep_utm, faskes_utm), 2),
        "persen_tanpa_air_bersih": np.round(air, 1),
    }


def generate_food_insecurity(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED,
                             faskes: gpd.GeoDataFrame | None = None,
                             **context) -> gpd.GeoDataFrame:
    """FSVA-style composite per kelurahan; priority 1 is the most food-insecure sixth."""
    kel = prepare_kelurahan(kelurahan)
    faskes = gpd.read_file(FASKES_FILE) if faskes is None else faskes
    ind = _food_indicators(kel, faskes, layer_rng(seed, "food_insecurity"))
    weights = {"persen_miskin": 0.35, "jarak_pasar_km": 0.2,
               "jarak_faskes_km": 0.2, "persen_tanpa_air_bersih": 0.25}
    indeks = np.round(sum(w * minmax(ind[k]) for k, w in weights.items()), 3)
    breaks = np.quantile(indeks, [1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6])
    prioritas = 6 - np.searchsorted(breaks, indeks, side="right")
    df = pd.DataFrame({"kode_kel": kel["kode_kel"], "nama_kel": kel["nama_kel"], **ind,
                       "indeks": indeks, "prioritas": prioritas.astype(int)})
    geoms = [as_multipolygon(g) for g in kel.geometry]
    return geoframe(df.to_dict("records"), geoms, list(df.columns))


def generate_sample_points(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED, n: int = 1000,
                           **context: object) -> gpd.GeoDataFrame:
    """Uniform points inside the city for performance tests (vectorised: 1,000,000 in seconds)."""
    rng = layer_rng(seed, "sample_points")
    city = shapely.union_all(kelurahan.geometry.values)
    shapely.prepare(city)
    x0, y0, x1, y1 = city.bounds
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    found = 0
    while found < n:
        batch = max(1024, int((n - found) * 1.6))
        x = rng.uniform(x0, x1, batch)
        y = rng.uniform(y0, y1, batch)
        inside = shapely.contains_xy(city, x, y)
        xs.append(x[inside])
        ys.append(y[inside])
        found += int(inside.sum())
    x = np.concatenate(xs)[:n]
    y = np.concatenate(ys)[:n]
    start = pd.Timestamp("2024-01-01T00:00:00+07:00")
    seconds = rng.integers(0, 3 * 365 * 24 * 3600, n)
    return gpd.GeoDataFrame(
        {
            "kode": [f"S{i:07d}" for i in range(1, n + 1)],
            "kategori": rng.choice(np.array(["a", "b", "c", "d", "e"]), n),
            "nilai": np.round(rng.normal(50.0, 15.0, n), 3),
            "waktu": start + pd.to_timedelta(seconds, unit="s"),
        },
        geometry=shapely.points(x, y),
        crs="EPSG:4326",
    )


def generate_poverty(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED,
                     faskes: gpd.GeoDataFrame | None = None, total_population: int = 2_490_000,
                     **context) -> gpd.GeoDataFrame:
    """Synthetic population and poverty per kelurahan (services/analysis/poverty.py).

    Poverty, clean water and market distance are the food-insecurity seed's own
    indicators (same stream), so both layers agree. Population is denser towards
    the centre and scaled to about Medan's total; none of it is BPS data.
    """
    kel = prepare_kelurahan(kelurahan)
    faskes = gpd.read_file(FASKES_FILE) if faskes is None else faskes
    ind = _food_indicators(kel, faskes, layer_rng(seed, "food_insecurity"))
    rng = layer_rng(seed, "poverty")
    area_km2 = shapely.area(to_utm(kel.geometry.values)) / 1e6
    xy = shapely.get_coordinates(to_utm(kel["rep"].values))
    remote = minmax(np.hypot(*(xy - xy.mean(axis=0)).T))
    people = (3000 + 22000 * (1 - remote) ** 2) * rng.lognormal(0, 0.25, len(kel)) * area_km2
    people = np.round(people * total_population / people.sum()).astype(int)
    poor = np.round(people * ind["persen_miskin"] / 100).astype(int)
    df = pd.DataFrame({"kode_kel": kel["kode_kel"], "nama_kel": kel["nama_kel"], "nama_kec": kel["nama_kec"],
                       "tahun": 2025, "penduduk": people, "penduduk_miskin": poor,
                       "persen_miskin": np.round(100 * poor / people, 1),
                       "persen_tanpa_air_bersih": ind["persen_tanpa_air_bersih"],
                       "jarak_pasar_km": ind["jarak_pasar_km"]})
    return geoframe(df.to_dict("records"), [as_multipolygon(g) for g in kel.geometry], list(df.columns))
