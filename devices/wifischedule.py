"""Free Wi-Fi in city parks: the platform switches the access points' radios at the schedule.

The schedule is data (devices/wifi_schedule.yaml: 16:01 on, 23:00 off, Asia/Jakarta). Each
pass compares, for every active access point, the state the schedule wants *now* with the
state the radio reads, and only where they differ sends the switch through the operators'
command path (devices/commands.send: bounded, read back, audited with the schedule as the
actor). So a pass is idempotent and the scheduler needs no memory: one started at 20:00
switches the radios on, one that was down across 23:00 switches them off when it returns.

A write whose outcome is unknown (``unconfirmed``) is never sent again while the poller may
still confirm it (commands.CONFIRM_WINDOW_S); every outcome other than "already right" and
"ok" is reported, never swallowed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from pymodbus.exceptions import ModbusException
from sqlalchemy import Engine, text

from devices.commands import CONFIRM_WINDOW_S, CommandFailed, read_point, send
from devices.registermap import CommandRejected
from devices.registry import read_fleet

log = logging.getLogger(__name__)
SCHEDULE_FILE = Path(__file__).with_name("wifi_schedule.yaml")
# Outcomes of a pass that need nobody's attention.
FINE = frozenset({"unchanged", "ok"})
# How long the first pass waits for the poller to hear the access points (they answer within seconds).
STARTUP_WAIT_S = 60.0


@dataclass(frozen=True)
class WifiSchedule:
    """When the park access points' radios are on, and how the platform switches them."""

    layer: str
    point: str
    timezone: str
    on: clock_time
    off: clock_time
    actor: str
    every_s: float = 30.0

    def wants_on(self, now: datetime) -> bool:
        """Whether the radios should be on at `now` (an aware datetime): on <= local time < off."""
        if now.tzinfo is None:
            raise ValueError("the schedule needs an aware datetime (with its time zone)")
        local = now.astimezone(ZoneInfo(self.timezone)).time()
        if self.on < self.off:
            return self.on <= local < self.off
        return local >= self.on or local < self.off  # a schedule across midnight

    @property
    def hours(self) -> str:
        """The hours as citizens read them, e.g. 16:01–23:00."""
        return f"{self.on:%H:%M}–{self.off:%H:%M}"


def _clock(value: object, name: str) -> clock_time:
    try:
        return clock_time.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{SCHEDULE_FILE.name}: {name} {value!r} is not a time like 16:01") from None


