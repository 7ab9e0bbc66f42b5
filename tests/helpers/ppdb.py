"""Helpers of the PPDB online tests: a school of a level with its surroundings inside Medan, homes near it."""

from __future__ import annotations

from sqlalchemy import Connection, text


def school_in_the_city(conn: Connection, level: str) -> tuple[str, str]:
    """(npsn, nama) of a public school of `level` whose surroundings (1 km every 45°) lie in Medan."""
    row = conn.execute(text("""
        SELECT a.npsn, a.nama FROM layers.schools a
        WHERE a.jenjang = :level AND a.status = 'Negeri' AND NOT a.lokasi_diragukan
          AND (SELECT count(*) FROM generate_series(0, 315, 45) az JOIN layers.kelurahan k
               ON ST_Intersects(k.geom, ST_Project(a.geom::geography, 1000, radians(az))::geometry)) = 8
        ORDER BY a.npsn LIMIT 1"""), {"level": level}).first()
    assert row is not None
    return row.npsn, row.nama


def home_near(conn: Connection, npsn: str, metres: float, azimuth: float) -> tuple[float, float]:
    """(lon, lat) of a home `metres` from the school on a bearing."""
    return tuple(conn.execute(text("""
        SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Project(geom::geography, :d, radians(:az))::geometry AS p
        FROM layers.schools WHERE npsn = :n) q"""), {"n": npsn, "d": metres, "az": azimuth}).one())
