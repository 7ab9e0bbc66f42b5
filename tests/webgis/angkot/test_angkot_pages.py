"""/angkot, /api/angkot/rencana, /angkot/trayek, /angkot/trayek/<kode> and /angkot/gtfs.zip on the seed."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import gtfs_kit as gk
from flask.testing import FlaskClient
from sqlalchemy import Engine

from tests.helpers.angkot import (
    FAR_FROM_ROUTES,
    ONE_RIDE,
    ONE_TRANSFER,
    as_param,
    kelurahan_point,
    stop_point,
)


def _between(engine: Engine, pair: tuple[str, str]) -> str:
    return f"dari={as_param(stop_point(engine, pair[0]))}&ke={as_param(stop_point(engine, pair[1]))}"


def test_the_planner_page_lists_a_one_transfer_trip_in_bahasa_indonesia(client: FlaskClient, engine: Engine) -> None:
    answer = client.get(f"/angkot?{_between(engine, ONE_TRANSFER)}")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and 'lang="id"' in html and "Naik Angkot di Medan" in html
    assert '<li class="a-trip" data-index="0" data-trayek="5,86" data-transfer="1">' in html
    assert '<span class="a-badge" data-warna="merah">Rahayu 5</span>' in html and "1 kali ganti" in html
    english = client.get(f"/angkot?{_between(engine, ONE_TRANSFER)}&lang=en").get_data(as_text=True)
    assert "Angkot in Medan" in english and "change to Nasional 86" in english


def test_the_json_gives_each_trip_its_steps_and_legs(client: FlaskClient, engine: Engine) -> None:
    answer = client.get(f"/api/angkot/rencana?{_between(engine, ONE_RIDE)}&jalan=300").get_json()
    assert answer["jalan_maks_m"] == 300 and answer["pesan"] is None
    best = answer["perjalanan"][0]
    assert best["trayek"] == ["41"] and best["transfer"] == 0 and best["label"] == "KPUM 41"
    legs = best["geojson"]["features"]
    assert [f["properties"]["moda"] for f in legs] == ["jalan", "angkot", "jalan"]
    assert legs[1]["properties"]["warna"] == "merah" and len(legs[1]["geometry"]["coordinates"]) >= 2


def test_no_route_within_walking_distance_is_a_clear_message(client: FlaskClient, engine: Engine) -> None:
    far = as_param(kelurahan_point(engine, FAR_FROM_ROUTES))
    answer = client.get(f"/api/angkot/rencana?dari={far}&ke={as_param(stop_point(engine, ONE_RIDE[0]))}")
    assert answer.status_code == 200
    assert answer.get_json()["pesan"] == "Tidak ada trayek angkot dalam jarak jalan kaki 400 m dari titik asal."
    html = client.get(f"/angkot?dari={far}&ke={as_param(stop_point(engine, ONE_RIDE[0]))}").get_data(as_text=True)
    assert 'id="a-message" class="c-error" role="status" data-alasan="asal"' in html


def test_bad_points_are_a_400_saying_what_is_wrong(client: FlaskClient, engine: Engine) -> None:
    inside = as_param(stop_point(engine, ONE_RIDE[0]))
    cases = {
        f"dari=abc&ke={inside}": "dari: koordinat &#39;abc&#39; tidak terbaca",
        f"dari={inside}&ke=98.30,3.59": "ke: titik 98.30000,3.59000 di luar Kota Medan",
        f"dari={inside}": "ke: titik belum diisi",
        f"dari={inside}&ke={inside}&jalan=5000": "jalan: jarak jalan kaki 100 sampai 1500 meter",
    }
    for query, message in cases.items():
        page = client.get(f"/angkot?{query}")
        html = page.get_data(as_text=True)
        assert page.status_code == 400 and message in html and 'id="a-form"' in html, query  # the form stays
        api = client.get(f"/api/angkot/rencana?{query}")
        assert api.status_code == 400 and message.replace("&#39;", "'") in api.get_json()["description"], query


def test_the_route_list_and_a_route_page_with_its_stops_in_order(client: FlaskClient) -> None:
    listing = client.get("/angkot/trayek").get_data(as_text=True)
    assert 'data-count="25"' in listing and 'href="/angkot/trayek/41"' in listing
    assert listing.index('data-kode="5"') < listing.index('data-kode="41"') < listing.index('data-kode="134"')
    page = client.get("/angkot/trayek/41").get_data(as_text=True)
    assert "KPUM 41" in page and "Marelan – Aksara" in page
    feature = client.get("/api/angkot/trayek/41").get_json()
    kms = [s["km"] for s in feature["properties"]["halte"]]
    assert len(kms) > 20 and kms == sorted(kms) and kms[0] == 0
    first, second = (f'<li data-kode="{s["kode_halte"]}"' for s in feature["properties"]["halte"][:2])
    assert page.index(first) < page.index(second)
    missing = client.get("/angkot/trayek/999")
    assert missing.status_code == 404 and "trayek angkot &#39;999&#39; tidak ada" in missing.get_data(as_text=True)
    assert client.get("/api/angkot/trayek/999").status_code == 404


def test_the_gtfs_download_opens_with_gtfs_kit(client: FlaskClient, tmp_path: Path) -> None:
    answer = client.get("/angkot/gtfs.zip")
    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    assert 'filename="angkot_medan_gtfs.zip"' in answer.headers["Content-Disposition"]
    assert {"agency.txt", "routes.txt", "stops.txt", "trips.txt", "stop_times.txt", "shapes.txt"} <= set(
        zipfile.ZipFile(io.BytesIO(answer.data)).namelist())
    (tmp_path / "feed.zip").write_bytes(answer.data)
    feed = gk.read_feed(tmp_path / "feed.zip", dist_units="km")
    assert len(feed.routes) == 25 and set(feed.routes["continuous_pickup"]) == {0}
    assert "41" in set(feed.routes["route_short_name"].astype(str))
    assert set(feed.stop_times["stop_id"]) <= set(feed.stops["stop_id"])