def load_schedule(path: Path = SCHEDULE_FILE) -> WifiSchedule:
    """The declared schedule; ValueError saying what is wrong with a bad file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    ZoneInfo(data["timezone"])  # an unknown zone fails here, not at 16:01
    schedule = WifiSchedule(layer=data["layer"], point=data["point"], timezone=data["timezone"],
                            on=_clock(data["on"], "on"), off=_clock(data["off"], "off"),
                            actor=data["actor"], every_s=float(data.get("every_s", 30)))
    if schedule.on == schedule.off:
        raise ValueError(f"{path.name}: on and off are both {schedule.on:%H:%M}")
    return schedule


@dataclass(frozen=True)
class SwitchOutcome:
    """What one pass did to one access point."""

    code: str
    wanted: int
    found: float | None
    result: str  # unchanged, ok, mismatch, unconfirmed, failed, rejected, unreachable, awaiting
    detail: str = ""
    audit_id: int | None = None


def _awaiting_confirmation(engine: Engine, device: str, point: str) -> bool:
    """An unconfirmed write to this point that the poller may still confirm: do not send it again."""
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT EXISTS (SELECT 1 FROM devices.commands WHERE device_id = :device AND point = :point "
            "AND result = 'unconfirmed' AND at > now() - make_interval(secs => :window))"),
            {"device": device, "point": point, "window": CONFIRM_WINDOW_S}).scalar_one()


def _switch(engine: Engine, schedule: WifiSchedule, device_id: str, code: str, wanted: int,
            timeout_s: float) -> SwitchOutcome:
    if _awaiting_confirmation(engine, device_id, schedule.point):
        return SwitchOutcome(code, wanted, None, "awaiting", "an earlier switch is not confirmed yet")
    try:
        found = read_point(engine, schedule.layer, code, schedule.point, timeout_s=timeout_s)
    except CommandRejected as exc:
        return SwitchOutcome(code, wanted, None, "rejected", str(exc))
    except (ModbusException, OSError) as exc:
        return SwitchOutcome(code, wanted, None, "unreachable", str(exc))
    if int(found) == wanted:
        return SwitchOutcome(code, wanted, found, "unchanged")
    try:
        result = send(engine, schedule.layer, code, schedule.point, wanted, schedule.actor, timeout_s=timeout_s)
    except CommandRejected as exc:
        return SwitchOutcome(code, wanted, found, "rejected", str(exc))
    except CommandFailed as exc:  # failed or unconfirmed, audited by send
        return SwitchOutcome(code, wanted, found, exc.result.result, exc.result.detail, exc.result.audit_id)
    return SwitchOutcome(code, wanted, found, result.result, result.detail, result.audit_id)


def run_once(engine: Engine, now: datetime | None = None, schedule: WifiSchedule | None = None,
             timeout_s: float = 2.0) -> list[SwitchOutcome]:
    """One pass over every active access point at `now` (default: the wall clock)."""
    schedule = schedule or load_schedule()
    now = now or datetime.now(UTC)
    wanted = int(schedule.wants_on(now))
    outcomes = [_switch(engine, schedule, r.device_id, r.code, wanted, timeout_s)
                for r in read_fleet(engine, layers=[schedule.layer])]
    for o in outcomes:
        if o.result not in FINE:
            log.warning("wifi schedule: %s radio -> %d: %s %s", o.code, o.wanted, o.result, o.detail)
        elif o.result == "ok":
            log.info("wifi schedule: %s radio %s (audit #%s)", o.code, "on" if o.wanted else "off", o.audit_id)
    return outcomes


def first_readings_heard(engine: Engine, schedule: WifiSchedule, since: datetime) -> bool:
    """Whether the poller has heard every active access point since `since`."""
    codes = {r.code for r in read_fleet(engine, layers=[schedule.layer])}
    with engine.connect() as conn:
        heard = set(conn.execute(text("SELECT code FROM devices.device_state WHERE layer = :layer "
                                      "AND last_seen >= :since"), {"layer": schedule.layer, "since": since}).scalars())
    return codes <= heard


def await_first_readings(engine: Engine, schedule: WifiSchedule, stop: Callable[[], bool], since: datetime,
                         limit_s: float = STARTUP_WAIT_S, step_s: float = 1.0) -> bool:
    """Wait (at most `limit_s`) until the poller has heard every access point since `since`.

    `./medan run` starts the simulator, the poller and the schedule together: a first pass sent
    before the devices listen found all 20 access points "unreachable". Waiting for the poller's
    first readings makes the first pass meet devices that answer; after `limit_s` the pass goes
    ahead anyway and reports the ones that do not."""
    deadline = time.monotonic() + limit_s
    while not first_readings_heard(engine, schedule, since):
        if stop() or time.monotonic() >= deadline:
            return False
        time.sleep(step_s)
    return True


def run(engine: Engine, stop: Callable[[], bool], schedule: WifiSchedule | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC), startup_wait_s: float = STARTUP_WAIT_S) -> None:
    """Pass every `every_s` seconds until stop() holds; a pass that fails is logged and retried.
    The first pass waits for the poller's first readings (await_first_readings)."""
    schedule = schedule or load_schedule()
    if not await_first_readings(engine, schedule, stop, datetime.now(UTC), startup_wait_s) and not stop():
        log.warning("wifi schedule: the poller has not heard every access point in %.0f s; passing anyway",
                    startup_wait_s)
    while not stop():
        try:
            run_once(engine, clock(), schedule)
        except Exception:  # noqa: BLE001 - a database blip must not end the schedule
            log.exception("wifi schedule: pass failed; retrying in %.0f s", schedule.every_s)
        deadline = time.monotonic() + schedule.every_s
        while not stop() and time.monotonic() < deadline:
            time.sleep(min(1.0, schedule.every_s))
