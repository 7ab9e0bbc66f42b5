"""Modbus peers for the tests: free loopback ports, the project's simulator in a thread, and a misbehaving peer."""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
import time
from typing import Any

from devices.modbusrtu import crc16, rtu_frame
from devices.simulator import FleetEntry, Simulator


def free_ports(n: int) -> list[int]:
    """n distinct ports nobody listens on right now (the kernel picks them)."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class SimulatorThread:
    """A Simulator serving from its own event loop in a background thread.

    Tests stay synchronous (no pytest-asyncio in requirements) and can run the poller
    with asyncio.run, or mbpoll as a subprocess, while the simulator keeps answering.
    """

    def __init__(self, entries: list[FleetEntry], **kwargs: Any) -> None:
        self.sim = Simulator(entries, **kwargs)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> Simulator:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.sim.start(), self.loop).result(timeout=10)
        return self.sim

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.sim.stop(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


# -- a Modbus TCP peer that misbehaves on request ----------------------------------------

# Behaviours of one unit of a MisbehavingPeer (set with peer.behave(unit, kind, **options)):
#   ok             answers correctly
#   silent         never answers (the gateway stays busy for `busy_s`, as an RS-485 gateway
#                  waits out its own serial timeout)
#   exception      answers Modbus exception `code`
#   garbage        answers bytes that are no Modbus frame
#   wrong_tid      a well-formed answer with another transaction id
#   wrong_unit     a well-formed answer from another unit id
#   close          closes the TCP connection instead of answering
#   slow           answers correctly after `delay_s`
#   write_slow     applies a write at once (or after `apply_after_s`) but answers it after
#                  `delay_s`; reads answer at once
#   write_lost     never answers a write and never applies it; reads answer at once
BEHAVIOURS = ("ok", "silent", "exception", "garbage", "wrong_tid", "wrong_unit", "close", "slow", "write_slow",
              "write_lost")
WRITES = (5, 6, 15, 16)


class PeerUnit:
    """One unit's registers (four tables, zero by default) and how it behaves."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[int, int]] = {"coil": {}, "discrete_input": {}, "holding": {}, "input": {}}
        self.kind = "ok"
        self.options: dict[str, Any] = {}
        self.requests = 0
        # (time.monotonic(), function code, client's TCP port) of every request: polls per
        # interval, and which client (poller) sent each.
        self.log: list[tuple[float, int, int]] = []


