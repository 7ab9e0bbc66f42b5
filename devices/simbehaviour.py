"""How each simulated device model's values evolve over a Medan day.

Each behaviour gets the device's state (engineering values keyed by point name), the
wall-clock time and the seconds since its last step, and updates the state in place.
Values integrate over time (battery charge, vehicle counters, disk usage) rather than
being drawn fresh each read, so consecutive polls look like one physical device.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, MutableMapping

State = MutableMapping[str, float]
Behaviour = Callable[[State, float, float, random.Random], None]

WIB_OFFSET_S = 7 * 3600  # Medan is on Western Indonesian Time, UTC+7, no DST.


def local_hour(t: float) -> float:
    """Hour of day in Medan (0..24) for a Unix time."""
    return ((t + WIB_OFFSET_S) % 86400) / 3600


def is_night(t: float) -> bool:
    """Street lights burn from 18:00 to 06:00 local time."""
    h = local_hour(t)
    return h >= 18 or h < 6


def _peak(h: float, centre: float, width: float) -> float:
    return math.exp(-(((h - centre) / width) ** 2))


# -- street light --------------------------------------------------------------------


def init_lpju(state: State, t: float, rng: random.Random) -> None:
    h = local_hour(t)
    # Start from a charge that fits the time of day: full at dusk, low at dawn.
    soc = 95 - 55 * ((h - 18) % 24) / 12 if is_night(t) else 40 + 55 * (h - 6) / 12
    state.update(
        lamp_on=0, auto_mode=1, dim_level=100, lamp_fault=0, battery_soc=soc + rng.uniform(-5, 5),
        battery_voltage=12.5, solar_power=0.0, lamp_power=0, energy_out=rng.uniform(0, 5e5),
        _panel_w=rng.uniform(120, 200), _lamp_w=rng.choice([40, 60, 80]),
        _battery_wh=rng.uniform(900, 1400), _cloud=rng.uniform(0.7, 1.0),
    )


def step_lpju(state: State, t: float, dt: float, rng: random.Random) -> None:
    h = local_hour(t)
    if state["auto_mode"]:
        state["lamp_on"] = int(is_night(t))
    state["_cloud"] = min(1.0, max(0.3, state["_cloud"] + rng.uniform(-0.02, 0.02)))
    sun = max(0.0, math.sin(math.pi * (h - 6) / 12))
    solar = state["_panel_w"] * sun * state["_cloud"]
    burning = state["lamp_on"] and not state["lamp_fault"] and state["battery_soc"] > 2
    lamp = state["_lamp_w"] * state["dim_level"] / 100 if burning else 0.0
    soc = state["battery_soc"] + (solar * 0.9 - lamp - 1.5) * dt / state["_battery_wh"] * 100
    state["battery_soc"] = min(100.0, max(0.0, soc))
    state["solar_power"] = round(solar, 1)
    state["lamp_power"] = round(lamp)
    state["energy_out"] += lamp * dt / 3600
    charge_lift = 0.4 if solar > 5 else (-0.15 if lamp else 0.0)
    state["battery_voltage"] = 11.6 + 1.7 * state["battery_soc"] / 100 + charge_lift


# -- ATCS intersection ----------------------------------------------------------------

APPROACHES = ("north", "east", "south", "west")
# Green seconds per approach that the base capacity (750 vehicles/hour) is quoted for,
# in the default 90 s cycle: a saturation flow of 750 * 90 / 22 ~ 3,070 vehicles/hour of
# green (two lanes).
DEFAULT_GREEN_S = 22
DEFAULT_CYCLE_S = 90
SATURATION_VPH = 750 * DEFAULT_CYCLE_S / DEFAULT_GREEN_S
# Queue length per waiting vehicle on a two-lane approach (7 m per car and lane).
METRES_PER_VEHICLE = 3.5
MAX_QUEUE_M = 999.0


def init_atcs(state: State, t: float, rng: random.Random) -> None:
    state.update(signal_plan=1, cycle_time=DEFAULT_CYCLE_S, flash_mode=0, controller_fault=0, door_open=0,
                 detector_fault=0, fault_flags=0, current_phase=1, phase_elapsed=0)
    for a in APPROACHES:
        state[f"count_{a}"] = rng.uniform(0, 2e5)
        state[f"queue_{a}"] = 0.0
        # Main roads carry more; each approach has its own base flow (vehicles/hour).
        state[f"_base_{a}"] = rng.uniform(250, 700)
        state[f"green_{a}"] = DEFAULT_GREEN_S
        # Vehicles left over when a green ends (the overflow queue), carried cycle to cycle.
        state[f"_overflow_{a}"] = 0.0
    state["_offset"] = rng.uniform(0, 180)


def traffic_factor(h: float) -> float:
    """Share of the daily peak flow: peaks at 07:00 and 17:00, quiet at night."""
    return 0.15 + 0.9 * _peak(h, 7, 1.2) + 0.85 * _peak(h, 17, 1.5) + 0.35 * _peak(h, 12.5, 3)


def step_atcs(state: State, t: float, dt: float, rng: random.Random) -> None:
    """A store-and-forward queue per approach (the model of traffic-responsive signal control):
    vehicles arrive at the approach's flow and leave at the saturation flow during its share
    of the cycle (green / cycle), so the queue an approach carries over grows while its flow
    exceeds that capacity and drains when a longer green gives it more. The reported queue
    is that overflow plus the vehicles that stand at the red on average."""
    cycle = max(1.0, state["cycle_time"])
    split = cycle / len(APPROACHES)
    in_cycle = (t + state["_offset"]) % cycle
    state["current_phase"] = int(in_cycle // split) + 1
    state["phase_elapsed"] = int(in_cycle % split)
    factor = traffic_factor(local_hour(t))
    for a in APPROACHES:
        flow = state[f"_base_{a}"] * factor * rng.uniform(0.9, 1.1)
        state[f"count_{a}"] += flow * dt / 3600
        green = min(max(1.0, state[f"green_{a}"]), cycle)
        capacity = SATURATION_VPH * green / cycle
        overflow = state.get(f"_overflow_{a}", 0.0) + (flow - capacity) * dt / 3600
        state[f"_overflow_{a}"] = min(max(0.0, overflow), MAX_QUEUE_M / METRES_PER_VEHICLE)
        at_red = flow * (cycle - green) / 3600 / 2
        queue = (state[f"_overflow_{a}"] + at_red) * METRES_PER_VEHICLE * rng.uniform(0.95, 1.05)
        state[f"queue_{a}"] = round(min(MAX_QUEUE_M, queue), 1)


# -- CCTV ----------------------------------------------------------------------------


def init_cctv(state: State, t: float, rng: random.Random) -> None:
    cap = rng.choice([500.0, 1000.0, 2000.0])
    state.update(reboot=0, recording_enabled=1, video_ok=1, recording=1, tamper_alarm=0,
                 stream_profile=1, temperature=30.0, _capacity_gb=cap,
                 disk_used_gb=cap * rng.uniform(0.2, 0.8), _gb_per_h=rng.uniform(1.0, 3.0))


def step_cctv(state: State, t: float, dt: float, rng: random.Random) -> None:
    state["recording"] = int(bool(state["recording_enabled"]) and bool(state["video_ok"]))
    if state["recording"]:
        state["disk_used_gb"] += state["_gb_per_h"] * dt / 3600
    # Loop recording: the recorder deletes the oldest footage once the disk is 95 % full.
    if state["disk_used_gb"] > 0.95 * state["_capacity_gb"]:
        state["disk_used_gb"] = 0.90 * state["_capacity_gb"]
    state["disk_used"] = round(100 * state["disk_used_gb"] / state["_capacity_gb"], 1)
    h = local_hour(t)
    state["temperature"] = round(29 + 7 * math.sin(math.pi * (h - 8) / 12) + rng.uniform(-0.3, 0.3), 1)


# -- attendance machine ---------------------------------------------------------------


def init_attendance(state: State, t: float, rng: random.Random) -> None:
    state.update(sync_now=0, online=1, records_stored=rng.randint(1000, 90000),
                 last_sync=int(t) - rng.randint(0, 900), users_enrolled=rng.randint(40, 400))


def step_attendance(state: State, t: float, dt: float, rng: random.Random) -> None:
    h = local_hour(t)
    rate = state["users_enrolled"] * (_peak(h, 7.5, 0.5) + _peak(h, 16, 0.6)) / 1800
    state["records_stored"] += rate * dt
    if t - state["last_sync"] >= 900 and state["online"]:
        state["last_sync"] = int(t)


# -- park Wi-Fi access point -----------------------------------------------------------

# An uplink fault now and then: on average one per AP every 12 hours, lasting 3-20 minutes.
WIFI_UPLINK_FAULTS_PER_S = 1 / (12 * 3600)


def park_visitors_factor(h: float) -> float:
    """Share of an AP's peak users: parks fill after work and peak around 19:30, empty by midnight."""
    return min(1.0, 0.08 + 0.95 * _peak(h, 19.5, 2.0) + 0.25 * _peak(h, 16.5, 1.2))


