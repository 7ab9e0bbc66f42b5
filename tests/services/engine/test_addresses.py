"""Addresses placed on the street or place they name (services/engine/gazetteer.py, issue 20 item 2):
Open311 address_string, address-only applications, a PPDB home. On the seed plus the hand-made
OpenStreetMap file of real Medan streets and places (tests/layers/data/medan_places.osm)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text

from geodata.osm import import_extract
from layers.db import engine_for
from services.engine.gazetteer import address_parts, resolve_address
from services.errors import ServiceError
from tests.helpers.complaints import post_report
from tests.helpers.database import settings_for

EXTRACT = Path(__file__).resolve().parents[2] / "layers" / "data" / "medan_places.osm"


@pytest.fixture(scope="module")
def places(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        transaction = connection.begin()
        import_extract(connection, EXTRACT, actor="test")
        yield connection
        transaction.rollback()


def _metres_to_street(conn: Connection, name: str, lon: float, lat: float) -> float:
    return conn.execute(text(
        "SELECT min(ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(:x, :y), 4326)::geography)) "
        "FROM layers.osm_roads WHERE nama = :n"), {"x": lon, "y": lat, "n": name}).scalar_one()


def _kelurahan_at(conn: Connection, lon: float, lat: float) -> str:
    return conn.execute(text("SELECT nama_kel FROM layers.kelurahan "
                             "WHERE ST_Intersects(geom, ST_SetSRID(ST_MakePoint(:x, :y), 4326))"),
                        {"x": lon, "y": lat}).scalar_one()


def test_address_parts_drop_the_number_rt_rw_postcode_and_city() -> None:
    assert address_parts("Jl. Gatot Subroto No. 12A RT 03 RW 05, Kel. Sei Sikambing B, Kec. Medan Sunggal, "
                         "Medan 20122") == ["Jl. Gatot Subroto"]
    assert address_parts("Gg. Buntu no 7; Kota Medan") == ["Gg. Buntu"]


def test_a_street_address_is_put_on_the_street(places: Connection) -> None:
    place = resolve_address(places, "Jln. Sisingamangaraja No. 5, Medan")
    assert (place.named, place.kind) == ("Jalan Sisingamangaraja", "jalan")
    assert _metres_to_street(places, "Jalan Sisingamangaraja", place.lon, place.lat) < 1
    assert place.nama_kel == _kelurahan_at(places, place.lon, place.lat)
    assert place.how == "titik pada jalan yang disebut alamat"
    assert place.label == f"Jalan Sisingamangaraja, Kel. {place.nama_kel}, Kec. {place.nama_kec}"


def test_the_kelurahan_named_picks_the_part_of_a_long_street(places: Connection) -> None:
    """Jalan Gatot Subroto has two ways in the file, in different kelurahan: the address's kelurahan decides."""
    ends = places.execute(text(
        "SELECT k.nama_kel, k.nama_kec FROM layers.osm_roads r JOIN layers.kelurahan k "
        "ON ST_Intersects(k.geom, ST_PointOnSurface(r.geom)) WHERE r.nama = 'Jalan Gatot Subroto' ORDER BY r.osm_id"
    )).all()
    assert len({kel for kel, _ in ends}) == 2
    for kel, kec in ends:
        place = resolve_address(places, f"Jl. Gatot Subroto no 1, Kel. {kel}, Kec. {kec}")
        assert (place.named, place.nama_kel) == ("Jalan Gatot Subroto", kel)
        assert _metres_to_street(places, "Jalan Gatot Subroto", place.lon, place.lat) < 1


def test_a_place_address_is_put_at_the_place(places: Connection) -> None:
    place = resolve_address(places, "Mesjid Raya Al Mashun, Medan")
    assert place.named == "Masjid Raya Al-Mashun" and place.kind in ("wisata", "tempat")
    assert abs(place.lon - 98.6873) < 0.002 and abs(place.lat - 3.5752) < 0.002
    assert place.how == "titik pada tempat yang disebut alamat"


def test_an_unknown_street_falls_back_to_the_kelurahan(places: Connection) -> None:
    place = resolve_address(places, "Jl. Tidak Dikenal Siapapun 9, Kel. Petisah Tengah")
    assert (place.named, place.kind, place.nama_kel) == (None, None, "Petisah Tengah")
    assert place.how == "titik di dalam kelurahan"


def test_a_street_elsewhere_than_the_kelurahan_named_is_not_trusted(places: Connection) -> None:
    """Jalan Putri Hijau is in the north of the centre; an address giving it in Kel. Amplas (far south) keeps
    only the kelurahan, rather than putting the report kilometres away."""
    place = resolve_address(places, "Jl. Putri Hijau 3, Kel. Amplas")
    assert (place.named, place.nama_kel) == (None, "Amplas")


def test_nothing_known_is_refused_with_the_reason(places: Connection) -> None:
    with pytest.raises(ServiceError, match="no kelurahan"):
        resolve_address(places, "Jl. Tidak Dikenal Siapapun 9")


def test_open311_address_string_on_a_street_says_how_it_was_placed(isolated_database_url: str) -> None:
    from webgis.app import create_app

    engine = engine_for(isolated_database_url)
    with engine.begin() as conn:
        import_extract(conn, EXTRACT, actor="test")
    app = create_app(settings_for(isolated_database_url), COMPLAINT_RATE_LIMIT="1000 per minute",
                     COMPLAINT_RATE_LIMIT_PER_ADDRESS="1000 per minute")
    app.config["TESTING"] = True
    web = app.test_client()
    response = post_report(web, lat=None, long=None, address_string="Jl. Gatot Subroto No. 8, Kel. Sei Sikambing C Ii")
    assert response.status_code == 200, response.get_data(as_text=True)
    (created,) = response.get_json()
    (public,) = web.get(f"/open311/v2/requests/{created['service_request_id']}.json").get_json()
    with engine.connect() as conn:
        # the public answer rounds the point (about 10 m); the stored one lies on the street
        assert _metres_to_street(conn, "Jalan Gatot Subroto", public["long"], public["lat"]) < 30
        assert _kelurahan_at(conn, public["long"], public["lat"]) == "Sei Sikambing C Ii"
    assert ("Lokasi dari alamat pelapor: Jalan Gatot Subroto, Kel. Sei Sikambing C Ii, Kec. Medan Helvetia "
            "(titik pada jalan yang disebut alamat, belum lokasi tepat)") in public["status_notes"]
