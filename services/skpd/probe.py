"""The network probe: is each office's site reachable over the WAN, how fast, how lossy.

ICMP-free: a try is a TCP connection to the site's declared monitoring address (its router's
management port), timed from the first SYN to the established connection and closed at once, with a
timeout. ICMP needs raw sockets (root or CAP_NET_RAW) and is filtered on many links; a TCP handshake
needs neither and proves the same path. N tries per site give the loss; the median of the answered
tries is the latency (one slow retransmission does not decide).

A refused connection (the router answered with a reset) counts as a lost try too: the site's monitored
service is not there, which is what the operator must look at; its reason is kept ("ditolak").

Status of a site from one probe:
- down: no try answered;
- degraded: some tries lost, or the median latency above `slow_ms`;
- up: otherwise.
Flask-free and database-free: services/skpd/network.py stores the results.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

Status = Literal["up", "degraded", "down"]


@dataclass(frozen=True)
class Target:
    office: str
    host: str
    port: int


@dataclass(frozen=True)
class ProbeSettings:
    tries: int = 3
    timeout_s: float = 2.0
    pause_s: float = 0.1  # between the tries of one site
    slow_ms: float = 300.0  # a WAN round trip inside the city is well under 50 ms
    concurrency: int = 64  # sites probed at once (sockets open at once)

    def __post_init__(self) -> None:
        if self.tries < 1 or self.timeout_s <= 0 or self.slow_ms <= 0 or self.concurrency < 1:
            raise ValueError("probe settings: tries and concurrency >= 1, timeout and slow_ms > 0")


@dataclass(frozen=True)
class ProbeResult:
    office: str
    tries: int
    latencies_ms: tuple[float, ...]  # of the tries that answered
    error: str | None  # the last failure's reason: "timeout", "ditolak" (refused), or the OS error
    slow_ms: float = field(default=300.0, repr=False)

    @property
    def answered(self) -> int:
        return len(self.latencies_ms)

    @property
    def loss_pct(self) -> float:
        return 100.0 * (self.tries - self.answered) / self.tries

    @property
    def latency_ms(self) -> float | None:
        return statistics.median(self.latencies_ms) if self.latencies_ms else None

    @property
    def max_latency_ms(self) -> float | None:
        return max(self.latencies_ms) if self.latencies_ms else None

    @property
    def status(self) -> Status:
        return classify(self.answered, self.tries, self.latency_ms, self.slow_ms)


def classify(answered: int, tries: int, latency_ms: float | None, slow_ms: float) -> Status:
    if answered == 0:
        return "down"
    if answered < tries or (latency_ms is not None and latency_ms > slow_ms):
        return "degraded"
    return "up"


async def _connect_once(host: str, port: int, timeout_s: float) -> tuple[float | None, str | None]:
    """(latency in ms, None) when the connection is established, else (None, reason)."""
    started = time.perf_counter()
    try:
        _reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout_s)
    except TimeoutError:
        return None, "timeout"
    except ConnectionRefusedError:
        return None, "ditolak"
    except OSError as exc:
        return None, exc.strerror or type(exc).__name__
    latency = (time.perf_counter() - started) * 1000.0
    writer.close()
    with contextlib.suppress(TimeoutError, OSError):  # the answer is in; how the peer closes does not change it
        await asyncio.wait_for(writer.wait_closed(), timeout_s)
    return latency, None


async def probe_target(target: Target, settings: ProbeSettings) -> ProbeResult:
    latencies: list[float] = []
    error: str | None = None
    for attempt in range(settings.tries):
        if attempt:
            await asyncio.sleep(settings.pause_s)
        latency, reason = await _connect_once(target.host, target.port, settings.timeout_s)
        if latency is None:
            error = reason
        else:
            latencies.append(latency)
    return ProbeResult(target.office, settings.tries, tuple(latencies), error, settings.slow_ms)


async def probe_all(targets: Sequence[Target], settings: ProbeSettings) -> list[ProbeResult]:
    """Every target, at most `concurrency` at once, in the targets' order."""
    gate = asyncio.Semaphore(settings.concurrency)

    async def one(target: Target) -> ProbeResult:
        async with gate:
            return await probe_target(target, settings)

    return list(await asyncio.gather(*(one(t) for t in targets)))


def run_probes(targets: Sequence[Target], settings: ProbeSettings) -> list[ProbeResult]:
    """probe_all from synchronous code (the CLI, tests)."""
    return asyncio.run(probe_all(targets, settings))
