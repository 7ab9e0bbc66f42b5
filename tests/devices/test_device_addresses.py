"""A device's Modbus address is checked where it is written: allowed networks only, unit 255 yes, broadcast 0 no."""

from __future__ import annotations

import dataclasses

import orjson
import pytest

from devices.registry import read_fleet
from layers import read_layer
from layers.db import engine_for
from layers.registry import get_registry
from tests.helpers.database import settings_for

TOKEN = {"Authorization": "Bearer test-token"}
PATCH = "application/merge-patch+json"


@pytest.fixture
def device_api(isolated_database_url):  # noqa: ANN001, ANN201
    from webgis.app import create_app

    engine = engine_for(isolated_database_url)
    light = next(r for r in read_fleet(engine) if r.model == "lpju_solar_v1")
    key = get_registry().get(light.layer).key
    fid = int(read_layer(engine, light.layer, where={key: light.code}, columns=[]).index[0])
    client = create_app(settings_for(isolated_database_url, api_token="test-token")).test_client()
    return client, engine, light, f"/collections/{light.layer}/items/{fid}"


def _patch(client, path: str, properties: dict):  # noqa: ANN001, ANN202
    etag = client.get(path, headers=TOKEN).headers["ETag"]
    return client.patch(path, data=orjson.dumps({"properties": properties}), content_type=PATCH,
                        headers={**TOKEN, "If-Match": etag})


@pytest.mark.parametrize("host", ["bad host!!", "169.254.169.254", "8.8.8.8", "plc.example.com", "::1x"])
def test_a_host_outside_the_device_networks_is_refused_and_nothing_changes(device_api, host: str) -> None:  # noqa: ANN001
    client, engine, light, path = device_api
    answer = _patch(client, path, {"modbus_host": host})
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert "allowed networks" in answer.get_data(as_text=True)
    assert next(r for r in read_fleet(engine) if r.device_id == light.device_id).host == light.host


def test_private_and_loopback_hosts_are_accepted(device_api) -> None:  # noqa: ANN001
    client, engine, light, path = device_api
    assert _patch(client, path, {"modbus_host": "10.20.3.4"}).status_code == 204
    assert next(r for r in read_fleet(engine) if r.device_id == light.device_id).host == "10.20.3.4"


def test_unit_255_is_accepted_and_broadcast_unit_0_refused(device_api) -> None:  # noqa: ANN001
    client, engine, light, path = device_api
    assert _patch(client, path, {"modbus_unit": 255}).status_code == 204
    assert next(r for r in read_fleet(engine) if r.device_id == light.device_id).unit == 255
    refused = _patch(client, path, {"modbus_unit": 0})
    assert refused.status_code == 400 and "minimum" in refused.get_data(as_text=True)
    assert next(r for r in read_fleet(engine) if r.device_id == light.device_id).unit == 255


def test_the_poller_skips_an_address_outside_the_networks_written_behind_the_api(device_api) -> None:  # noqa: ANN001
    _client, engine, light, _path = device_api
    with engine.begin() as conn:  # e.g. a row from before the rule, or written in SQL
        from sqlalchemy import text

        conn.execute(text(f'UPDATE layers."{light.layer}" SET modbus_host = :h WHERE kode = :c'),
                     {"h": "169.254.169.254", "c": light.code})
    assert light.device_id not in {r.device_id for r in read_fleet(engine)}
    assert dataclasses.replace(light, host="127.0.0.1").host == "127.0.0.1"
