"""One poller of a group: polls the gateways it leases (devices/leases.py) and nothing else.

Every `renew_s` the group member renews its leases in PostgreSQL and applies the outcome
to its Poller: devices behind newly taken gateways are added (due within a second, and
their alarm state read from the database first, as after a restart), devices behind
gateways it lost or hands back are dropped and their connections closed *before* the
lease is handed back. If the renewal fails (the database is away) the leases are
polled on until their local validity ends, then the poller stops polling altogether
and says so once; it resumes when a renewal succeeds again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from devices.datatypes import DeviceConfig
from devices.faultlog import FaultLog
from devices.leases import LeaseBook, Tick, gateway_key
from devices.poller import Poller
from devices.pollmetrics import PollerMetrics

log = logging.getLogger("devices.poller")
# Devices taken over are polled within this, whatever their interval (the takeover bound).
TAKEOVER_SPREAD_S = 1.0


class PollerGroupMember:
    """Drives a running Poller from a LeaseBook: the fleet given, filtered to the leased gateways."""

    def __init__(self, poller: Poller, book: LeaseBook, fleet: Sequence[DeviceConfig],
                 on_owned: Callable[[list[DeviceConfig], set[str]], None] | None = None) -> None:
        """`on_owned(devices, gained_device_ids)` runs when the owned set changes, before the poller
        sees it (the sink scopes its alarms to them; devices/store.py PostgisSink.set_owned)."""
        self.poller, self.book = poller, book
        self.fleet = list(fleet)
        self.on_owned = on_owned
        self.held: set[str] = set()
        self.live_pollers = 0
        self.handovers = 0  # gateways taken (the metrics count them)
        self.renewal_failures = 0
        self._exported_handovers = self._exported_failures = 0
        self._valid_until = 0.0
        self._faults = FaultLog(log, "poller group: renewing the leases")

    @property
    def gateways(self) -> set[str]:
        return {gateway_key(d.host, d.port) for d in self.fleet}

    def set_fleet(self, fleet: Sequence[DeviceConfig]) -> None:
        """The registry changed: the next tick leases against the new fleet, and applies it."""
        self.fleet = list(fleet)

    async def tick(self) -> None:
        """One renewal and its consequences; never raises (a failed renewal is logged once)."""
        loop = asyncio.get_running_loop()
        # Bounded: a renewal hanging on a lost database must not keep us polling past the
        # leases' validity, so it may take only until then (and never over half a lease).
        budget = self.book.config.ttl_s / 2
        if self.held:
            budget = max(0.05, min(budget, self._valid_until - loop.time()))
        try:
            outcome = await asyncio.wait_for(asyncio.to_thread(self.book.tick, self.gateways), budget)
        except Exception as exc:  # the database is away: poll on while the leases are surely ours
            self.renewal_failures += 1
            self._faults.failed(exc, "polling on until the leases lapse")
            if self.held and loop.time() >= self._valid_until:
                log.warning("poller group: leases of %d gateways lapsed; stopped polling them", len(self.held))
                await self._apply(set())
            return
        self._faults.ok()
        await self._take(outcome)

    async def _take(self, outcome: Tick) -> None:
        self.live_pollers = outcome.live_pollers
        keep = outcome.held - outcome.excess
        if outcome.taken:
            self.handovers += len(outcome.taken)
            log.info("poller group: took %d gateways (%d pollers live)", len(outcome.taken), outcome.live_pollers)
        await self._apply(keep)
        # Monotonic clocks: the loop's time and time.monotonic() are the same clock.
        self._valid_until = outcome.valid_until
        if outcome.excess:
            # Handed back only once nothing here talks to them any more.
            await asyncio.to_thread(self.book.release, outcome.excess)
            log.info("poller group: handed back %d gateways for a fair share", len(outcome.excess))

    async def _apply(self, gateways: set[str]) -> None:
        owned = [d for d in self.fleet if gateway_key(d.host, d.port) in gateways]
        now = {d.device_id: d for d in owned}
        if gateways == self.held and {i: s.config for i, s in self.poller.states.items()} == now:
            return
        gained = set(now) - set(self.poller.states)
        if self.on_owned is not None:  # in a thread: it may wait for the sink's write to finish
            await asyncio.to_thread(self.on_owned, owned, gained)
        self.poller.set_devices(owned, first_within_s=TAKEOVER_SPREAD_S)
        await self.poller.close_idle_endpoints()
        self.held = set(gateways)

    async def run(self, after_tick: Callable[[], Awaitable[None]] | None = None) -> None:
        """Renew every renew_s until cancelled; `after_tick` follows each renewal (lend, count)."""
        while True:
            await self.tick()
            if after_tick is not None:
                await after_tick()
            await asyncio.sleep(self.book.config.renew_s)

    def export(self, metrics: PollerMetrics) -> None:
        """The group's figures into the poller's Prometheus series."""
        metrics.leases.set(len(self.held))
        metrics.live_pollers.set(self.live_pollers)
        metrics.taken.inc(self.handovers - self._exported_handovers)
        self._exported_handovers = self.handovers
        metrics.renewal_failures.inc(self.renewal_failures - self._exported_failures)
        self._exported_failures = self.renewal_failures

    async def leave(self) -> None:
        """Stop polling everything, then hand every lease back (a clean stop)."""
        await self._apply(set())
        try:
            await asyncio.to_thread(self.book.leave)
        except Exception as exc:  # the leases expire by themselves
            log.warning("poller group: could not hand the leases back (%s); they expire in %g s",
                        exc, self.book.config.ttl_s)


__all__ = ["PollerGroupMember", "TAKEOVER_SPREAD_S"]
