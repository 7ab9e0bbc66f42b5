"""This worker's copy of recently served cached tiles: an LRU bounded by bytes."""

from __future__ import annotations

import threading
from collections import OrderedDict


class TileMemory:
    """Recently served cached tiles kept in this worker, by (key, z, x, y) -> (etag, bytes).

    Only ever a copy: every hit still asks tiles.cache whether the row exists and
    which etag it has (a small indexed read), so an invalidation anywhere is seen
    at once; what is saved is moving the bytes (hex-encoded bytea) out of PostgreSQL.
    """

    def __init__(self, max_bytes: int = 64 * 1024 * 1024):
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple[str, int, int, int], tuple[str, bytes]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int, int, int]) -> tuple[str, bytes] | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: tuple[str, int, int, int], etag: str, data: bytes) -> None:
        if len(data) > self.max_bytes // 8:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._size -= len(old[1])
            self._items[key] = (etag, data)
            self._size += len(data)
            while self._size > self.max_bytes:
                _, (_, dropped) = self._items.popitem(last=False)
                self._size -= len(dropped)


MEMORY = TileMemory()
