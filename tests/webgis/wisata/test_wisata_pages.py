"""/wisata, /wisata/<kode>, /wisata/rute/<kode> and /api/wisata over the seeded tourism layers."""

from __future__ import annotations

from flask.testing import FlaskClient


def _codes(answer) -> set[str]:  # noqa: ANN001
    return {f["id"] for f in answer.get_json()["features"] if f["properties"]["layer"] == "tourism_sites"}


def test_the_page_lists_the_real_sites_and_walks_in_bahasa_indonesia(client: FlaskClient) -> None:
    answer = client.get("/wisata")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Wisata Kota Medan" in html and 'lang="id"' in html
    assert 'data-kode="WS-ISTANA-MAIMUN"' in html and 'data-kode="RW-KESAWAN"' in html
    assert "Jalan kaki warisan Kesawan" in html and "Lapangan Merdeka → Kantor Pos Medan" in html
    english = client.get("/wisata?lang=en").get_data(as_text=True)
    assert "Visiting Medan" in english and "Kesawan heritage walk" in english and "Medan&#39;s oldest street" in english


def test_the_kind_filter_keeps_only_those_kinds(client: FlaskClient) -> None:
    religious = _codes(client.get("/api/wisata?jenis=religi"))
    assert religious == {"WS-MASJID-RAYA", "WS-KUIL-SHRI-MARIAMMAN"}
    both = _codes(client.get("/api/wisata?jenis=religi&jenis=kuliner"))
    assert both == _codes(client.get("/api/wisata?jenis=religi,kuliner")) and "WS-TIP-TOP" in both
    html = client.get("/wisata?jenis=taman").get_data(as_text=True)
    assert 'data-jenis="taman" data-open' in html and 'data-jenis="sejarah" data-open' not in html


def test_open_now_and_accessible_only(client: FlaskClient) -> None:
    everything = client.get("/api/wisata").get_json()["features"]
    open_now = _codes(client.get("/api/wisata?buka=1"))
    assert open_now == {f["id"] for f in everything if f["properties"].get("buka_sekarang")}
    assert "WS-LAPANGAN-MERDEKA" in open_now  # 24/7
    assert "WS-LONSUM" not in open_now  # no hours known: never claimed open
    accessible = client.get("/api/wisata?akses=ya").get_json()["features"]
    sites = [f for f in accessible if f["properties"]["layer"] == "tourism_sites"]
    assert sites and all(f["properties"]["kursi_roda"] for f in sites)
    assert "WS-TJONG-A-FIE" not in {f["id"] for f in sites}


def test_a_site_page_shows_hours_accessibility_and_its_location_source(client: FlaskClient) -> None:
    answer = client.get("/wisata/WS-TJONG-A-FIE")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Rumah Tjong A Fie" in html
    assert "Senin 09.00–17.00" in html and 'data-fitur="kursi_roda">Kursi roda: tidak ada' in html
    assert "Sumber lokasi: Wikipedia" in html and "CC BY-SA 4.0" in html
    assert 'href="/wisata/rute/RW-KESAWAN"' in html
    assert "<img" not in html  # no photo in the catalogue, so none is shown (and none fetched from afar)


def test_the_site_json_is_a_geojson_feature_with_its_walks(client: FlaskClient) -> None:
    feature = client.get("/api/wisata/WS-ISTANA-MAIMUN").get_json()
    assert feature["type"] == "Feature" and feature["geometry"]["type"] == "Point"
    lon, lat = feature["geometry"]["coordinates"]
    assert 98.68 < lon < 98.69 and 3.57 < lat < 3.58
    props = feature["properties"]
    assert props["rute"] == ["RW-MAIMUN"] and props["jam_mingguan"][0] == "Senin 08.00–17.00"
    assert props["sumber_lokasi"].startswith("Wikipedia")


def test_the_walk_page_lists_its_stops_in_order(client: FlaskClient) -> None:
    answer = client.get("/wisata/rute/RW-KESAWAN?lang=en")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Kesawan heritage walk" in html
    order = [html.index(f'<li data-kode="{code}"') for code in
             ("WS-LAPANGAN-MERDEKA", "WS-KANTOR-POS", "WS-LONSUM", "WS-KESAWAN", "WS-TIP-TOP", "WS-TJONG-A-FIE")]
    assert order == sorted(order)


def test_unknown_sites_and_walks_are_a_clear_404(client: FlaskClient) -> None:
    page = client.get("/wisata/WS-TIDAK-ADA")
    assert page.status_code == 404 and "tempat wisata &#39;WS-TIDAK-ADA&#39; tidak ada" in page.get_data(as_text=True)
    assert client.get("/wisata/rute/RW-TIDAK-ADA").status_code == 404
    api = client.get("/api/wisata/WS-TIDAK-ADA")
    assert api.status_code == 404 and "tidak ada" in api.get_data(as_text=True)


def test_a_wrong_filter_is_a_400_naming_it(client: FlaskClient) -> None:
    page = client.get("/wisata?jenis=pantai")
    assert page.status_code == 400 and "jenis: salah satu dari sejarah, religi, kuliner, taman" in page.get_data(as_text=True)
    assert client.get("/api/wisata?buka=kadang").status_code == 400
    assert "akses: 1 atau 0" in client.get("/api/wisata?akses=mungkin").get_data(as_text=True)


def test_the_map_search_finds_the_sites_by_name(client: FlaskClient) -> None:
    """The declaration's `search: [nama, alamat]` puts the sites in the map's search (/peta)."""
    results = client.get("/peta/search.json?q=masjid raya").get_json()["results"]
    assert any("Masjid Raya Al-Mashun" in str(r) and "tourism_sites" in str(r) for r in results), results
    assert any("Tjong A Fie" in str(r) for r in client.get("/peta/search.json?q=tjong a fie").get_json()["results"])
