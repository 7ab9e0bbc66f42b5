"""The dask-geopandas variant gives exactly the in-memory result."""

from __future__ import annotations

import dask_geopandas
import geopandas as gpd

from config.settings import PROJECT_ROOT
from geodata.synthetic.population import generate_sample_points
from services.analysis.hazard import FLOOD_INDEX_FILE
from services.analysis.scale import exposure_counts, exposure_counts_dask
from services.analysis.zonal import open_hazard

KELURAHAN_FILE = PROJECT_ROOT / "geodata" / "data" / "medan_kelurahan.geojson"


def test_partitions_agree_with_memory() -> None:
    kel = gpd.read_file(KELURAHAN_FILE)[["kode_kel", "geometry"]]
    points = generate_sample_points(kel, n=20_000)[["geometry"]]
    raster = open_hazard(FLOOD_INDEX_FILE, kel)
    memory = exposure_counts(points, kel, raster, [0.33, 0.66])
    parts = exposure_counts_dask(dask_geopandas.from_geopandas(points, npartitions=4), kel, raster, [0.33, 0.66])
    assert memory.to_numpy().sum() > 19_000  # nearly every point is in a kelurahan on a valid cell
    assert (memory.to_numpy() == parts.to_numpy()).all()
