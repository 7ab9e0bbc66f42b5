"""The poller's Modbus TCP client: one connection, framed by hand so every failure has its name.

pymodbus' client hides a garbled answer, a wrong transaction id, a wrong unit id and a
late answer behind the same "no response"; an operator then sends a crew for what is a
configuration fault. This client reads the frames itself (Modbus Application Protocol
v1.1b3 and Modbus Messaging on TCP/IP v1.0b) and says exactly what happened:

- ``timeout``    no answer at all within ``timeout_s + grace_s``;
- ``exception``  the device answered with a Modbus exception (its code and name);
- ``garbled``    bytes that are no Modbus answer, another transaction id, another unit id,
                 another function, a short payload;
- ``refused`` / ``closed`` / ``unreachable``  the TCP connection could not be made or
                 was dropped.

An answer later than ``timeout_s`` but within the grace is still taken (``Answer.late``):
the device is slow, not dead.

Modbus TCP (``framing="tcp"``) is pipelined: many gateways accept one TCP connection, so
every lane of the poller and every lent command share it, each request in flight under
its own transaction id, and one reader hands each answer to the request whose id it
carries. A request that got no answer in time is abandoned, not the connection: its late
answer is recognised by its transaction id and discarded (``discarded`` counts them), so
it is never taken for the next request, often another device's behind the same gateway
(Modbus Messaging on TCP/IP v1.0b, 4.4.1: the id pairs a response with its request).
Bytes that are no MBAP frame are blamed on the newest request in flight (at a gateway
answering one request at a time the older ones in flight are the quarantined units',
answering late or never) and skipped: the reader slides over them to the next header
that carries the id of a request in flight or given up, and the connection is kept (a
gateway that accepts one connection may not take the next at once). A dropped connection
fails every request in flight on it as ``closed``.

``framing="rtu"`` speaks Modbus RTU over the same socket (a serial-to-Ethernet converter
in transparent mode, devices/modbusrtu.py): no transaction id, a CRC instead, and so one
request at a time on the connection, whichever lane's worker sends it (a lock); after a
request gets no answer or a garbled one the connection is closed (resynchronised).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import struct
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from devices.modbusrtu import read_rtu_answer, rtu_frame
from devices.pollstate import PollFailure

FUNCTION_CODES = {"coil": 1, "discrete_input": 2, "holding": 3, "input": 4}
FRAMINGS = ("tcp", "rtu")
MAX_PDU = 253
# Transaction ids of abandoned requests remembered, so their late answers are known and dropped.
ABANDONED_KEPT = 256


@dataclass
class _InFlight:
    """A pipelined request awaiting the answer with its transaction id."""

    future: asyncio.Future
    unit: int
    function: int
    order: int
    flight: Flight | None


@dataclass(frozen=True)
class Answer:
    """A read's values and how long the device took."""

    values: list[int]
    latency_s: float  # from when the gateway was free for it (see ModbusTcpConnection.read)
    late: bool


class Flight:
    """One request in flight to a gateway, so later requests know when it was done."""

    def __init__(self) -> None:
        self.event = asyncio.Event()
        self.done_at: float | None = None
        # A later request was answered while this one waited. If this one is answered too,
        # the endpoint serves in parallel (a silent unit behind a serial gateway is not proof).
        self.overtaken = False

    def finish(self) -> None:
        if not self.event.is_set():  # at its answer (pipelined), else when its requester is done
            self.done_at = time.monotonic()
            self.event.set()


