"""Bad values that gave 500 (issue 16, item 4): a NUL byte in any string field (Open311 form,
JSON body, query) and an integer beyond its column answer 400 naming the field, and change nothing."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import text

from layers import insert_features
from layers.errors import InvalidFeature

ADMIN = {"Authorization": "Bearer test-token"}


def _history_rows(app: Flask) -> int:
    with app.extensions["engine"].connect() as conn:
        return conn.execute(text("SELECT count(*) FROM core.feature_history")).scalar_one()


def test_a_nul_byte_in_an_open311_form_field_is_a_400_naming_it(complaints_app: Flask) -> None:
    client = complaints_app.test_client()
    response = client.post("/open311/v2/requests.json", data={
        "service_code": "SAMPAH", "lat": "3.5952", "long": "98.6722", "description": "sampah\x00menumpuk"})
    assert response.status_code == 400
    assert "description" in response.get_json()[0]["description"]


@pytest.mark.parametrize(("properties", "field"), [
    ({"nama": "SD\x00 Negeri"}, "nama"),
    ({"kejadian_banjir": 10**12}, "kejadian_banjir"),
    ({"kejadian_banjir": 2**31}, "kejadian_banjir"),
])
def test_a_nul_or_an_oversize_integer_in_a_json_feature_is_a_400_naming_it(
        accounts_app: Flask, properties: dict, field: str) -> None:
    before = _history_rows(accounts_app)
    client = accounts_app.test_client()
    layer = "schools" if "nama" in properties else "disaster_risk_zones"
    response = client.patch(f"/collections/{layer}/items/1", json={"properties": properties},
                            headers={**ADMIN, "If-Match": "*", "Content-Type": "application/merge-patch+json"})
    assert response.status_code == 400, response.get_data(as_text=True)
    assert field in response.get_data(as_text=True)
    assert _history_rows(accounts_app) == before


def test_the_python_api_names_the_field_too(conn) -> None:  # noqa: ANN001
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [98.67, 3.59]},
               "properties": {"kode": "X\x00", "kategori": "a", "nilai": 10**400}}
    with pytest.raises(InvalidFeature) as caught:
        insert_features(conn, "sample_points", [feature], actor="test")
    text_of = str(caught.value)
    assert "kode" in text_of and "NUL" in text_of and "nilai" in text_of


@pytest.mark.parametrize("path", ["/admin/history/schools?before=99999999999999999999999",
                                  "/admin/history/schools/99999999999999999999999",
                                  "/auth/audit?before=99999999999999999999999"])
def test_an_oversize_integer_in_a_path_or_query_is_not_a_server_error(accounts_app: Flask, path: str) -> None:
    response = accounts_app.test_client().get(path, headers=ADMIN)
    assert response.status_code in (400, 404)
