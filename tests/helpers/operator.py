"""Helpers of the operator and traffic tests: a fleet on the simulator, an app with an operator signed in."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import uuid
from collections.abc import Callable, Sequence

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from devices.poller import Poller, PollerConfig, wait_until
from devices.registry import DeviceRecord, read_fleet
from devices.rules import load_rules
from devices.store import PostgisSink
from layers import read_layer, update_feature
from layers.registry import get_registry
from tests.helpers.database import settings_for

PASSWORD = "kata-sandi-yang-panjang"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
FAST = PollerConfig(timeout_s=0.5, retries=0, offline_after=2, offline_probe_s=0.5, flush_interval_s=0.1)


def build_app(database_url: str) -> Flask:
    from webgis.app import create_app

    settings = settings_for(database_url, api_token="test-token")
    app = create_app(settings, LOGIN_RATE_LIMIT="1000 per minute")
    app.config["TESTING"] = True
    return app


def user_client(app: Flask, role: str) -> tuple[FlaskClient, str]:
    """A test client logged in as a new user with `role`; returns it and its CSRF token."""
    from webgis.accounts import manage

    name = f"{role}{uuid.uuid4().hex[:6]}"
    manage.create_user(app.extensions["engine"], "test", None, name, PASSWORD, roles=[role])
    client = app.test_client()
    token = CSRF_FIELD.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    # The session's CSRF token after login, from a page every logged-in user may open.
    return client, CSRF_FIELD.search(client.get("/account").get_data(as_text=True)).group(1)


def readdress(engine: Engine, port: int, models: Sequence[str], interval_s: float = 0.2) -> dict[str, DeviceRecord]:
    """One registered device per model, moved (through the layers API) onto units 1.. of `port`."""
    chosen: dict[str, DeviceRecord] = {}
    for record in read_fleet(engine):
        chosen.setdefault(record.model, record)
    out = {}
    for unit, model in enumerate(models, start=1):
        record = chosen[model]
        key = get_registry().get(record.layer).key
        fid = int(read_layer(engine, record.layer, where={key: record.code}, columns=[]).index[0])
        update_feature(engine, record.layer, fid, {"type": "Feature", "properties": {
            "modbus_host": "127.0.0.1", "modbus_port": port, "modbus_unit": unit, "poll_interval_s": interval_s}},
            actor="test:setup", partial=True)
        out[model] = dataclasses.replace(record, host="127.0.0.1", port=port, unit=unit, interval_s=interval_s)
    return out


def quick_rules(for_s: float = 0.3) -> dict:
    return {m: [dataclasses.replace(r, for_s=min(r.for_s, for_s), clear_for_s=min(r.clear_for_s, for_s)) for r in rules]
            for m, rules in load_rules().items()}


def poll_until(engine: Engine, records: Sequence[DeviceRecord], done: Callable[[PostgisSink], bool],
               timeout_s: float = 15.0, during: Callable[[], None] | None = None,
               rules: dict | None = None) -> PostgisSink:
    """Poll the devices into PostGIS (alarms on, quick rules by default) until done(sink) holds."""
    sink = PostgisSink(engine, devices=records, rules=rules if rules is not None else quick_rules())
    poller = Poller([r.config() for r in records], sink, FAST)

    async def run() -> bool:
        await poller.start()
        try:
            if during is not None:
                assert await wait_until(lambda: sink.rows_written >= len(records), timeout_s)
                during()
            return await wait_until(lambda: done(sink), timeout_s, step_s=0.1)
        finally:
            await poller.stop()

    assert asyncio.run(run()), "the poller did not reach the expected state in time"
    return sink