class ModbusTcpConnection:
    """One TCP connection to a device or gateway: Modbus TCP pipelined, RTU one request at a time."""

    def __init__(self, host: str, port: int, timeout_s: float, grace_s: float, framing: str = "tcp") -> None:
        if framing not in FRAMINGS:
            raise ValueError(f"unknown Modbus framing {framing!r} (one of {FRAMINGS})")
        self.host, self.port = host, port
        self.timeout_s, self.grace_s = timeout_s, grace_s
        self.framing = framing
        # RTU answers carry no transaction id: a second request may only go out after the first's answer.
        self.lock = asyncio.Lock()
        self._connecting = asyncio.Lock()  # several lanes find it closed at once: one reconnects
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._tid = 0
        # Modbus TCP, pipelined: the requests in flight by transaction id, and the ids given up.
        self._in_flight: dict[int, _InFlight] = {}
        self._abandoned: OrderedDict[int, None] = OrderedDict()
        self._order = itertools.count()
        self._pump: asyncio.Task | None = None
        self.discarded = 0  # late answers to abandoned requests, dropped by their transaction id

    @property
    def connected(self) -> bool:
        return self._writer is not None and not self._writer.is_closing()

    async def connect(self) -> None:
        """Open the connection; PollFailure refused or unreachable."""
        if self._writer is not None:
            self.close()  # dropped under us: its requests in flight fail as closed
        try:
            self._reader, self._writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port), self.timeout_s)
        except ConnectionRefusedError as exc:
            raise PollFailure("refused", f"{self.host}:{self.port} refused the connection") from exc
        except (TimeoutError, OSError) as exc:
            raise PollFailure("unreachable", f"cannot connect to {self.host}:{self.port}: "
                              f"{type(exc).__name__}") from exc
        if self.framing == "tcp":
            self._pump = asyncio.ensure_future(self._read_answers(self._reader))

    async def ensure_connected(self) -> None:
        """Connect unless connected; several workers sharing the connection open it once."""
        async with self._connecting:
            if not self.connected:
                await self.connect()

    @contextlib.contextmanager
    def _resynced_on_failure(self, wait_s: float) -> Iterator[None]:
        """A request that got no good answer closes the connection (its answer may still come: never
        let the next request read it) and says why, as a PollFailure."""
        try:
            yield
        except TimeoutError:
            self.close()
            raise PollFailure("timeout", f"no answer in {wait_s:g} s") from None
        except PollFailure:
            self.close()
            raise
        except (ConnectionError, OSError, asyncio.IncompleteReadError) as exc:
            self.close()
            raise PollFailure("closed", f"connection closed by the peer ({type(exc).__name__})") from exc

    def close(self, why: PollFailure | None = None) -> None:
        """Close the connection; the requests in flight on it fail with `why` (else "closed")."""
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None
        if self._pump is not None and self._pump is not asyncio.current_task():
            self._pump.cancel()
        self._pump = None
        in_flight, self._in_flight = self._in_flight, {}
        for request in in_flight.values():
            if not request.future.done():
                request.future.set_exception(why or PollFailure("closed", "connection closed"))
                request.future.exception()  # retrieved: a cancelled requester must not log it

    async def read(self, unit: int, function: str, start: int, count: int,
                   ahead: Sequence[Flight] = (), busy_until: Callable[[], float] = lambda: 0.0,
                   timeouts: tuple[float, float] | None = None, flight: Flight | None = None) -> Answer:
        """Read `count` registers or bits from `start` of a unit; PollFailure names what went wrong.

        `ahead`: the requests already in flight to the same gateway (set when each is done).
        A gateway answers one request at a time, so this one's clock starts when they are
        done: a neighbour's slowness never makes this device late or timed out.
        `busy_until()`: until when the gateway may still be working on a request that was
        given up (a timeout): counted as a request ahead too. `timeouts`: this device's
        (timeout_s, grace_s), else the connection's. `flight`: this request's, finished the
        moment its answer arrives (before the requester runs), so a request answered after
        it never counts as having overtaken it.
        """
        fc = FUNCTION_CODES[function]
        pdu = struct.pack(">BHH", fc, start, count)
        timeout_s, grace_s = timeouts or (self.timeout_s, self.grace_s)
        if self.framing == "rtu":
            async with self.lock:
                got_unit, answer, started = await self._serial(unit, pdu, ahead, busy_until, timeout_s + grace_s)
        else:
            got_unit, answer, started = await self._pipelined(unit, pdu, ahead, busy_until,
                                                              timeout_s + grace_s, flight)
        latency = time.monotonic() - started
        values = self._check(unit, fc, count, got_unit, answer)
        return Answer(values, latency, latency > timeout_s)

    async def transact(self, unit: int, pdu: bytes, ahead: Sequence[Flight] = (),
                       busy_until: Callable[[], float] = lambda: 0.0, flight: Flight | None = None) -> bytes:
        """Send one request PDU (a command's read or write) and return the answer's PDU, an exception
        PDU included; PollFailure when no good answer came. A lost request is never sent again here
        (it may be a write): the caller re-reads."""
        wait_s = self.timeout_s + self.grace_s
        if self.framing == "rtu":
            async with self.lock:
                got_unit, answer, _ = await self._serial(unit, pdu, (), lambda: 0.0, wait_s)
        else:
            got_unit, answer, _ = await self._pipelined(unit, pdu, ahead, busy_until, wait_s, flight)
        if got_unit != unit or not answer or answer[0] & 0x7F != pdu[0]:
            if self.framing == "rtu":
                self.close()
            raise PollFailure("garbled", f"answer does not match the request (unit {got_unit})")
        return answer

    # -- RTU: one request at a time, the connection closed after a lost or garbled answer ----
    async def _serial(self, unit: int, pdu: bytes, ahead: Sequence[Flight], busy_until: Callable[[], float],
                      wait_s: float) -> tuple[int, bytes, float]:
        """(unit, answer PDU, when the clock started) of one request; the caller holds the lock."""
        # Shared by several workers (a single-connection gateway): the request before this
        # one closed it to resynchronise; reconnect rather than blame this device for it.
        await self.ensure_connected()
        sent = time.monotonic()
        with self._resynced_on_failure(wait_s):
            self._writer.write(rtu_frame(unit, pdu))
            await self._writer.drain()
            frame = asyncio.ensure_future(read_rtu_answer(self._reader))
            started = await self._queued_behind(frame, ahead, sent)
            hidden = max(0.0, busy_until() - started)  # the gateway's unseen work ahead of us
            got_unit, answer = await asyncio.wait_for(frame, hidden + wait_s)
            started = max(started, min(busy_until(), time.monotonic()))
        return got_unit, answer, started

    # -- Modbus TCP: pipelined, answers paired with requests by transaction id -------------
    async def _pipelined(self, unit: int, pdu: bytes, ahead: Sequence[Flight], busy_until: Callable[[], float],
                         wait_s: float, flight: Flight | None = None) -> tuple[int, bytes, float]:
        """(unit, answer PDU, when the clock started) of one request in flight beside others."""
        await self.ensure_connected()
        tid = self._next_tid()
        future = asyncio.get_running_loop().create_future()
        self._in_flight[tid] = _InFlight(future, unit, pdu[0], next(self._order), flight)
        sent, writer = time.monotonic(), self._writer
        try:
            writer.write(struct.pack(">HHHB", tid, 0, len(pdu) + 1, unit) + pdu)
            await writer.drain()
            started = await self._queued_behind(future, ahead, sent)
            hidden = max(0.0, busy_until() - started)  # the gateway's unseen work ahead of us
            got_unit, answer = await asyncio.wait_for(asyncio.shield(future), hidden + wait_s)
        except TimeoutError:
            self._abandon(tid)  # its answer may still come: known by its id and dropped
            raise PollFailure("timeout", f"no answer in {wait_s:g} s") from None
        except (ConnectionError, OSError) as exc:
            self._in_flight.pop(tid, None)
            failure = PollFailure("closed", f"connection closed by the peer ({type(exc).__name__})")
            if writer is self._writer:  # not a connection another worker has opened since
                self.close(failure)
            raise failure from exc
        except asyncio.CancelledError:
            self._abandon(tid)
            raise
        return got_unit, answer, max(started, min(busy_until(), time.monotonic()))

    def _next_tid(self) -> int:
        tid = self._tid
        while True:  # never an id still in flight or given up recently: its answer may still come
            tid = (tid + 1) & 0xFFFF
            if tid not in self._in_flight and tid not in self._abandoned:
                self._tid = tid
                return tid

    def _abandon(self, tid: int) -> None:
        if self._in_flight.pop(tid, None) is not None:
            self._abandoned[tid] = None
            while len(self._abandoned) > ABANDONED_KEPT:
                self._abandoned.popitem(last=False)

    async def _read_answers(self, reader: asyncio.StreamReader) -> None:
        """The connection's reader: each answer to the request with its transaction id."""
        try:
            header = await reader.readexactly(7)
            while True:
                tid, protocol, length, unit = struct.unpack(">HHHB", header)
                if protocol != 0 or not 2 <= length <= MAX_PDU + 1:
                    self._blame_newest(PollFailure("garbled", f"not a Modbus TCP frame (header {header.hex()})"))
                    header = await self._resync(reader, header)
                    continue
                self._deliver(tid, unit, await reader.readexactly(length - 1))
                header = await reader.readexactly(7)
        except (asyncio.IncompleteReadError, ConnectionError, OSError) as exc:
            if reader is self._reader:
                self.close(PollFailure("closed", f"connection closed by the peer ({type(exc).__name__})"))

    def _blame_newest(self, failure: PollFailure) -> None:
        if self._in_flight:
            tid = max(self._in_flight, key=lambda t: self._in_flight[t].order)
            request = self._in_flight.pop(tid)
            if request.flight is not None:
                request.flight.finish()
            if not request.future.done():
                request.future.set_exception(failure)

    async def _resync(self, reader: asyncio.StreamReader, garbage: bytes) -> bytes:
        """Slide over garbage a byte at a time to the next header of a request in flight or given up
        (a chance false match: protocol 0 and one of a few ids, about 1 in 2^32 per byte)."""
        window = bytearray(garbage)
        while True:
            del window[0]
            window += await reader.readexactly(1)
            tid, protocol, length, _unit = struct.unpack(">HHHB", window)
            if protocol == 0 and 2 <= length <= MAX_PDU + 1 and (tid in self._in_flight or tid in self._abandoned):
                return bytes(window)

    def _deliver(self, tid: int, unit: int, pdu: bytes) -> None:
        owner = self._in_flight.get(tid)
        mislabelled = self._mislabelled(tid, unit, pdu, owner)
        if mislabelled is not None:
            request = self._in_flight.pop(mislabelled)
            if request.flight is not None:
                request.flight.finish()
            if not request.future.done():
                request.future.set_exception(PollFailure("garbled", f"wrong transaction id {tid} (asked {mislabelled})"))
            return
        if owner is not None:
            del self._in_flight[tid]
            if owner.flight is not None:
                owner.flight.finish()
            if not owner.future.done():
                owner.future.set_result((unit, pdu))  # the requester checks the unit and function
            return
        if self._abandoned.pop(tid, "new") is None:
            self.discarded += 1  # the late answer of a request given up: dropped, never taken for another

    def _mislabelled(self, tid: int, unit: int, pdu: bytes, owner: _InFlight | None) -> int | None:
        """The request an answer with another's transaction id really answers, if it shows.

        An id nobody is waiting for, or the id of a request to another unit while an older request
        to this unit and function is in flight (a gateway answers in order, so that older one is
        being answered): the answer is that request's, mislabelled. Else the id decides.
        """
        if owner is not None and owner.unit == unit:
            return None
        if owner is None and tid in self._abandoned:
            return None
        fc = pdu[0] & 0x7F if pdu else -1
        same = [t for t, r in self._in_flight.items() if r.unit == unit and r.function == fc
                and (owner is None or r.order < owner.order)]
        return same[0] if len(same) == 1 else None

    @staticmethod
    async def _queued_behind(frame: asyncio.Future, ahead: Sequence[Flight], sent: float) -> float:
        """Wait until the requests ahead are done (or our answer comes first); when our clock starts."""
        pending = [f for f in ahead if not f.event.is_set()]
        if pending:
            async def all_done() -> None:
                for f in pending:
                    await f.event.wait()

            others = asyncio.ensure_future(all_done())
            await asyncio.wait({frame, others}, return_when=asyncio.FIRST_COMPLETED)
            others.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await others
        if frame.done():
            for f in pending:
                f.overtaken = f.overtaken or not f.event.is_set()
        # Our clock starts when the last request ahead of us was done (the gateway was free).
        return max([sent, *(f.done_at for f in pending if f.done_at is not None and not f.overtaken)])

    def _check(self, unit: int, fc: int, count: int, got_unit: int, pdu: bytes) -> list[int]:
        def garbled(why: str) -> PollFailure:
            if self.framing == "rtu":  # no frame boundaries to trust any more; an MBAP stream keeps them
                self.close()
            return PollFailure("garbled", why)

        if got_unit != unit:
            raise garbled(f"answer from unit {got_unit} (asked unit {unit})")
        if pdu[0] == fc | 0x80 and len(pdu) >= 2:
            raise PollFailure("exception", exception_name(pdu[1]), code=pdu[1])
        if pdu[0] != fc or len(pdu) < 2 or len(pdu) - 2 != pdu[1]:
            raise garbled(f"malformed answer to function {fc}")
        data = pdu[2:]
        if fc in (1, 2):
            if len(data) < (count + 7) // 8:
                raise garbled(f"short answer: {len(data)} bytes for {count} bits")
            return [(data[i // 8] >> (i % 8)) & 1 for i in range(count)]
        if len(data) < 2 * count:
            raise garbled(f"short answer: {len(data) // 2} of {count} registers")
        return list(struct.unpack(f">{count}H", data[: 2 * count]))


EXCEPTION_NAMES = {
    1: "illegal function", 2: "illegal data address", 3: "illegal data value", 4: "server device failure",
    5: "acknowledge", 6: "server device busy", 8: "memory parity error", 10: "gateway path unavailable",
    11: "gateway target device failed to respond",
}


def exception_name(code: int) -> str:
    """'exception 2 (illegal data address)': the code with its name from the Modbus specification."""
    return f"exception {code} ({EXCEPTION_NAMES.get(code, 'unknown')})"


__all__ = ["EXCEPTION_NAMES", "FRAMINGS", "FUNCTION_CODES", "Answer", "Flight", "ModbusTcpConnection", "exception_name"]
