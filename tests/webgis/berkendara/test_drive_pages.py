"""/rute-berkendara and /api/rute-berkendara (webgis/berkendara) on the hand-made streets with
ATCS-008 congested: both routes as GeoJSON, the refusals as 4xx with a Bahasa Indonesia message."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.services.routing.test_planner import JUNCTION, A, B

API = "/api/rute-berkendara"


def _point(p: tuple[float, float]) -> str:
    return f"{p[0]},{p[1]}"


def test_the_api_answers_both_routes_and_the_junction_avoided(routed_app: Flask) -> None:
    answer = routed_app.test_client().get(f"{API}?dari={_point(A)}&ke={_point(B)}")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    roles = [f["properties"]["peran"] for f in body["features"]]
    assert roles == ["saran", "biasa", "dihindari"]
    suggested, usual, avoided = body["features"]
    assert suggested["geometry"]["type"] == usual["geometry"]["type"] == "LineString"
    assert avoided["properties"]["kode"] == JUNCTION and avoided["geometry"]["coordinates"] == [98.686881, 3.581177]
    summary = body["ringkasan"]
    assert [s["nama"] for s in summary["rute"]["jalan"]][1:4] == ["Jalan Amaliun", "Jalan Halat", "Jalan Rahmadsyah"]
    assert summary["rute"]["waktu_s"] < summary["rute_biasa"]["waktu_s"]
    assert summary["rute_biasa"]["tundaan_s"] == round(300 / 7 / 0.25)
    # Not avoiding: the usual route, through the junction, is the one suggested.
    plain = routed_app.test_client().get(f"{API}?dari={_point(A)}&ke={_point(B)}&hindari=0").get_json()
    assert plain["ringkasan"]["dihindari"] == [] and [f["properties"]["peran"] for f in plain["features"]] == ["saran", "biasa"]
    assert plain["features"][0]["geometry"] == plain["features"][1]["geometry"]


def test_refusals_are_4xx_saying_what_is_wrong(routed_app: Flask) -> None:
    client = routed_app.test_client()
    cases = [
        (f"{API}?ke={_point(B)}", 400, "dari: tulis sebagai bujur,lintang"),
        (f"{API}?dari=utara&ke={_point(B)}", 400, "dari: tulis sebagai bujur,lintang"),
        (f"{API}?dari={_point(A)}&ke=98.49,3.60", 400, "Titik tujuan di luar Kota Medan"),
        (f"{API}?dari=98.6700,3.5812&ke={_point(B)}", 400, "Titik awal terlalu jauh dari jalan"),
        (f"{API}?dari={_point(A)}&ke={_point(B)}&hindari=mungkin", 400, "hindari: tulis 1"),
    ]
    for url, status, message in cases:
        answer = client.get(url)
        assert (answer.status_code, message in answer.get_json()["description"]) == (status, True), url


def test_before_streets_are_loaded_the_page_and_api_say_so(client: FlaskClient) -> None:
    answer = client.get(f"{API}?dari={_point(A)}&ke={_point(B)}")
    assert answer.status_code == 409 and answer.get_json()["code"] == "NoStreets"
    assert "Peta jalan belum dimuat" in answer.get_json()["description"]
    html = client.get("/rute-berkendara").get_data(as_text=True)
    assert 'id="d-no-streets"' in html and "Peta jalan belum dimuat" in html and 'id="d-form"' not in html


def test_the_page_is_in_bahasa_indonesia_first(routed_app: Flask) -> None:
    client = routed_app.test_client()
    html = client.get(f"/rute-berkendara?dari={_point(A)}&ke={_point(B)}").get_data(as_text=True)
    assert 'lang="id"' in html and "Rute berkendara menghindari macet" in html
    assert f'value="{_point(A)}"' in html and "OpenStreetMap" in html
    assert "Driving routes around congestion" in client.get("/rute-berkendara?lang=en").get_data(as_text=True)
