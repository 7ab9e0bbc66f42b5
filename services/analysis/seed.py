"""Seeds of the layers the analysis service computes: the analyses themselves, run on the seed inputs.

Every layer must have seed features (the registry's drift tests), and a result
layer's honest seed is the analysis on the data the other layers are seeded
with. The inputs come from the same files and generators the seed uses
(geodata.seed.seed_input), so this needs no database. The layer declarations
name these functions (`generator: services.analysis.seed:<function>`).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.seed import seed_input
from geodata.synthetic.common import (
    DEFAULT_SEED,
    FLOOD_EVENTS_FILE,
    RIVERS_FILE,
    UTM,
    WGS84,
    as_multipolygon,
    geoframe,
    prepare_kelurahan,
    to_utm,
)
from services.analysis.access import compute_access
from services.analysis.bnpb import count_flood_events
from services.analysis.hazard import FLOOD_INDEX_FILE
from services.analysis.hazard_zones import compute_hazard_zones, raster_is_synthetic
from services.analysis.risk import RiskParameters, compute_risk
from services.analysis.transit import compute_coverage
from services.analysis.zonal import open_hazard


def generate_flood_exposure(kelurahan: gpd.GeoDataFrame, **context: object) -> gpd.GeoDataFrame:
    """Exposure to flood hazard per kelurahan: the risk analysis on the seed inputs."""
    results = compute_risk(kelurahan, seed_input("poverty", kelurahan), seed_input("schools", kelurahan),
                           seed_input("health_facilities", kelurahan), seed_input("transit_routes", kelurahan),
                           open_hazard(FLOOD_INDEX_FILE, kelurahan), pd.read_csv(FLOOD_EVENTS_FILE),
                           RiskParameters(), stops=seed_input("transit_stops", kelurahan))
    return results["flood_exposure"]


def generate_flood_hazard_zones(kelurahan: gpd.GeoDataFrame, **context: object) -> gpd.GeoDataFrame:
    """The synthetic flood-prone raster vectorised per hazard class."""
    return compute_hazard_zones(open_hazard(FLOOD_INDEX_FILE, kelurahan), kelurahan,
                                synthetic=raster_is_synthetic(FLOOD_INDEX_FILE))


def generate_transit_coverage(kelurahan: gpd.GeoDataFrame, **context: object) -> gpd.GeoDataFrame:
    """The coverage analysis on the seed routes and population."""
    return compute_coverage(kelurahan, seed_input("poverty", kelurahan), seed_input("transit_routes", kelurahan))


def generate_service_access(kelurahan: gpd.GeoDataFrame, **context: object) -> gpd.GeoDataFrame:
    """The access analysis on the real facilities and schools."""
    return compute_access(kelurahan, seed_input("health_facilities", kelurahan), seed_input("schools", kelurahan))


def _river_share(kel: gpd.GeoDataFrame, rivers: gpd.GeoDataFrame, buffer_m: float) -> np.ndarray:
    rivers = rivers.set_crs(WGS84) if rivers.crs is None else rivers
    near = shapely.union_all(rivers.to_crs(UTM).geometry.values).buffer(buffer_m)
    polys = to_utm(kel.geometry.values)
    return shapely.area(shapely.intersection(polys, near)) / shapely.area(polys)


def risk_class(skor: float) -> str:
    """Break the risk score into the declared classes."""
    return "rendah" if skor < 0.33 else "sedang" if skor < 0.66 else "tinggi"


def generate_disaster_risk_zones(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED,
                                 rivers: gpd.GeoDataFrame | None = None,
                                 events: pd.DataFrame | None = None,
                                 **context) -> gpd.GeoDataFrame:
    """Flood risk per kelurahan from river proximity (BIG RBI) and BNPB flood records.

    skor = 0.5 · share of the area within 300 m of a river
         + 0.5 · log(1 + events) / log(1 + 10), the event term capped at 1.
    Nothing here is random; `seed` is accepted for a uniform generator interface.
    """
    kel = prepare_kelurahan(kelurahan)
    rivers = gpd.read_file(RIVERS_FILE) if rivers is None else rivers
    events = pd.read_csv(FLOOD_EVENTS_FILE) if events is None else events
    share = _river_share(kel, rivers, buffer_m=300.0)
    counts = count_flood_events(kel, events).to_numpy()
    event_term = np.minimum(1.0, np.log1p(counts) / np.log1p(10))
    skor = np.round(np.clip(0.5 * share + 0.5 * event_term, 0.0, 1.0), 3)
    records = [{
        "kode_kel": kode, "nama_kel": nama, "bahaya": "banjir",
        "kelas": risk_class(float(s)), "skor": float(s), "kejadian_banjir": int(c),
    } for kode, nama, s, c in zip(kel["kode_kel"], kel["nama_kel"], skor, counts, strict=True)]
    geoms = [as_multipolygon(g) for g in kel.geometry]
    columns = ["kode_kel", "nama_kel", "bahaya", "kelas", "skor", "kejadian_banjir"]
    return geoframe(records, geoms, columns)
