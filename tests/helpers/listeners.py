"""Real TCP listeners on this machine for the network probe's tests (no mocks): one that answers at
once, one that answers slowly, one whose connections always time out, and a closed port.

A TCP handshake is completed by the kernel, not by the program, so a slow site is made the way a
congested one is: the listener's accept queue (backlog 0: one connection) is kept full by a "plug"
connection, so the probe's SYN is dropped and the kernel's retransmission (its initial RTO, 1 s)
gets in once the plug is taken out. Each connection of the probe thus takes about one second.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

HOST = "127.0.0.1"


def _listening(port: int, backlog: int) -> socket.socket:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((HOST, port))
    server.listen(backlog)
    return server


@contextmanager
def answering(port: int) -> Iterator[int]:
    """Accepts and closes every connection."""
    server = _listening(port, 64)
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                conn.close()
            except TimeoutError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        stop.set()
        thread.join()
        server.close()


@contextmanager
def slow(port: int, hold_s: float = 0.4) -> Iterator[int]:
    """Each probe connection completes only on the kernel's SYN retransmission (about 1 s)."""
    server = _listening(port, 0)
    plugs: list[socket.socket] = []
    stop = threading.Event()

    def plug() -> None:
        plugs.append(socket.create_connection((HOST, port), timeout=5))

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            if stop.wait(hold_s):
                return
            for _ in range(2):  # the plug, then the probe's retransmitted connection
                while not stop.is_set():
                    try:
                        conn, _ = server.accept()
                        conn.close()
                        break
                    except TimeoutError:
                        continue
            if not stop.is_set():
                plug()

    plug()
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        stop.set()
        thread.join()
        for s in plugs:
            s.close()
        server.close()


@contextmanager
def black_hole(port: int) -> Iterator[int]:
    """A full accept queue that is never emptied: every SYN is dropped, every try times out."""
    server = _listening(port, 0)
    plug = socket.create_connection((HOST, port), timeout=5)
    try:
        yield port
    finally:
        plug.close()
        server.close()


def closed_port(port: int) -> int:
    """A port nothing listens on (bound and released), so a connection is refused."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    probe.bind((HOST, port))
    probe.close()
    return port
