"""Seed of school_zones: the PPDB zones of the seed schools."""

from __future__ import annotations

import geopandas as gpd

from geodata.seed import seed_input
from services.ppdb.zones import city_outline, compute_zones


def generate_school_zones(kelurahan: gpd.GeoDataFrame, **context: object) -> gpd.GeoDataFrame:
    """The zones of the schools the seed loads, clipped to the city (services.ppdb.zones)."""
    return compute_zones(seed_input("schools", kelurahan), city_outline(kelurahan))
