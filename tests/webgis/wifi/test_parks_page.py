"""Citizens see each park's Wi-Fi hours and whether it is on now; operators see usage and uplink faults.

End to end on the real pieces: the schedule switches the simulator's radios through the command
path, the poller writes their readings and alarms to PostGIS, the page reads them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from devices.alarms import list_alarms
from devices.registry import read_fleet
from devices.store import latest_state
from devices.wifischedule import run_once
from devices.wifistatus import park_wifi
from tests.helpers.operator import build_app, poll_until, user_client
from tests.helpers.wifi import LAYER, wifi_fleet

WIB = timezone(timedelta(hours=7))
MERDEKA = "TAMAN-001"


def _all_polled(engine, want: dict[str, float]):  # noqa: ANN001, ANN202
    def done(_sink) -> bool:  # noqa: ANN001
        rows = latest_state(engine, LAYER)
        return len(rows) == len(read_fleet(engine, layers=[LAYER])) and all(
            all((r["scaled"] or {}).get(k) == v for k, v in want.items()) for r in rows)
    return done


def test_the_page_shows_wifi_on_now_and_an_uplink_fault(isolated_database_url, simulator, ports) -> None:  # noqa: ANN001
    engine, sim, port, units = wifi_fleet(isolated_database_url, simulator, ports)
    for unit in units.values():  # the simulator's occasional uplink fault is pinned away; this test makes its own
        sim.force(port, unit, "uplink_up", 1)
    app = build_app(isolated_database_url)
    client = app.test_client()
    page = client.get("/wifi-taman").get_data(as_text=True)
    assert "Lapangan Merdeka" in page and "16:01–23:00" in page and "Wi-Fi menyala sekarang" not in page
    assert run_once(engine, datetime(2026, 12, 7, 19, 0, tzinfo=WIB), timeout_s=1.0)[0].result == "ok"
    records = read_fleet(engine, layers=[LAYER])
    poll_until(engine, records, _all_polled(engine, {"radio_on": 1, "uplink_up": 1}))
    parks = {p.kode: p for p in park_wifi(engine)}
    assert {p.status for p in parks.values()} == {"menyala"} and parks[MERDEKA].ap_menyala == 2
    page = client.get("/wifi-taman").get_data(as_text=True)
    assert page.count('data-status="menyala"') == len(parks) and "Wi-Fi menyala sekarang" in page
    assert "Wi-Fi on now" in client.get("/wifi-taman?lang=en").get_data(as_text=True)
    # The park's popup on /peta (its declaration's live page) says the same, in both languages.
    one = client.get(f"/api/wifi-taman/{MERDEKA}")
    assert one.status_code == 200 and one.json["status"] == "menyala" and one.json["halaman"] == "/wifi-taman"
    assert one.json["ringkasan"] == {"id": "Wi-Fi menyala sekarang · Jam Wi-Fi 16:01–23:00 WIB",
                                     "en": "Wi-Fi on now · Wi-Fi hours 16:01–23:00 WIB"}
    missing = client.get("/api/wifi-taman/TAMAN-999")
    assert missing.status_code == 404 and "TAMAN-999" in missing.get_data(as_text=True)
    body = client.get("/api/wifi-taman")
    assert body.status_code == 200 and body.json["jam"] == "16:01–23:00"
    assert {t["status"] for t in body.json["taman"]} == {"menyala"}
    assert "modbus" not in body.get_data(as_text=True) and "127.0.0.1" not in body.get_data(as_text=True)

    # The uplink of both Lapangan Merdeka access points goes down: an alarm for the operators,
    # "gangguan" for the citizens while the schedule wants the Wi-Fi on.
    merdeka = [c for c in units if c in ("WIFI-001", "WIFI-002")]
    for code in merdeka:
        sim.force(port, units[code], "uplink_up", 0)
    down = {f"{LAYER}/{c}" for c in merdeka}
    poll_until(engine, records, lambda _s: down <= {a["device_id"] for a in list_alarms(engine)
                                                     if a["rule"] == "uplink_down"})
    parks = {p.kode: p for p in park_wifi(engine, datetime.now(UTC).replace(hour=13, minute=0))}  # 20:00 WIB
    assert parks[MERDEKA].status == "gangguan" and parks[MERDEKA].ap_menyala == 0
    assert {p.status for k, p in parks.items() if k != MERDEKA} == {"menyala"}
    row = client.get("/wifi-taman").get_data(as_text=True).split(f'data-kode="{MERDEKA}"')[1].split("</tr>")[0]
    assert "Wi-Fi menyala sekarang" not in row

    # Operators see the usage (connected users) and the fault on the device desk's API.
    operator, _ = user_client(app, "operator")
    detail = operator.get(f"/operator/api/devices/{LAYER}/WIFI-001").get_data(as_text=True)
    assert "connected_users" in detail and "uplink_down" in detail
    assert client.get(f"/operator/api/devices/{LAYER}/WIFI-001").status_code in (401, 403)