def init_wifi(state: State, t: float, rng: random.Random) -> None:
    # The radio starts off: the platform's schedule switches it (devices/wifischedule.py).
    state.update(radio_on=0, uplink_up=1, connected_users=0, throughput=0.0,
                 _capacity=rng.randint(60, 180), _fault_until=0.0)


def step_wifi(state: State, t: float, dt: float, rng: random.Random) -> None:
    if state["_fault_until"] <= t and rng.random() < WIFI_UPLINK_FAULTS_PER_S * dt:
        state["_fault_until"] = t + rng.uniform(180, 1200)
    state["uplink_up"] = int(state["_fault_until"] <= t)
    if not state["radio_on"]:
        target = 0.0
    elif not state["uplink_up"]:
        target = state["connected_users"] * 0.3  # without internet, people give up and leave
    else:
        target = state["_capacity"] * park_visitors_factor(local_hour(t)) * rng.uniform(0.9, 1.1)
    # Users drift toward the target (a few minutes' time constant), not jump to it.
    pull = 1.0 if not state["radio_on"] else min(1.0, dt / 180)
    users = max(0.0, state["connected_users"] + (target - state["connected_users"]) * pull)
    state["connected_users"] = round(users)
    per_user = 0.35 if state["uplink_up"] else 0.0
    state["throughput"] = round(min(1000.0, users * per_user * rng.uniform(0.7, 1.3)), 1)


BEHAVIOURS: dict[str, tuple[Callable[[State, float, random.Random], None], Behaviour]] = {
    "lpju_solar_v1": (init_lpju, step_lpju),
    "atcs_controller_v1": (init_atcs, step_atcs),
    "cctv_ipcam_v1": (init_cctv, step_cctv),
    "attendance_v1": (init_attendance, step_attendance),
    "wifi_ap_v1": (init_wifi, step_wifi),
}
