"""The probe's results in the database: history, current status, an outage raised once after the
threshold and cleared on recovery, links coloured by their ends; real listeners, a real PostGIS."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, create_engine, text

from layers.db import sqlalchemy_url
from services.skpd import network
from services.skpd.probe import ProbeSettings, Target, run_probes
from tests.helpers.database import own_database
from tests.helpers.listeners import HOST, answering, closed_port

PORTS = {"answering": 26021, "closed": 26022}
FAST = ProbeSettings(tries=2, timeout_s=1.0, pause_s=0.05)
# A district office, one of its kelurahan offices (linked to it), and another district office.
KC, KL, OTHER = "KC-12.71.01", "KL-12.71.01.1001", "KC-12.71.02"


@pytest.fixture(scope="module")
def engine(server_url: str, template_database_url: str) -> Iterator[Engine]:
    """A database of this module's own whose only monitored sites are the local listeners."""
    with own_database(server_url, template_database_url) as url:
        eng = create_engine(sqlalchemy_url(url))
        with eng.begin() as conn:
            conn.execute(text("UPDATE layers.offices SET monitor_host = NULL, monitor_port = NULL"))
            conn.execute(text("UPDATE layers.offices SET monitor_host = :h, monitor_port = :p WHERE kode = :k"),
                         [{"h": HOST, "p": PORTS["answering"], "k": KC},
                          {"h": HOST, "p": closed_port(PORTS["closed"]), "k": KL}])
        yield eng
        eng.dispose()


def test_a_pass_probes_the_declared_addresses_and_keeps_history(engine: Engine) -> None:
    assert [t.office for t in network.probe_targets(engine)] == [KC, KL]
    with answering(PORTS["answering"]):
        first = network.probe_once(engine, FAST)
        second = network.probe_once(engine, FAST)
    assert (first.probed, first.up, first.down) == (2, 1, 1)
    assert (second.up, second.down) == (1, 1)
    history = network.site_history(engine, KL)
    assert [h["status"] for h in history] == ["down", "down"] and history[0]["error"] == "ditolak"
    assert [h["answered"] for h in network.site_history(engine, KC)] == [2, 2]


def test_an_outage_is_raised_once_after_the_threshold_and_cleared_on_recovery(engine: Engine) -> None:
    down = run_probes([Target(OTHER, HOST, closed_port(PORTS["closed"]))], FAST)
    t0 = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    assert network.record(engine, down, at=t0, alert_after_s=300).raised == []
    assert network.record(engine, down, at=t0 + timedelta(seconds=200), alert_after_s=300).raised == []
    assert network.record(engine, down, at=t0 + timedelta(seconds=310), alert_after_s=300).raised == [OTHER]
    # Still down: raised once, not again.
    assert network.record(engine, down, at=t0 + timedelta(seconds=400), alert_after_s=300).raised == []
    status = network.network_status(engine, with_addresses=False, now=t0 + timedelta(seconds=400))
    alert = next(a for a in status["alerts"] if a["kode"] == OTHER)
    assert datetime.fromisoformat(alert["since"]) == t0
    assert alert["down_for_s"] == 400
    with answering(PORTS["answering"]):
        up = run_probes([Target(OTHER, HOST, PORTS["answering"])], FAST)
    network.record(engine, up, at=t0 + timedelta(seconds=460), alert_after_s=300)
    status = network.network_status(engine, with_addresses=False)
    assert OTHER not in [a["kode"] for a in status["alerts"]]
    assert next(s for s in status["sites"] if s["kode"] == OTHER)["status"] == "up"


def test_links_take_the_worse_status_of_their_ends_and_addresses_only_when_asked(engine: Engine) -> None:
    with answering(PORTS["answering"]):
        network.probe_once(engine, FAST)
    status = network.network_status(engine, with_addresses=True)
    link = next(link for link in status["links"] if link["ke"] == KL)
    assert (link["dari"], link["status"]) == (KC, "down")  # KC up, KL refused
    upstream = next(link for link in status["links"] if link["ke"] == KC)
    assert upstream["status"] == "up"  # the data centre is not probed here: unknown does not count
    never = next(link for link in status["links"] if link["ke"] == "KC-12.71.03")
    assert never["status"] == "unknown"
    site = next(s for s in status["sites"] if s["kode"] == KC)
    assert site["address"] == f"{HOST}:{PORTS['answering']}"
    hidden = network.network_status(engine, with_addresses=False)
    assert all("address" not in s and "monitor_host" not in s for s in hidden["sites"])


def test_the_command_line_probes_once_and_says_what_it_found(engine: Engine) -> None:
    import os
    import subprocess
    import sys

    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with answering(PORTS["answering"]):
        done = subprocess.run([sys.executable, "-m", "services", "skpd", "probe", "--once", "--tries", "2",
                               "--timeout", "1"], env={**os.environ, "DATABASE_URL": url},
                              capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2 sites probed: 1 up, 0 degraded, 1 down"


def test_medan_run_starts_the_probe_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    from config.settings import get_settings
    from webgis.services import background_commands

    url = "postgresql://webgis:s3cret@127.0.0.1:54329/medan"
    monkeypatch.delenv("WEBGIS_NETPROBE_ENABLED", raising=False)
    get_settings.cache_clear()
    assert "network probe" not in dict(background_commands(url))
    monkeypatch.setenv("WEBGIS_NETPROBE_ENABLED", "1")
    get_settings.cache_clear()
    try:
        probe = dict(background_commands(url))["network probe"]
    finally:
        monkeypatch.delenv("WEBGIS_NETPROBE_ENABLED")
        get_settings.cache_clear()
    assert probe[1:] == ["-m", "services", "skpd", "probe"] and not any("s3cret" in arg for arg in probe)
