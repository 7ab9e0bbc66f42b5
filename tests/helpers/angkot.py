"""Points of the seeded angkot network the trip tests start and end at (deterministic seed)."""

from __future__ import annotations

from sqlalchemy import Engine, text

# Both on KPUM 41 only, 550 m apart along it: a one-ride trip.
ONE_RIDE = ("HLT-0180", "HLT-0181")
# Rahayu 5 only -> Medan Bus 8 only: no route passes both, a one-transfer trip.
ONE_TRANSFER = ("HLT-0002", "HLT-0019")
# Belawan I: no route within 8 km (the nearest passes Labuhan); inside the city all the same.
FAR_FROM_ROUTES = "Belawan I"


def stop_point(engine: Engine, kode_halte: str) -> tuple[float, float]:
    with engine.connect() as conn:
        row = conn.execute(text("SELECT ST_X(geom), ST_Y(geom) FROM layers.transit_stops WHERE kode_halte = :k"),
                           {"k": kode_halte}).one()
    return float(row[0]), float(row[1])


def kelurahan_point(engine: Engine, nama_kel: str) -> tuple[float, float]:
    with engine.connect() as conn:
        row = conn.execute(text("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p "
                                "FROM layers.kelurahan WHERE nama_kel = :n) q"), {"n": nama_kel}).one()
    return float(row[0]), float(row[1])


def as_param(point: tuple[float, float]) -> str:
    return f"{point[0]:.6f},{point[1]:.6f}"
