"""Commands share the poller's one connection to a gateway that allows only one.

Many serial-to-Ethernet converters and Modbus TCP-to-RTU gateways accept a single TCP
connection: while the poller holds it, a command's own connection is refused (or, worse,
kicks the poller off). So the poller lends its connection: for each such endpoint (an RTU
converter, or a Modbus TCP gateway polled on one connection) it serves a loopback-only
Modbus TCP port (what mbusd does for a serial line), and every request that arrives
there goes out on the shared connection, framed as the gateway speaks: between two polls
on an RTU line, beside the polls under its own transaction id on Modbus TCP.
devices.commands looks the port up in
devices.gateway_links and talks plain Modbus TCP to it, so its checks, read-back and
"unconfirmed" handling stay the same. A request the gateway does not answer gets no
answer here either (the connection is closed), so a lost write stays "unconfirmed",
never "failed".
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import struct
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import Engine, text

from devices.pollstate import PollFailure

# Failures where the request never reached the gateway, and the Modbus exception that says so.
PATH_DOWN = frozenset({"refused", "unreachable"})
GATEWAY_PATH_UNAVAILABLE = 10

log = logging.getLogger(__name__)
LINK_HOST = "127.0.0.1"


class GatewayLink:
    """A loopback Modbus TCP server in front of one endpoint's shared connection."""

    def __init__(self, host: str, port: int, exchange: Callable[[int, bytes], Awaitable[bytes]]) -> None:
        self.host, self.port = host, port  # the gateway
        self._exchange = exchange  # (unit, request PDU) -> answer PDU on the shared connection
        self.link_port = 0
        self.requests = 0
        self._server: asyncio.base_events.Server | None = None

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, LINK_HOST, 0)
        self.link_port = self._server.sockets[0].getsockname()[1]
        return self.link_port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                tid, protocol, length, unit = struct.unpack(">HHHB", await reader.readexactly(7))
                if protocol != 0 or not 2 <= length <= 254:
                    return
                pdu = await reader.readexactly(length - 1)
                self.requests += 1
                try:
                    answer = await self._exchange(unit, pdu)
                except PollFailure as failure:
                    log.info("gateway link %s:%s: unit %s: %s", self.host, self.port, unit, failure)
                    if failure.kind not in PATH_DOWN:
                        return  # the device may have acted on it: no answer from here either (the caller re-reads)
                    # The request never left: say so as a Modbus gateway does (exception 10), so a
                    # command reads "gateway path unavailable, nothing written", not a closed connection.
                    answer = bytes([pdu[0] | 0x80, GATEWAY_PATH_UNAVAILABLE])
                writer.write(struct.pack(">HHHB", tid, 0, len(answer) + 1, unit) + answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


class Lender:
    """The poller's side: a link per single-connection gateway it polls, published for commands."""

    def __init__(self, poller: Any, engine: Engine | None) -> None:  # a devices.poller.Poller
        self.poller, self.engine = poller, engine
        self.links: dict[tuple[str, int], GatewayLink] = {}

    async def refresh(self) -> None:
        """Lend the connections of gateways added since (at start, and after a registry reload)."""
        new = []
        for host, port in self.poller.single_connection_endpoints():
            if (host, port) not in self.links:
                link = GatewayLink(host, port, functools.partial(self.poller.lent_request, host, port))
                await link.start()
                self.links[(host, port)] = link
                new.append(link)
        if new and self.engine is not None:
            await asyncio.to_thread(publish, self.engine, new)

    async def retain(self) -> None:
        """Stop lending gateways the poller no longer polls (their lease went to another poller)."""
        gone = [link for key, link in self.links.items() if key not in self.poller.endpoints]
        for link in gone:
            del self.links[(link.host, link.port)]
            await link.stop()
        if gone and self.engine is not None:
            await asyncio.to_thread(withdraw, self.engine, gone)

    async def stop(self) -> None:
        if self.engine is not None:
            await asyncio.to_thread(withdraw, self.engine, list(self.links.values()))
        for link in self.links.values():
            await link.stop()


def publish(engine: Engine, links: list[GatewayLink]) -> None:
    """Tell commands where each shared gateway connection is lent (replacing this host's old rows)."""
    with engine.begin() as conn:
        for link in links:
            conn.execute(text(
                "INSERT INTO devices.gateway_links (host, port, link_host, link_port, pid, updated_at) "
                "VALUES (:h, :p, :lh, :lp, :pid, now()) ON CONFLICT (host, port) DO UPDATE SET "
                "link_host = excluded.link_host, link_port = excluded.link_port, pid = excluded.pid, "
                "updated_at = now()"),
                {"h": link.host, "p": link.port, "lh": LINK_HOST, "lp": link.link_port, "pid": os.getpid()})


def withdraw(engine: Engine, links: list[GatewayLink]) -> None:
    with contextlib.suppress(Exception), engine.begin() as conn:  # a stopping poller: best effort
        for link in links:
            conn.execute(text("DELETE FROM devices.gateway_links WHERE host = :h AND port = :p AND link_port = :lp"),
                         {"h": link.host, "p": link.port, "lp": link.link_port})


def lent_connection(engine: Engine, host: str, port: int) -> tuple[str, int] | None:
    """Where the poller lends its connection to this gateway, if it does."""
    with engine.connect() as conn:
        row = conn.execute(text("SELECT link_host, link_port FROM devices.gateway_links "
                                "WHERE host = :h AND port = :p"), {"h": host, "p": port}).first()
    return (row[0], int(row[1])) if row else None


__all__ = ["GatewayLink", "Lender", "lent_connection", "publish", "withdraw"]
