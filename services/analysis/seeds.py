"""Seeds for the analysis result layers: the analyses themselves, run on the seed inputs.

Every layer must have seed features (the registry's drift tests), and a result
layer's honest seed is the analysis on the data the other layers are seeded
with. The inputs come from the same files and generators the seed uses, so
this needs no database; geodata.synthetic's generators call these functions.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from layers.registry import get_registry

_MEMO: dict[tuple[str, int], gpd.GeoDataFrame] = {}


def seed_input(layer_id: str, kelurahan: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """What the seed loads into a layer, without loading it (memoised: three results share inputs)."""
    key = (layer_id, hash(tuple(shapely.to_wkb(kelurahan.geometry.values))))
    if key not in _MEMO:
        _MEMO[key] = _seed_input(layer_id, kelurahan)
    return _MEMO[key].copy()


def _seed_input(layer_id: str, kelurahan: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    from geodata.seed import DATA_DIR
    from geodata.synthetic import GENERATORS
    from layers.files import read_file

    spec = get_registry().get(layer_id)
    if spec.seed.kind == "file":
        return read_file(DATA_DIR / spec.seed.path, spec, rename=spec.seed.rename).to_crs("EPSG:4326")
    return GENERATORS[spec.seed.generator](kelurahan)


def flood_exposure(kelurahan: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    from services.analysis.hazard import FLOOD_INDEX_FILE
    from services.analysis.risk import FLOOD_EVENTS_FILE, RiskParameters, compute_risk
    from services.analysis.zonal import open_hazard

    results = compute_risk(kelurahan, seed_input("poverty", kelurahan), seed_input("schools", kelurahan),
                           seed_input("health_facilities", kelurahan), seed_input("transit_routes", kelurahan),
                           open_hazard(FLOOD_INDEX_FILE, kelurahan), pd.read_csv(FLOOD_EVENTS_FILE),
                           RiskParameters(), stops=seed_input("transit_stops", kelurahan))
    return results["flood_exposure"]


def flood_hazard_zones(kelurahan: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    from services.analysis.hazard import FLOOD_INDEX_FILE
    from services.analysis.hazard_zones import compute_hazard_zones, raster_is_synthetic
    from services.analysis.zonal import open_hazard

    return compute_hazard_zones(open_hazard(FLOOD_INDEX_FILE, kelurahan), kelurahan,
                                synthetic=raster_is_synthetic(FLOOD_INDEX_FILE))


def transit_coverage(kelurahan: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    from services.analysis.transit import compute_coverage

    return compute_coverage(kelurahan, seed_input("poverty", kelurahan), seed_input("transit_routes", kelurahan))


def service_access(kelurahan: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    from services.analysis.access import compute_access

    return compute_access(kelurahan, seed_input("health_facilities", kelurahan), seed_input("schools", kelurahan))
