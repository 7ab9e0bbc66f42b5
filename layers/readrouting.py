"""Which database a read may go to: a streaming replica when one is healthy and has replayed
what the reader must see, else the primary.

Each process keeps a `ReadReplicas` per primary. A daemon thread (started on first use,
so after gunicorn forks) asks the primary its WAL flush position and every replica its
replay position every `check_interval_s`. A replica's lag is how long the primary has held
WAL the replica has not replayed: the thread remembers when the primary's position was
first seen past each point, so an idle primary (no new WAL) gives no lag, whatever the age
of the last replayed transaction. A replica that does not answer, or lags more than
`max_lag_s`, is out of rotation from that check on (so within a second); it is back after
`RISE_CHECKS` good checks in a row. A read that fails on a replica marks it out at once
(`mark_down`), so the caller can read again from the primary.

Read-your-writes: a client that wrote remembers the primary's WAL position after its
write (`write_position`); `choose(after=that)` gives only a replica whose last seen replay
position is at or past it. That position is at most one check old, so the answer is
conservative: a replica it names has replayed the write.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from itertools import count

import psycopg2
from sqlalchemy import Engine

from layers.db import engine_for

# Good checks in a row before a replica that was out is read from again (no flapping).
RISE_CHECKS = 2
CONNECT_TIMEOUT_S = 1
# What a replica can have: WAL the primary has flushed (it streams no more). The insert
# position would not do for lag: it skips a page header at a page boundary, which an idle
# replica's replay position never passes.
FLUSHED_POSITION = "SELECT pg_current_wal_flush_lsn()::text"
WRITE_POSITION = "SELECT pg_current_wal_insert_lsn()::text"
REPLAY_POSITION = "SELECT pg_last_wal_replay_lsn()::text"


def lsn_number(lsn: str) -> int:
    """A WAL position as PostgreSQL writes it ('16/B374D848') as one comparable number."""
    high, _, low = lsn.partition("/")
    if not low:
        raise ValueError(f"not a WAL position: {lsn!r}")
    return (int(high, 16) << 32) | int(low, 16)


def write_position(connection: object) -> str:
    """The primary's WAL insert position, on a DB-API connection to it: past every commit
    acknowledged before this call (even with synchronous_commit off)."""
    with connection.cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute(WRITE_POSITION)
        return cursor.fetchone()[0]


@dataclass
class ReplicaHealth:
    url: str
    in_rotation: bool = False
    replayed: int = -1  # last seen replay position (lsn_number)
    good_checks: int = 0
    lag_s: float | None = None
    connection: object | None = field(default=None, repr=False)


class ReadReplicas:
    """The replicas of one primary, checked in the background; see the module docstring."""

    def __init__(self, primary_url: str, replica_urls: list[str], *, max_lag_s: float, check_interval_s: float,
                 transaction_pooled: bool = False):
        self.primary_url = primary_url
        self.replicas = [ReplicaHealth(url) for url in replica_urls]
        self.max_lag_s = max_lag_s
        self.check_interval_s = check_interval_s
        self.transaction_pooled = transaction_pooled
        self._primary_connection: object | None = None
        self._primary_seen: deque[tuple[int, float]] = deque()  # (position, first seen at), rising
        self._turn = count()
        self._started = False
        self._lock = threading.Lock()
        self.checked = threading.Event()  # set after each round of checks (tests wait on it)

    def engine_of(self, url: str) -> Engine:
        return engine_for(url, transaction_pooled=self.transaction_pooled)

    def choose(self, after: int = 0) -> str | None:
        """URL of a replica in rotation that has replayed up to `after`, taking turns; else None."""
        self._start()
        ready = [r for r in self.replicas if r.in_rotation and r.replayed >= after]
        if not ready:
            return None
        return ready[next(self._turn) % len(ready)].url

    def mark_down(self, url: str) -> None:
        for replica in self.replicas:
            if replica.url == url:
                replica.in_rotation, replica.good_checks = False, 0

    def _start(self) -> None:
        if self._started or not self.replicas:
            return
        with self._lock:
            if not self._started:
                threading.Thread(target=self._check_forever, name="replica-checks", daemon=True).start()
                self._started = True

    def _check_forever(self) -> None:
        while True:
            started = time.monotonic()
            self.check_once()
            time.sleep(max(0.0, self.check_interval_s - (time.monotonic() - started)))

    def check_once(self) -> None:
        """One round: the primary's position, then each replica's replay position and lag."""
        now = time.monotonic()
        primary = self._primary_position()
        if primary is not None and (not self._primary_seen or primary > self._primary_seen[-1][0]):
            self._primary_seen.append((primary, now))
        for replica in self.replicas:
            self._check(replica, now)
        self.checked.set()

    def _check(self, replica: ReplicaHealth, now: float) -> None:
        replayed, replica.connection = _ask(replica.url, replica.connection, REPLAY_POSITION)
        if replayed is None:
            replica.in_rotation, replica.good_checks, replica.lag_s = False, 0, None
            return
        replica.replayed = replayed
        replica.lag_s = self._lag(replayed, now)
        self._forget_replayed()
        healthy = replica.lag_s <= self.max_lag_s
        replica.good_checks = replica.good_checks + 1 if healthy else 0
        if not healthy:
            replica.in_rotation = False
        elif replica.good_checks >= RISE_CHECKS:
            replica.in_rotation = True

    def _lag(self, replayed: int, now: float) -> float:
        """Seconds since the primary first held WAL past `replayed` (0 when it holds none)."""
        for position, seen_at in self._primary_seen:
            if position > replayed:
                return now - seen_at
        return 0.0

    def _forget_replayed(self) -> None:
        """Drop positions every replica has passed, keeping the newest (the primary's current)."""
        slowest = min(r.replayed for r in self.replicas)
        while len(self._primary_seen) > 1 and self._primary_seen[1][0] <= slowest:
            self._primary_seen.popleft()

    def _primary_position(self) -> int | None:
        position, self._primary_connection = _ask(self.primary_url, self._primary_connection, FLUSHED_POSITION)
        return position

    def state(self) -> list[dict[str, object]]:
        """Each replica's URL, whether it is read from, and its lag (for health and metrics)."""
        return [{"url": r.url, "in_rotation": r.in_rotation, "lag_s": r.lag_s} for r in self.replicas]


def _ask(url: str, connection: object | None, statement: str) -> tuple[int | None, object | None]:
    """(position, kept connection) from one statement; (None, None) when the server does not answer."""
    try:
        if connection is None:
            connection = psycopg2.connect(url, connect_timeout=CONNECT_TIMEOUT_S,
                                          application_name="webgis replica checks")
            connection.autocommit = True  # type: ignore[attr-defined]
        with connection.cursor() as cursor:  # type: ignore[attr-defined]
            cursor.execute(statement)
            value = cursor.fetchone()[0]
        return (lsn_number(value) if value else None), connection
    except psycopg2.Error:
        if connection is not None:
            connection.close()  # type: ignore[attr-defined]
        return None, None


_SETS: dict[tuple[str, tuple[str, ...]], ReadReplicas] = {}
_SETS_LOCK = threading.Lock()


def read_replicas(primary_url: str, replica_urls: list[str], *, max_lag_s: float, check_interval_s: float,
                  transaction_pooled: bool = False) -> ReadReplicas:
    """The process's ReadReplicas of this primary and these replicas (one checker thread each)."""
    key = (primary_url, tuple(replica_urls))
    with _SETS_LOCK:
        if key not in _SETS:
            _SETS[key] = ReadReplicas(primary_url, replica_urls, max_lag_s=max_lag_s,
                                      check_interval_s=check_interval_s, transaction_pooled=transaction_pooled)
        return _SETS[key]
