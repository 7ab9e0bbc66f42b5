"""Food insecurity per kelurahan, in the manner of Indonesia's FSVA (Peta Ketahanan
dan Kerentanan Pangan).

The FSVA scores each area on a set of declared indicators of availability,
access and utilisation, combines them into a composite with fixed weights, and
ranks areas into six priority groups (prioritas 1 = most vulnerable). Here:

| indicator                 | pillar              | source layer          | direction |
|---------------------------|---------------------|-----------------------|-----------|
| persen_miskin             | access (poverty)    | poverty               | higher = worse |
| jarak_pasar_km            | access (markets)    | poverty (Podes-style) | higher = worse |
| jarak_faskes_km           | utilisation         | health_facilities     | higher = worse |
| persen_tanpa_air_bersih   | utilisation (water) | poverty               | higher = worse |

Each indicator is rescaled to [0, 1] across the city (min–max), weighted (the
weights must sum to 1) and summed into `indeks`. Priority groups come from
class breaks: by default the city's sextiles of the index (as the FSVA's six
groups), or five explicit thresholds. Every indicator is kept in the result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Engine

from layers import read_layer
from services.analysis.common import (
    ANALYSIS_ACTOR,
    UTM,
    AnalysisError,
    RunReport,
    check_breaks,
    check_weights,
    kelurahan_frame,
    minmax,
    now,
    publish,
)

INDICATORS = ["persen_miskin", "jarak_pasar_km", "jarak_faskes_km", "persen_tanpa_air_bersih"]
DEFAULT_WEIGHTS = {"persen_miskin": 0.35, "jarak_pasar_km": 0.2, "jarak_faskes_km": 0.2,
                   "persen_tanpa_air_bersih": 0.25}
INPUT_LAYERS = ["kelurahan", "poverty", "health_facilities"]


def nearest_km(origins: gpd.GeoSeries, targets: gpd.GeoSeries) -> np.ndarray:
    """Straight-line kilometres from each origin to the nearest target (UTM 47N)."""
    if len(targets) == 0:
        raise AnalysisError("there is no target to measure a distance to")
    o = np.asarray(origins.to_crs(UTM).values)
    t = np.asarray(targets.to_crs(UTM).values)
    _, distance = shapely.STRtree(t).query_nearest(o, return_distance=True, all_matches=False)
    return distance / 1000.0


def priority(indeks: np.ndarray, breaks: str | Sequence[float]) -> np.ndarray:
    """Priority 1 (most insecure) .. 6 from the index and five breaks (or 'quantile' sextiles)."""
    if isinstance(breaks, str):
        if breaks != "quantile":
            raise AnalysisError(f"class breaks must be 'quantile' or five numbers, not {breaks!r}")
        cuts = np.quantile(indeks, [1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6])
    else:
        cuts = np.asarray(check_breaks(list(breaks), count=5, name="food insecurity class breaks"))
    return (6 - np.searchsorted(cuts, indeks, side="right")).astype(int)


def compute_food(kelurahan: gpd.GeoDataFrame, poverty: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, *,
                 weights: Mapping[str, float] | None = None,
                 breaks: str | Sequence[float] = "quantile") -> gpd.GeoDataFrame:
    """The food_insecurity result frame, without touching the database."""
    w = check_weights(weights or DEFAULT_WEIGHTS, INDICATORS)
    kel = kelurahan_frame(kelurahan)
    stats = kel[["kode_kel"]].merge(
        pd.DataFrame(poverty).drop(columns="geometry", errors="ignore")[["kode_kel", "persen_miskin", "jarak_pasar_km",
                                                        "persen_tanpa_air_bersih"]],
        on="kode_kel", how="left")
    missing = stats.loc[stats[["persen_miskin", "jarak_pasar_km", "persen_tanpa_air_bersih"]].isna().any(axis=1),
                        "kode_kel"].tolist()
    if missing:
        raise AnalysisError(f"the poverty layer has no figures for {len(missing)} kelurahan "
                            f"(first: {missing[:5]}); load them before computing the index")
    indicators = {
        "persen_miskin": stats["persen_miskin"].to_numpy(dtype=float),
        "jarak_pasar_km": stats["jarak_pasar_km"].to_numpy(dtype=float),
        # The same representative point the seed used, so seed and analysis agree.
        "jarak_faskes_km": np.round(nearest_km(kel.geometry.representative_point(), facilities.geometry), 2),
        "persen_tanpa_air_bersih": stats["persen_tanpa_air_bersih"].to_numpy(dtype=float),
    }
    indeks = np.round(sum(w[k] * minmax(indicators[k]) for k in INDICATORS), 3)
    frame = pd.DataFrame({"kode_kel": kel["kode_kel"], "nama_kel": kel["nama_kel"], **indicators,
                          "indeks": indeks, "prioritas": priority(indeks, breaks)})
    return gpd.GeoDataFrame(frame, geometry=kel.geometry.reset_index(drop=True), crs=kel.crs)


def run_food(engine: Engine, *, weights: Mapping[str, float] | None = None,
             breaks: str | Sequence[float] = "quantile", actor: str = ANALYSIS_ACTOR) -> RunReport:
    started = now()
    w = check_weights(weights or DEFAULT_WEIGHTS, INDICATORS)
    result = compute_food(read_layer(engine, "kelurahan"), read_layer(engine, "poverty"),
                          read_layer(engine, "health_facilities"), weights=w, breaks=breaks)
    parameters = {"indicators": INDICATORS, "weights": w, "breaks": breaks if isinstance(breaks, str) else list(breaks),
                  "normalisation": "min-max across kelurahan", "direction": "higher is more insecure"}
    return publish(engine, "food", {"food_insecurity": result}, input_layers=INPUT_LAYERS,
                   parameters=parameters, started_at=started, actor=actor)
