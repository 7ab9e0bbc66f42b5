"""The permits service's SQL: what lies under and around a plot (:geometry, GeoJSON, WGS 84)."""

from __future__ import annotations

from sqlalchemy import TextClause, text

# Metres within which a river is looked for; farther than this, the distance is "more than".
RIVER_SEARCH_M = 1000


def select_site() -> TextClause:
    """The zones under the plot with the share of the plot each covers (largest first), the worst flood
    hazard class it touches, and the distance to the nearest river within RIVER_SEARCH_M."""
    return text("""
        WITH plot AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON(:geometry), 4326) AS g)
        SELECT
          (SELECT coalesce(json_agg(z ORDER BY z.share DESC), '[]'::json) FROM (
             SELECT zone_id, zone_code, zone_name, allowed_uses, max_floors,
                    round((ST_Area(ST_Intersection(zn.geom, plot.g)::geography)
                           / NULLIF(ST_Area(plot.g::geography), 0))::numeric, 3)::float8 AS share
             FROM layers.zoning zn, plot WHERE ST_Intersects(zn.geom, plot.g)) z) AS zones,
          (SELECT f.kelas FROM layers.flood_hazard_zones f, plot WHERE ST_Intersects(f.geom, plot.g)
             ORDER BY array_position(ARRAY['rendah', 'sedang', 'tinggi'], f.kelas) DESC LIMIT 1) AS flood_class,
          (SELECT min(ST_Distance(r.geom::geography, plot.g::geography)) FROM layers.rivers r, plot
             WHERE ST_DWithin(r.geom::geography, plot.g::geography, :search_m)) AS river_m
        FROM plot""")
