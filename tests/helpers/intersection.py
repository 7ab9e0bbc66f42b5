"""A simulated ATCS intersection whose queues respond to its greens, polled into PostGIS and
driven by the adaptive loop, on a simulation clock faster than the wall's (tests, benchmarks).

The simulator's ATCS behaviour is a store-and-forward queue per approach
(devices/simbehaviour.py); the poller writes its readings as in production; the loop
(devices/adaptivectl.py) reads them and commands the controller through devices.commands.
"""

from __future__ import annotations

import asyncio
import dataclasses
import statistics
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from devices.adaptivectl import AdaptiveLoop, enable
from devices.adaptiveplan import APPROACHES, Declaration, load_declaration
from devices.poller import Poller, PollerConfig
from devices.registry import DeviceRecord
from devices.simulator import FleetEntry
from devices.store import PostgisSink
from tests.helpers.modbus import SimulatorThread
from tests.helpers.operator import quick_rules, readdress

MODEL = "atcs_controller_v1"
# Morning peak on a weekday in Medan: the simulator's time-of-day factor is ~1.06 at 07:00.
PEAK = datetime(2026, 12, 7, 7, 0, tzinfo=ZoneInfo("Asia/Jakarta")).timestamp()
# Vehicles/hour per approach at the peak factor 1: a busy north-south road, quiet side roads.
DEMAND = {"north": 900.0, "east": 250.0, "south": 600.0, "west": 300.0}
POLLING = PollerConfig(timeout_s=0.5, retries=0, offline_after=2, offline_probe_s=0.3, flush_interval_s=0.1)


class FastClock:
    """Simulated seconds from `start`, `speed` times faster than the wall clock."""

    def __init__(self, start: float, speed: float) -> None:
        self.start, self.speed, self.t0 = start, speed, time.time()

    def __call__(self) -> float:
        return self.start + (time.time() - self.t0) * self.speed

    def at(self, wall: float) -> float:
        """The simulated time of a wall-clock time (e.g. a database timestamp)."""
        return self.start + (wall - self.t0) * self.speed


@dataclasses.dataclass
class Trace:
    """The intersection's true state, sampled from the simulator: (sim time, queues m, greens s, cycle)."""

    samples: list[tuple[float, dict[str, float], dict[str, float], float]] = dataclasses.field(default_factory=list)

    def mean_queue(self, start: float, end: float) -> dict[str, float]:
        window = [s for s in self.samples if start <= s[0] < end]
        return {a: round(statistics.fmean(s[1][a] for s in window), 1) for a in APPROACHES}


class Intersection:
    """One simulated intersection on `port`, registered in the database, with its demand set."""

    def __init__(self, engine: Engine, port: int, *, speed: float = 60.0, demand: Mapping[str, float] = DEMAND,
                 declaration: Declaration | None = None) -> None:
        self.engine, self.port = engine, port
        self.clock = FastClock(PEAK, speed)
        self.record: DeviceRecord = readdress(engine, port, [MODEL], interval_s=0.2)[MODEL]
        self.sim_thread = SimulatorThread([FleetEntry(port, 1, MODEL)], clock=self.clock)
        self.sim = self.sim_thread.__enter__()
        self.device = self.sim.device(port, 1)
        for a in APPROACHES:
            self.device.state[f"_base_{a}"] = demand[a]
        self.loop = AdaptiveLoop(engine, clock=self.clock, declaration=declaration or load_declaration())
        self.trace = Trace()

    def close(self) -> None:
        self.sim_thread.__exit__(None, None, None)

    def enable(self, actor: str = "operator:ani") -> dict:
        return enable(self.engine, self.record.layer, self.record.code, actor, declaration=self.loop.declaration)

    def _sample(self) -> None:
        s = self.device.state
        self.trace.samples.append((self.clock(), {a: s[f"queue_{a}"] for a in APPROACHES},
                                   {a: s[f"green_{a}"] for a in APPROACHES}, s["cycle_time"]))

    def run(self, simulated_s: float, *, loop: bool = True, during: Callable[[float], None] | None = None) -> None:
        """Poll into PostGIS (and tick the loop when `loop`) for `simulated_s` simulated seconds;
        `during(sim_elapsed)` is called every tenth of a wall second (to inject faults)."""
        sink = PostgisSink(self.engine, devices=[self.record], rules=quick_rules())
        poller = Poller([self.record.config()], sink, POLLING)
        stop = threading.Event()
        start = self.clock()

        async def scenario() -> None:
            await poller.start()
            ticking = asyncio.create_task(asyncio.to_thread(self._tick_until, stop, loop)) if loop else None
            try:
                while self.clock() - start < simulated_s:
                    self._sample()
                    if during is not None:
                        during(self.clock() - start)
                    await asyncio.sleep(0.1)
            finally:
                stop.set()
                if ticking is not None:
                    await ticking
                await poller.stop()

        asyncio.run(scenario())

    def _tick_until(self, stop: threading.Event, loop: bool) -> None:
        while not stop.is_set():
            self.loop.tick()
            stop.wait(0.1)