class MisbehavingPeer:
    """A raw asyncio Modbus TCP server, written from the spec, that misbehaves per unit.

    Not the project's simulator (that one behaves): this is the field device the poller
    and commands must survive. ``serial=True`` makes it a gateway in front of an RS-485
    bus: one request at a time across all connections, so a slow unit delays the others.
    ``framing="rtu"`` makes it a serial-to-Ethernet converter in transparent mode: RTU frames
    (unit, PDU, CRC-16) on the socket, no MBAP header; a request with a wrong CRC is
    ignored, as a serial device ignores it. ``max_connections=1`` is a converter or a Modbus
    TCP gateway that allows one TCP connection: with ``over_limit="drop"`` a second one is
    closed at once (``rejected`` counts them); with ``over_limit="steal"`` the new one is
    kept and the oldest is dropped (``stolen`` counts them), as some gateways do.
    ``connections`` counts the connections ever served, ``most_at_once`` the most at once.
    It runs in its own thread and loop; tests drive it synchronously.
    """

    def __init__(self, port: int, *, serial: bool = True, framing: str = "tcp",
                 max_connections: int | None = None, over_limit: str = "drop") -> None:
        if over_limit not in ("drop", "steal"):
            raise ValueError(f"over_limit is drop or steal, not {over_limit!r}")
        self.port = port
        self.serial = serial
        self.framing = framing
        self.max_connections = max_connections
        self.over_limit = over_limit
        self.rejected = 0
        self.stolen = 0
        self.most_at_once = 0
        self.units: dict[int, PeerUnit] = {}
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._server: asyncio.base_events.Server | None = None
        self._writers: dict[asyncio.StreamWriter, None] = {}  # in the order they connected
        self._bus: asyncio.Lock | None = None
        self.connections = 0

    # -- control, from the test's thread ----------------------------------------------
    def unit(self, unit: int) -> PeerUnit:
        return self.units.setdefault(unit, PeerUnit())

    def behave(self, unit: int, kind: str, **options: Any) -> None:
        if kind not in BEHAVIOURS:
            raise ValueError(f"unknown behaviour {kind!r}")
        u = self.unit(unit)
        u.kind, u.options = kind, options

    def set(self, unit: int, table: str, address: int, value: int) -> None:
        self.unit(unit).tables[table][address] = int(value)

    def get(self, unit: int, table: str, address: int) -> int:
        return self.unit(unit).tables[table].get(address, 0)

    def _call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=10)

    def up(self) -> None:
        """Listen (again) on the port."""
        self._call(self._up())

    def down(self) -> None:
        """Stop listening and drop every connection: the gateway lost power."""
        self._call(self._down())

    def __enter__(self) -> MisbehavingPeer:
        self.thread.start()
        self.up()
        return self

    def __exit__(self, *exc: object) -> None:
        self.down()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()

    # -- serving, on the peer's loop ---------------------------------------------------
    async def _up(self) -> None:
        self._bus = asyncio.Lock()
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, reuse_address=True)

    async def _down(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for w in list(self._writers):
            w.close()
        self._writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.max_connections is not None:
            # A client that just closed its connection and opens the next one: its FIN may be
            # read after the new SYN is accepted; give the old connection a moment to end.
            for _ in range(20):
                if len(self._writers) < self.max_connections:
                    break
                await asyncio.sleep(0.01)
            else:
                if self.over_limit == "drop":
                    self.rejected += 1
                    writer.close()
                    return
                self.stolen += 1
                oldest = next(iter(self._writers))
                del self._writers[oldest]
                oldest.close()
        self._writers[writer] = None
        self.connections += 1
        self.most_at_once = max(self.most_at_once, len(self._writers))
        try:
            while True:
                tid, unit, pdu = await (_read_rtu_request(reader) if self.framing == "rtu"
                                        else _read_tcp_request(reader))
                if pdu is None:
                    continue  # a bad CRC: a serial device stays silent
                if self.serial and self._bus is not None:
                    async with self._bus:
                        if not await self._answer(writer, tid, unit, pdu):
                            return
                elif not await self._answer(writer, tid, unit, pdu):
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._writers.pop(writer, None)
            writer.close()

    async def _answer(self, writer: asyncio.StreamWriter, tid: int, unit_id: int, pdu: bytes) -> bool:
        """Answer one request as the unit behaves; False when the connection is to close."""
        u = self.unit(unit_id)
        u.requests += 1
        u.log.append((time.monotonic(), pdu[0], (writer.get_extra_info("peername") or ("", 0))[1]))
        kind, opts = u.kind, u.options
        if kind == "silent" or (kind == "write_lost" and pdu[0] in WRITES):
            await asyncio.sleep(opts.get("busy_s", 0.0))
            return True
        if kind == "close":
            return False
        if kind == "slow":
            await asyncio.sleep(opts["delay_s"])
        if kind == "exception":
            body = bytes([pdu[0] | 0x80, opts["code"]])
        elif kind == "write_slow" and pdu[0] in WRITES:
            if "apply_after_s" in opts:
                self.loop.call_later(opts["apply_after_s"], _execute, u, pdu)
                body = pdu[:5]
            else:
                body = _execute(u, pdu)
            await asyncio.sleep(opts["delay_s"])
        else:
            body = _execute(u, pdu)
        if kind == "garbage":
            frame = bytes([0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x13, 0x37])
        else:
            answer_tid = (tid + 1) & 0xFFFF if kind == "wrong_tid" else tid
            answer_unit = (unit_id + 1) & 0xFF if kind == "wrong_unit" else unit_id
            frame = (rtu_frame(answer_unit, body) if self.framing == "rtu"
                     else struct.pack(">HHHB", answer_tid, 0, len(body) + 1, answer_unit) + body)
        if writer.is_closing():
            return False
        writer.write(frame)
        await writer.drain()
        return True


async def _read_tcp_request(reader: asyncio.StreamReader) -> tuple[int, int, bytes]:
    tid, _pid, length, unit = struct.unpack(">HHHB", await reader.readexactly(7))
    return tid, unit, await reader.readexactly(length - 1)


async def _read_rtu_request(reader: asyncio.StreamReader) -> tuple[int, int, bytes | None]:
    """(0, unit, PDU) of the next RTU request; PDU None when its CRC is wrong."""
    head = await reader.readexactly(2)
    rest = await reader.readexactly(4)
    if head[1] in (15, 16):
        rest += await reader.readexactly(1)
        rest += await reader.readexactly(rest[-1])
    frame = head + rest + await reader.readexactly(2)
    if crc16(frame[:-2]) != int.from_bytes(frame[-2:], "little"):
        return 0, head[0], None
    return 0, head[0], frame[1:-2]


_TABLE_OF = {1: "coil", 2: "discrete_input", 3: "holding", 4: "input"}


def _execute(u: PeerUnit, pdu: bytes) -> bytes:
    """The answer PDU of a well-behaved device (function codes 1-6, 15, 16)."""
    fc = pdu[0]
    if fc in (1, 2, 3, 4):
        start, count = struct.unpack(">HH", pdu[1:5])
        table = u.tables[_TABLE_OF[fc]]
        values = [table.get(start + i, 0) for i in range(count)]
        if fc in (1, 2):
            data = bytearray((count + 7) // 8)
            for i, bit in enumerate(values):
                if bit:
                    data[i // 8] |= 1 << (i % 8)
            return bytes([fc, len(data)]) + bytes(data)
        return bytes([fc, 2 * count]) + b"".join(struct.pack(">H", v & 0xFFFF) for v in values)
    if fc == 5:
        address, value = struct.unpack(">HH", pdu[1:5])
        u.tables["coil"][address] = 1 if value == 0xFF00 else 0
        return pdu[:5]
    if fc == 6:
        address, value = struct.unpack(">HH", pdu[1:5])
        u.tables["holding"][address] = value
        return pdu[:5]
    if fc == 15:
        address, count = struct.unpack(">HH", pdu[1:5])
        for i in range(count):
            u.tables["coil"][address + i] = (pdu[6 + i // 8] >> (i % 8)) & 1
        return pdu[:5]
    if fc == 16:
        address, count = struct.unpack(">HH", pdu[1:5])
        for i in range(count):
            u.tables["holding"][address + i] = struct.unpack(">H", pdu[6 + 2 * i: 8 + 2 * i])[0]
        return pdu[:5]
    return bytes([fc | 0x80, 1])


class CameraThread:
    """The simulator's camera HTTP server (devices/simcamera.py) in a background thread."""

    def __init__(self, port: int) -> None:
        from devices.simcamera import CameraServer

        self.server = CameraServer(port=port)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> Any:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(timeout=10)
        return self.server

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()
