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
the device is slow, not dead. After a request gets no answer at all, or a garbled one,
the connection is closed, so the next request (often another device behind the same
gateway) never reads the stray answer of this one: the connection is resynchronised
and no neighbour is blamed for it.

``framing="rtu"`` speaks Modbus RTU over the same socket (a serial-to-Ethernet converter
in transparent mode, devices/modbusrtu.py): no transaction id, a CRC instead, and so one
request at a time on the connection, whichever lane's worker sends it (a lock).
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from devices.modbusrtu import read_rtu_answer, rtu_frame
from devices.pollstate import PollFailure

FUNCTION_CODES = {"coil": 1, "discrete_input": 2, "holding": 3, "input": 4}
FRAMINGS = ("tcp", "rtu")
MAX_PDU = 253


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
        self.done_at = time.monotonic()
        self.event.set()


class ModbusTcpConnection:
    """One TCP connection to a device or gateway; one request at a time."""

    def __init__(self, host: str, port: int, timeout_s: float, grace_s: float, framing: str = "tcp") -> None:
        if framing not in FRAMINGS:
            raise ValueError(f"unknown Modbus framing {framing!r} (one of {FRAMINGS})")
        self.host, self.port = host, port
        self.timeout_s, self.grace_s = timeout_s, grace_s
        self.framing = framing
        # RTU answers carry no transaction id: a second request may only go out after the first's answer.
        self.lock = asyncio.Lock()
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._tid = 0

    @property
    def connected(self) -> bool:
        return self._writer is not None and not self._writer.is_closing()

    async def connect(self) -> None:
        """Open the connection; PollFailure refused or unreachable."""
        try:
            self._reader, self._writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port), self.timeout_s)
        except ConnectionRefusedError as exc:
            raise PollFailure("refused", f"{self.host}:{self.port} refused the connection") from exc
        except (TimeoutError, OSError) as exc:
            raise PollFailure("unreachable", f"cannot connect to {self.host}:{self.port}: "
                              f"{type(exc).__name__}") from exc

    @contextlib.contextmanager
    def _resynced_on_failure(self) -> Iterator[None]:
        """A request that got no good answer closes the connection (its answer may still come: never
        let the next request read it) and says why, as a PollFailure."""
        try:
            yield
        except TimeoutError:
            self.close()
            raise PollFailure("timeout", f"no answer in {self.timeout_s + self.grace_s:g} s") from None
        except PollFailure:
            self.close()
            raise
        except (ConnectionError, OSError, asyncio.IncompleteReadError) as exc:
            self.close()
            raise PollFailure("closed", f"connection closed by the peer ({type(exc).__name__})") from exc

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None

    async def read(self, unit: int, function: str, start: int, count: int,
                   ahead: Sequence[Flight] = (), busy_until: Callable[[], float] = lambda: 0.0) -> Answer:
        """Read `count` registers or bits from `start` of a unit; PollFailure names what went wrong.

        `ahead`: the requests already in flight to the same gateway (set when each is done).
        A gateway answers one request at a time, so this one's clock starts when they are
        done: a neighbour's slowness never makes this device late or timed out.
        `busy_until()`: until when the gateway may still be working on a request that was
        given up (a timeout; its connection closed): counted as a request ahead too.
        """
        async with self.lock:
            return await self._read(unit, function, start, count, ahead, busy_until)

    async def _read(self, unit: int, function: str, start: int, count: int,
                    ahead: Sequence[Flight], busy_until: Callable[[], float]) -> Answer:
        if not self.connected:
            # Shared by several workers (a single-connection gateway): the request before this
            # one closed it to resynchronise; reconnect rather than blame this device for it.
            await self.connect()
        fc = FUNCTION_CODES[function]
        self._tid = (self._tid + 1) & 0xFFFF
        tid = self._tid
        pdu = struct.pack(">BHH", fc, start, count)
        sent = time.monotonic()
        with self._resynced_on_failure():
            self._writer.write(self._request(tid, unit, pdu))
            await self._writer.drain()
            frame = asyncio.ensure_future(self._frame())
            started = await self._queued_behind(frame, ahead, sent)
            hidden = max(0.0, busy_until() - started)  # the gateway's unseen work ahead of us
            got_tid, got_unit, answer = await asyncio.wait_for(frame, hidden + self.timeout_s + self.grace_s)
            started = max(started, min(busy_until(), time.monotonic()))
        latency = time.monotonic() - started
        values = self._check(tid, unit, fc, count, got_tid, got_unit, answer)
        return Answer(values, latency, latency > self.timeout_s)

    async def transact(self, unit: int, pdu: bytes) -> bytes:
        """Send one request PDU (a command's read or write) and return the answer's PDU, an exception
        PDU included; PollFailure when no good answer came (the connection is then resynchronised)."""
        async with self.lock:
            if not self.connected:
                await self.connect()
            self._tid = (self._tid + 1) & 0xFFFF
            tid = self._tid
            with self._resynced_on_failure():
                self._writer.write(self._request(tid, unit, pdu))
                await self._writer.drain()
                got_tid, got_unit, answer = await asyncio.wait_for(self._frame(), self.timeout_s + self.grace_s)
            if got_tid != tid or got_unit != unit or not answer or answer[0] & 0x7F != pdu[0]:
                self.close()
                raise PollFailure("garbled", f"answer does not match the request (unit {got_unit}, tid {got_tid})")
            return answer

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

    def _request(self, tid: int, unit: int, pdu: bytes) -> bytes:
        if self.framing == "rtu":
            return rtu_frame(unit, pdu)
        return struct.pack(">HHHB", tid, 0, len(pdu) + 1, unit) + pdu

    async def _frame(self) -> tuple[int, int, bytes]:
        if self.framing == "rtu":  # no transaction id on a serial line: the one in flight is ours
            unit, pdu = await read_rtu_answer(self._reader)
            return self._tid, unit, pdu
        header = await self._reader.readexactly(7)
        tid, protocol, length, unit = struct.unpack(">HHHB", header)
        if protocol != 0 or not 2 <= length <= MAX_PDU + 1:
            raise PollFailure("garbled", f"not a Modbus TCP frame (header {header.hex()})")
        return tid, unit, await self._reader.readexactly(length - 1)

    def _check(self, tid: int, unit: int, fc: int, count: int, got_tid: int, got_unit: int,
               pdu: bytes) -> list[int]:
        def garbled(why: str) -> PollFailure:
            self.close()
            return PollFailure("garbled", why)

        if got_tid != tid:
            raise garbled(f"wrong transaction id {got_tid} (asked {tid})")
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
