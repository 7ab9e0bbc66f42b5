"""The simulator's cameras: a tiny HTTP server that serves each camera's snapshot as a test card.

An IP camera answers ``GET /snapshot/<code>.png`` (ONVIF's GetSnapshotUri points at such
an address) with a still image. The simulated cameras all show the same deterministic
test card (SMPTE-like colour bars), written as a PNG by hand so the simulator needs no
imaging library. Loopback only, like the Modbus simulator.
"""

from __future__ import annotations

import asyncio
import re
import struct
import zlib

SNAPSHOT_PORT = 15080  # clear of the Modbus simulator's 15020.. ports (devices/addressing.py)
WIDTH, HEIGHT = 320, 180
BARS = [(192, 192, 192), (192, 192, 0), (0, 192, 192), (0, 192, 0), (192, 0, 192), (192, 0, 0), (0, 0, 192)]
PATH = re.compile(r"^/snapshot/([A-Za-z0-9_-]{1,40})\.png$")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def colour_bars_png() -> bytes:
    """A 320x180 PNG of seven colour bars over a black strip: the same bytes every time."""
    bar_w = WIDTH // len(BARS) + 1
    top = b"".join(bytes(BARS[min(x // bar_w, len(BARS) - 1)]) for x in range(WIDTH))
    bottom = bytes(3 * WIDTH)
    rows = [b"\x00" + (top if y < HEIGHT * 3 // 4 else bottom) for y in range(HEIGHT)]
    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
            + _chunk(b"IEND", b""))


class CameraServer:
    """Serves every simulated camera's snapshot on one HTTP port."""

    def __init__(self, host: str = "127.0.0.1", port: int = SNAPSHOT_PORT) -> None:
        self.host, self.port = host, port
        self.image = colour_bars_png()
        self.requests = 0
        self._server: asyncio.base_events.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port, reuse_address=True)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            method, path, *_ = request.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
            self.requests += 1
            if method == "GET" and PATH.match(path):
                status, kind, body = "200 OK", "image/png", self.image
            else:
                status, kind, body = "404 Not Found", "text/plain", b"no such snapshot\n"
            writer.write(f"HTTP/1.0 {status}\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n"
                         "Connection: close\r\n\r\n".encode() + body)
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, ConnectionError):
            pass
        finally:
            writer.close()


__all__ = ["SNAPSHOT_PORT", "CameraServer", "colour_bars_png"]
