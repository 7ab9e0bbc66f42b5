"""A staff member of one agency edits only that agency's assets (issue 19 item 1), while the register
stays public: the row rule of the SIMBADA layers holds on every write path of the layer API (create,
change, delete, restore from history) and reading stays open to all, private fields excepted.

Before this, a row rule limited nothing on a layer anyone may read: every principal holds `public`,
a role no rule names, so layers/access.py gave staff every row, to write as well as to read.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from layers.access import RowOutOfScope, with_roles
from layers.features.write import update_feature
from tests.helpers.database import own_database, settings_for
from webgis.accounts import manage

OWN, OTHER = "DISDIK", "DLH"
PATCH = {"If-Match": "*", "Content-Type": "application/merge-patch+json"}


@pytest.fixture(scope="module")
def assets_app(server_url: str, template_database_url: str) -> Iterator[Flask]:
    from webgis.app import create_app

    with own_database(server_url, template_database_url) as url:
        app = create_app(settings_for(url, api_token="test-token"))
        app.config["TESTING"] = True
        yield app


@pytest.fixture
def web(assets_app: Flask) -> FlaskClient:
    return assets_app.test_client()


@pytest.fixture
def token(assets_app: Flask) -> Callable[..., dict[str, str]]:
    def make(*roles: str, agencies: tuple[str, ...] = ()) -> dict[str, str]:
        engine = assets_app.extensions["engine"]
        user = manage.create_user(engine, "test", None, f"t{uuid.uuid4().hex[:12]}", "kata-sandi-yang-panjang",
                                  roles=roles, agencies=agencies)
        return {"Authorization": f"Bearer {manage.create_token(engine, 'test', None, user, 'test').secret}"}

    return make


def _school_asset(app: Flask) -> dict:
    with app.extensions["engine"].connect() as conn:
        return dict(conn.execute(text(
            "SELECT fid, kode_aset, kondisi, agency, pemegang_barang FROM layers.assets_areas WHERE agency = :a "
            "ORDER BY fid LIMIT 1"), {"a": OWN}).mappings().one())


def test_staff_of_another_agency_are_refused_every_write_of_an_asset(
        assets_app: Flask, web: FlaskClient, token: Callable[..., dict[str, str]]) -> None:
    asset = _school_asset(assets_app)
    url = f"/collections/assets_areas/items/{asset['fid']}"
    other, own = token("staff", agencies=(OTHER,)), token("staff", agencies=(OWN,))
    refused = web.patch(url, json={"properties": {"kondisi": "rusak_berat"}}, headers={**PATCH, **other})
    assert refused.status_code == 403, refused.get_data(as_text=True)
    assert "agency one of DLH" in refused.get_data(as_text=True)
    assert web.delete(url, headers={"If-Match": "*", **other}).status_code == 403
    taken = web.patch(url, json={"properties": {"agency": OTHER}}, headers={**PATCH, **other})
    assert taken.status_code == 403  # nor may they take it over
    created = web.post("/collections/assets_areas/items", headers=other, json={
        "type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[
            [98.6840, 3.5840], [98.6846, 3.5840], [98.6846, 3.5846], [98.6840, 3.5840]]]},
        "properties": {"kode_aset": "A.DISDIK.2020.X00001", "nama": "Tanah sekolah", "kib": "A", "kategori": "tanah",
                       "agency": OWN, "tahun_perolehan": 2020, "nilai_perolehan": 1000000, "kondisi": "baik",
                       "asal": "pembelian"}})
    assert created.status_code == 403  # an asset of another agency is not theirs to create either
    with assets_app.extensions["engine"].connect() as conn:
        kondisi, agency = conn.execute(text("SELECT kondisi, agency FROM layers.assets_areas WHERE fid = :f"),
                                       {"f": asset["fid"]}).one()
    assert (kondisi, agency) == (asset["kondisi"], OWN)
    # Its own agency's staff may change it, but not hand it to another agency on their own.
    changed = web.patch(url, json={"properties": {"keterangan": "dicek"}}, headers={**PATCH, **own})
    assert changed.status_code == 204, changed.get_data(as_text=True)
    assert web.patch(url, json={"properties": {"agency": OTHER}}, headers={**PATCH, **own}).status_code == 403


def test_the_python_api_holds_the_same_rule(assets_app: Flask) -> None:
    asset = _school_asset(assets_app)
    stranger = with_roles("user:dlh", "staff", agencies=frozenset({OTHER}))
    with pytest.raises(RowOutOfScope):
        update_feature(assets_app.extensions["engine"], "assets_areas", asset["fid"],
                       {"type": "Feature", "properties": {"kondisi": "baik"}}, actor="user:dlh", partial=True, principal=stranger)


def test_the_register_stays_public_to_everyone_without_the_holders(
        assets_app: Flask, web: FlaskClient, token: Callable[..., dict[str, str]]) -> None:
    asset = _school_asset(assets_app)
    for headers in ({}, token("staff", agencies=(OTHER,)), token("citizen")):
        item = web.get(f"/collections/assets_areas/items/{asset['fid']}", headers=headers)
        assert item.status_code == 200
        assert item.get_json()["properties"]["kode_aset"] == asset["kode_aset"]
    public = web.get("/collections/assets_points/items?limit=1000&kategori=kendaraan").get_json()
    assert public["features"]
    assert all("pemegang_barang" not in f["properties"] and "nip_pemegang_barang" not in f["properties"]
               for f in public["features"])
