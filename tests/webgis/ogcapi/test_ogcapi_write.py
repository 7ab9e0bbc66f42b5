"""Part 4: create, replace, update, delete with the API token, validation, history and If-Match."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest
from sqlalchemy import text

from layers.db import engine_for

TOKEN = {"Authorization": "Bearer test-token"}
GEOJSON = "application/geo+json"


@pytest.fixture(scope="module")
def writable(server_url, template_database_url) -> Iterator[tuple]:  # noqa: ANN001
    """An app on a database of its own, since writes commit."""
    from sqlalchemy.engine import make_url

    from geodata.cluster import drop_database
    from tests.helpers.database import clone_database, settings_for
    from webgis.app import create_app

    url = clone_database(server_url, template_database_url)
    app = create_app(settings_for(url, api_token="test-token"))
    yield app.test_client(), engine_for(url)
    engine_for(url).dispose()
    drop_database(server_url, make_url(url).database)


def school(name: str = "SD Uji Coba", level: str = "SD") -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [98.67, 3.59]},
            "properties": {"npsn": f"T{abs(hash(name)) % 10**8}", "nama": name, "jenjang": level, "status": "Negeri"}}


def rows(engine, where: str = "TRUE") -> int:  # noqa: ANN001
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM layers.schools WHERE {where}")).scalar_one()


def post(client, body, headers=None, content_type=GEOJSON):  # noqa: ANN001, ANN201
    data = body if isinstance(body, bytes | str) else orjson.dumps(body)
    return client.post("/collections/schools/items", data=data, content_type=content_type,
                       headers=TOKEN if headers is None else headers)


def test_create_read_replace_patch_delete_with_history(writable) -> None:  # noqa: ANN001
    client, engine = writable
    created = post(client, school("SD Siklus"))
    assert created.status_code == 201, created.get_data(as_text=True)
    location = created.headers["Location"]
    path = location.replace("http://localhost", "")
    fid = int(path.rsplit("/", 1)[1])
    got = client.get(path)
    assert got.status_code == 200 and got.headers["ETag"] == '"v1"'
    assert got.get_json()["properties"]["nama"] == "SD Siklus"

    replaced = client.put(path, data=orjson.dumps(school("SD Siklus Baru", "SMP")), content_type=GEOJSON,
                          headers={**TOKEN, "If-Match": '"v1"'})
    assert replaced.status_code == 204 and replaced.headers["ETag"] == '"v2"'
    patched = client.patch(path, data=orjson.dumps({"properties": {"alamat": "Jl. Uji 1"}}),
                           content_type="application/merge-patch+json", headers={**TOKEN, "If-Match": '"v2"'})
    assert patched.status_code == 204
    props = client.get(path).get_json()["properties"]
    assert (props["nama"], props["jenjang"], props["alamat"]) == ("SD Siklus Baru", "SMP", "Jl. Uji 1")

    deleted = client.delete(path, headers={**TOKEN, "If-Match": '"v3"'})
    assert deleted.status_code == 204
    assert client.get(path).status_code == 404
    with engine.connect() as conn:
        history = conn.execute(text("SELECT op, actor FROM core.feature_history WHERE layer = 'schools' "
                                    "AND fid = :fid ORDER BY id"), {"fid": fid}).all()
    assert [tuple(h) for h in history] == [("insert", "token:api"), ("update", "token:api"),
                                          ("update", "token:api"), ("delete", "token:api")]


def test_content_crs_epsg_4326_body_is_lat_lon(writable) -> None:  # noqa: ANN001
    client, _ = writable
    feature = school("SD Lat Lon")
    feature["geometry"]["coordinates"] = [3.59, 98.67]
    created = post(client, feature, headers={**TOKEN, "Content-Crs": "<http://www.opengis.net/def/crs/EPSG/0/4326>"})
    assert created.status_code == 201, created.get_data(as_text=True)
    stored = client.get(created.headers["Location"].replace("http://localhost", "")).get_json()
    assert stored["geometry"]["coordinates"] == [98.67, 3.59]


@pytest.mark.parametrize(("headers", "status", "message"), [
    ({}, 401, "Bearer"),
    ({"Authorization": "Bearer wrong"}, 401, "not valid"),
    ({"Authorization": "Basic dGVzdA=="}, 401, "Bearer"),
])
def test_writes_need_the_token(writable, headers: dict, status: int, message: str) -> None:  # noqa: ANN001
    client, engine = writable
    before = rows(engine)
    response = post(client, school("SD Tanpa Token"), headers=headers)
    assert response.status_code == status
    assert message in response.get_json()["description"]
    assert client.delete("/collections/schools/items/1", headers={**headers, "If-Match": "*"}).status_code == status
    assert rows(engine) == before


def test_without_a_configured_token_the_config_token_is_off(database_url) -> None:  # noqa: ANN001
    # Accounts (issue 5) replaced "writes off": users' API tokens still work; an empty config token matches nothing.
    from tests.helpers.database import settings_for
    from webgis.app import create_app

    client = create_app(settings_for(database_url, api_token="")).test_client()
    response = post(client, school(), headers={"Authorization": "Bearer "})
    assert response.status_code == 401 and "Bearer" in response.get_json()["description"]


@pytest.mark.parametrize(("body", "content_type", "status", "message"), [
    (b"not json at all", GEOJSON, 400, "not JSON"),
    ({"type": "FeatureCollection", "features": []}, GEOJSON, 400, "non-empty"),
    ({"type": "FeatureCollection", "features": [school("SD Satu"), {"type": "Point"}]}, GEOJSON, 400,
     "features[1] is not a GeoJSON Feature"),
    ({"type": "FeatureCollection", "features": [school("SD Dua"), {**school("SD Tiga"), "geometry": {
        "type": "Point", "coordinates": [3.59, 98.67]}}]}, GEOJSON, 400, "outside Medan"),
    ([1, 2], GEOJSON, 400, "Feature object"),
    ({**school(), "geometry": {"type": "LineString", "coordinates": [[98.6, 3.5], [98.7, 3.6]]}}, GEOJSON, 400,
     "geometry type LineString"),
    ({**school(), "geometry": {"type": "Point", "coordinates": [3.59, 98.67]}}, GEOJSON, 400, "outside Medan"),
    ({**school(), "properties": {**school()["properties"], "jenjang": "PAUD"}}, GEOJSON, 400, "not one of"),
    ({**school(), "properties": {**school()["properties"], "nama": "x'); DROP TABLE layers.schools; --",
                                 "bogus": 1}}, GEOJSON, 400, "unknown property"),
    (school(), "text/plain", 415, "geo+json"),
])
def test_bad_bodies_are_rejected_and_change_nothing(writable, body, content_type: str, status: int,
                                                    message: str) -> None:  # noqa: ANN001
    client, engine = writable
    before = rows(engine)
    response = post(client, body, content_type=content_type)
    assert response.status_code == status, response.get_data(as_text=True)
    payload = response.get_json()
    assert message in payload["description"] + " ".join(payload.get("problems", []))
    assert rows(engine) == before


def test_a_stale_if_match_is_412_and_changes_nothing(writable) -> None:  # noqa: ANN001
    """RFC 9110 13.1.1: If-Match that names another version fails the write (412), nothing changes."""
    client, engine = writable
    path = post(client, school("SD Versi")).headers["Location"].replace("http://localhost", "")
    patch = orjson.dumps({"properties": {"alamat": "baru"}})
    stale = client.patch(path, data=patch, content_type=GEOJSON, headers={**TOKEN, "If-Match": '"v7"'})
    assert stale.status_code == 412 and "version 1" in stale.get_json()["description"]
    garbage = client.delete(path, headers={**TOKEN, "If-Match": '"abc"'})
    assert garbage.status_code == 412
    assert client.get(path).get_json()["properties"]["alamat"] is None
    assert client.get(path).headers["ETag"] == '"v1"'


def test_a_write_without_if_match_is_accepted_and_history_names_the_overwritten_version(writable) -> None:  # noqa: ANN001
    """Issue 17 item 6: generic editing clients (OWSLib, QGIS) send no If-Match. An authenticated
    writer's unconditional PATCH/PUT/DELETE is accepted (not 428), and the history keeps who
    overwrote which version."""
    client, engine = writable
    path = post(client, school("SD Tanpa Versi")).headers["Location"].replace("http://localhost", "")
    fid = int(path.rsplit("/", 1)[1])
    assert client.patch(path, data=orjson.dumps({"properties": {"alamat": "Jl. A"}}), content_type=GEOJSON,
                        headers={**TOKEN, "If-Match": '"v1"'}).status_code == 204
    blind = client.patch(path, data=orjson.dumps({"properties": {"alamat": "Jl. B"}}),
                         content_type="application/merge-patch+json", headers=TOKEN)
    assert blind.status_code == 204 and blind.headers["ETag"] == '"v3"'
    replaced = client.put(path, data=orjson.dumps(school("SD Tanpa Versi 2")), content_type=GEOJSON, headers=TOKEN)
    assert replaced.status_code == 204 and replaced.headers["ETag"] == '"v4"'
    assert client.delete(path, headers=TOKEN).status_code == 204
    assert client.delete(path, headers=TOKEN).status_code == 404
    with engine.connect() as conn:
        history = conn.execute(text(
            "SELECT op, actor, (old->>'version')::int, (new->>'version')::int FROM core.feature_history "
            "WHERE layer = 'schools' AND fid = :fid ORDER BY id"), {"fid": fid}).all()
    assert [tuple(h) for h in history] == [("insert", "token:api", None, 1), ("update", "token:api", 1, 2),
                                           ("update", "token:api", 2, 3), ("update", "token:api", 3, 4),
                                           ("delete", "token:api", 4, None)]


def test_writes_to_unknown_features_and_ids_are_404(writable) -> None:  # noqa: ANN001
    client, _ = writable
    for path in ("/collections/schools/items/999999999", "/collections/schools/items/1'%20OR%20'1'='1"):
        response = client.delete(path, headers={**TOKEN, "If-Match": "*"})
        assert response.status_code == 404
    assert post(client, school()).status_code == 201
    response = client.post("/collections/nope/items", data=orjson.dumps(school()), content_type=GEOJSON,
                           headers=TOKEN)
    assert response.status_code == 404


def test_a_feature_collection_is_created_whole_in_one_transaction(writable) -> None:  # noqa: ANN001
    """Part 4 with a FeatureCollection body: every feature or none; 201 lists the new ids and links."""
    client, engine = writable
    before = rows(engine)
    names = [f"SD Massal {i}" for i in range(3)]
    created = post(client, {"type": "FeatureCollection", "features": [school(n) for n in names]})
    assert created.status_code == 201, created.get_data(as_text=True)
    body = created.get_json()
    assert body["numberCreated"] == 3 and len(set(body["ids"])) == 3
    assert created.headers["Location"].endswith("/collections/schools/items")
    assert rows(engine) == before + 3
    fetched = set()
    for link in body["links"]:
        assert link["rel"] == "item"
        feature = client.get(link["href"].replace("http://localhost", "")).get_json()
        fetched.add(feature["properties"]["nama"])
    assert fetched == set(names)
    assert sorted(int(link["href"].rsplit("/", 1)[1]) for link in body["links"]) == sorted(body["ids"])
    with engine.connect() as conn:  # history kept, one entry per feature, by the token's actor
        actors = conn.execute(text("SELECT actor FROM core.feature_history WHERE layer = 'schools' "
                                   "AND fid = ANY(:ids) AND op = 'insert'"), {"ids": body["ids"]}).scalars().all()
    assert len(actors) == 3 and set(actors) == {"token:api"}


def test_a_feature_collection_with_one_bad_feature_creates_nothing(writable) -> None:  # noqa: ANN001
    client, engine = writable
    before = rows(engine)
    duplicate = school("SD Kembar")
    response = post(client, {"type": "FeatureCollection", "features": [school("SD Baik"), duplicate, duplicate]})
    assert response.status_code == 400
    assert "npsn" in response.get_json()["description"]
    assert rows(engine) == before
    assert rows(engine, "nama = 'SD Baik'") == 0


def test_a_feature_collection_needs_write_rights(writable) -> None:  # noqa: ANN001
    client, engine = writable
    before = rows(engine)
    response = post(client, {"type": "FeatureCollection", "features": [school("SD Tanpa Izin")]}, headers={})
    assert response.status_code == 401
    assert rows(engine) == before
