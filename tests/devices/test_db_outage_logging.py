"""A database outage is logged once when it starts and once when it ends, by each loop that meets it."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from devices.poller import Poller, PollerConfig, wait_until
from devices.registry import follow_registry, read_fleet
from devices.store import PostgisSink
from layers.db import engine_for, sqlalchemy_url

FAST = PollerConfig(timeout_s=0.3, flush_interval_s=0.05, idle_write_s=0.1)


def _outage(server_url: str, database: str, down: bool) -> None:
    """Refuse (or allow again) connections to one database and drop the open ones: its server is 'down'."""
    admin = create_engine(sqlalchemy_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {"false" if down else "true"}'))
        if down:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"),
                         {"d": database})
    admin.dispose()


def test_a_database_outage_is_logged_once_and_its_recovery_once(isolated_database_url, server_url, peer,  # noqa: ANN001
                                                                ports, caplog) -> None:  # noqa: ANN001
    (port,) = ports(1)
    engine = engine_for(isolated_database_url)
    database = make_url(isolated_database_url).database
    gateway = peer(port)
    gateway.set(1, "input", 0, 1250)
    gateway.set(1, "input", 1, 600)
    light = dataclasses.replace(next(r for r in read_fleet(engine) if r.model == "lpju_solar_v1"),
                                host="127.0.0.1", port=port, unit=1, interval_s=0.1)
    sink = PostgisSink(engine, devices=[light])
    poller = Poller([light.config()], sink, FAST)

    async def scenario() -> None:
        await poller.start()
        follow = asyncio.create_task(follow_registry(engine, lambda _records: None, every_s=0.1))
        try:
            assert await wait_until(lambda: sink.rows_written > 0, 5)
            _outage(server_url, database, True)
            await asyncio.sleep(2.5)  # some 25 failed retries of each loop
            _outage(server_url, database, False)
            before = sink.rows_written
            assert await wait_until(lambda: sink.rows_written > before, 10)
            await asyncio.sleep(0.5)
        finally:
            follow.cancel()
            await poller.stop()

    caplog.set_level(logging.INFO, logger="devices")
    try:
        asyncio.run(scenario())
    finally:
        _outage(server_url, database, False)
    ours = [r for r in caplog.records if r.name.startswith("devices.") and r.name != "devices.poller.device"]
    errors = [r.getMessage() for r in ours if r.levelno >= logging.ERROR]
    recoveries = [r.getMessage() for r in ours if "works again" in r.getMessage()]
    assert not [r for r in ours if r.exc_info], "a traceback was logged for an outage"
    failed = [m.split(" failed (")[0] for m in errors]
    recovered = [m.split(" works again")[0] for m in recoveries]
    # Each loop that met the outage said so once, and once that it works again.
    assert len(failed) == len(set(failed)) and len(recovered) == len(set(recovered)), (errors, recoveries)
    assert set(failed) == set(recovered), (errors, recoveries)
    assert {"poller: writing to the sink", "registry: reloading the device fleet"} <= set(failed), errors
