"""What citizens see of the park Wi-Fi: per park, the hours and whether the Wi-Fi is on now.

"On now" is what the access points last reported to the poller (radio on and uplink up on at
least one AP of the park, the AP online and heard from within STALE_AFTER), never the schedule
alone: a park whose radios should be on but are not, or whose uplink is down, says "gangguan"
(out of order). Only public facts leave this module: no Modbus address, no device internals.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from devices.store import latest_state
from devices.wifischedule import WifiSchedule, load_schedule
from layers import read_layer

PARKS = "parks"
# A reading older than this says nothing about now (the APs are polled every 30 s).
STALE_AFTER = timedelta(minutes=5)
STATES = ("menyala", "mati", "gangguan", "tidak_diketahui")


@dataclass(frozen=True)
class ParkWifi:
    kode: str
    nama: str
    kelurahan: str | None
    kecamatan: str | None
    lon: float
    lat: float
    jam: str
    zona_waktu: str
    menurut_jadwal: bool  # the schedule wants the Wi-Fi on now
    status: str  # one of STATES
    ap_menyala: int
    ap_jumlah: int
    sumber: str

    def as_json(self) -> dict:
        return asdict(self)


def _ap_is_serving(state: dict | None) -> bool:
    if state is None or state["status"] != "online" or state["last_seen"] is None:
        return False
    values = state["scaled"] or {}
    fresh = datetime.now(UTC) - state["last_seen"] <= STALE_AFTER
    return fresh and values.get("radio_on") == 1 and values.get("uplink_up") == 1


def _status(scheduled: bool, serving: int, heard: int) -> str:
    if serving:
        return "menyala"
    if not scheduled:
        return "mati"
    return "gangguan" if heard else "tidak_diketahui"


def park_wifi(engine: Engine, now: datetime | None = None, schedule: WifiSchedule | None = None) -> list[ParkWifi]:
    """Every park with free Wi-Fi, in name order, with its state.

    `now` is the moment the schedule is judged at (default: the wall clock; tests inject it); the
    access points' readings are judged fresh against the wall clock, since that is when they came.
    """
    schedule = schedule or load_schedule()
    now = now or datetime.now(UTC)
    scheduled = schedule.wants_on(now)
    parks = read_layer(engine, PARKS, where={"wifi": True})
    aps = read_layer(engine, schedule.layer, where={"status": "aktif"}, columns=["kode", "taman"])
    states = {s["code"]: s for s in latest_state(engine, schedule.layer)}
    out = []
    for _, park in parks.sort_values("nama").iterrows():
        codes = aps.loc[aps["taman"] == park["kode"], "kode"].tolist()
        serving = sum(_ap_is_serving(states.get(c)) for c in codes)
        heard = sum(c in states for c in codes)
        out.append(ParkWifi(park["kode"], park["nama"], park["kelurahan"], park["kecamatan"],
                            round(park.geometry.x, 6), round(park.geometry.y, 6), schedule.hours,
                            schedule.timezone, scheduled, _status(scheduled, serving, heard),
                            serving, len(codes), park["source"]))
    return out
