"""Communication diagnostics per device: request counters, offline history, availability.

The poller counts every request it sends to a device (answered, timed out, Modbus
exception by name, garbled, connection trouble, last round trip) in a CommCounts
and hands the counts over every few seconds (PollerConfig.comm_flush_s); the store
adds them to the device's one row in devices.device_comm, so counting costs one
small upsert per device and flush, never a write per poll.

Offline history is read from devices.status_events (the poller's online/offline
transitions): periods from an `offline` to the next `online`, and availability per
day and per month as the share of the observed time the device was not offline.
Time before a device's first known status is not observed and counts for neither.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg2.extras import execute_values
from sqlalchemy import Connection, Engine, text

from devices.modbustcp import exception_name
from devices.pollstate import PollFailure


@dataclass
class CommCounts:
    """Requests to one device since the counts were last handed over."""

    device_id: str
    requests: int = 0
    ok: int = 0
    timeouts: int = 0
    garbled: int = 0
    connection: int = 0  # refused, closed, unreachable
    other: int = 0
    exceptions: dict[str, int] = field(default_factory=dict)  # Modbus exception name -> count
    last_rtt_ms: float | None = None
    last_request_at: float | None = None  # epoch seconds

    def count(self, failure: PollFailure | None, rtt_s: float | None, at: float) -> None:
        """One request: answered (with its round trip) or failed as `failure` names."""
        self.requests += 1
        self.last_request_at = at
        if failure is None:
            self.ok += 1
            if rtt_s is not None:
                self.last_rtt_ms = round(rtt_s * 1000, 3)
        elif failure.kind == "timeout":
            self.timeouts += 1
        elif failure.kind == "garbled":
            self.garbled += 1
        elif failure.kind in ("refused", "closed", "unreachable", "connection"):
            self.connection += 1
        elif failure.kind == "exception" and failure.code is not None:
            name = exception_name(failure.code)
            self.exceptions[name] = self.exceptions.get(name, 0) + 1
        else:
            self.other += 1

    def __bool__(self) -> bool:
        return self.requests > 0


class CommLedger:
    """The poller's counts per device since they were last taken (to go to the sink)."""

    def __init__(self) -> None:
        self._counts: dict[str, CommCounts] = {}

    def count(self, device: str, failure: PollFailure | None, rtt_s: float | None, at: float) -> None:
        counts = self._counts.get(device) or self._counts.setdefault(device, CommCounts(device))
        counts.count(failure, rtt_s, at)

    def take(self) -> list[CommCounts]:
        """The counts so far, and start afresh."""
        taken, self._counts = [c for c in self._counts.values() if c], {}
        return taken


_UPSERT_COUNTS = """
INSERT INTO devices.device_comm AS c (device_id, requests, ok, timeouts, garbled, connection, other,
    exceptions, last_rtt_ms, last_request_at, updated_at)
VALUES %s
ON CONFLICT (device_id) DO UPDATE SET
    requests = c.requests + EXCLUDED.requests, ok = c.ok + EXCLUDED.ok,
    timeouts = c.timeouts + EXCLUDED.timeouts, garbled = c.garbled + EXCLUDED.garbled,
    connection = c.connection + EXCLUDED.connection, other = c.other + EXCLUDED.other,
    exceptions = (SELECT coalesce(jsonb_object_agg(k, n), '{}'::jsonb) FROM (
        SELECT key AS k, sum(value::bigint) AS n FROM (
            SELECT * FROM jsonb_each_text(c.exceptions)
            UNION ALL SELECT * FROM jsonb_each_text(EXCLUDED.exceptions)) e GROUP BY key) s),
    last_rtt_ms = coalesce(EXCLUDED.last_rtt_ms, c.last_rtt_ms),
    last_request_at = greatest(c.last_request_at, EXCLUDED.last_request_at),
    updated_at = now()
"""


def merge_counts(counts: Iterable[CommCounts]) -> list[CommCounts]:
    """One CommCounts per device (a retried batch may carry two flushes of one device)."""
    merged: dict[str, CommCounts] = {}
    for c in counts:
        m = merged.get(c.device_id)
        if m is None:
            merged[c.device_id] = CommCounts(c.device_id, c.requests, c.ok, c.timeouts, c.garbled, c.connection,
                                             c.other, dict(c.exceptions), c.last_rtt_ms, c.last_request_at)
            continue
        later = (c.last_request_at or 0) >= (m.last_request_at or 0)
        m.requests += c.requests
        m.ok += c.ok
        m.timeouts += c.timeouts
        m.garbled += c.garbled
        m.connection += c.connection
        m.other += c.other
        for name, n in c.exceptions.items():
            m.exceptions[name] = m.exceptions.get(name, 0) + n
        if later:
            m.last_rtt_ms = c.last_rtt_ms if c.last_rtt_ms is not None else m.last_rtt_ms
            m.last_request_at = c.last_request_at
    return list(merged.values())


def store_counts(conn: Connection, counts: Sequence[CommCounts]) -> int:
    """Add the counts to each device's row; returns the devices written."""
    import json

    rows = [(c.device_id, c.requests, c.ok, c.timeouts, c.garbled, c.connection, c.other,
             json.dumps(c.exceptions), c.last_rtt_ms,
             datetime.fromtimestamp(c.last_request_at, UTC) if c.last_request_at else None, datetime.now(UTC))
            for c in merge_counts(counts) if c]
    if rows:
        execute_values(conn.connection.dbapi_connection.cursor(), _UPSERT_COUNTS, rows,
                       template="(%s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s, %s)", page_size=500)
    return len(rows)


def comm_counters(engine: Engine, device: str) -> dict[str, Any] | None:
    """A device's stored counters (None before its first flush)."""
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM devices.device_comm WHERE device_id = :d"), {"d": device}).mappings().first()
    return dict(row) if row else None


# -- offline history and availability ---------------------------------------------------


def offline_periods(engine: Engine, device: str, since: datetime,
                    now: datetime | None = None) -> tuple[list[tuple[datetime, datetime | None]], datetime | None]:
    """The device's offline periods overlapping [since, now] (end None: still offline),
    and when it was first observed (its first online/offline event; None: never)."""
    now = now or datetime.now(UTC)
    with engine.connect() as conn:
        first = conn.execute(text(
            "SELECT min(time) FROM devices.status_events WHERE device_id = :d AND status IN ('online', 'offline')"),
            {"d": device}).scalar_one()
        before = conn.execute(text(
            "SELECT status, time FROM devices.status_events WHERE device_id = :d AND status IN ('online', 'offline') "
            "AND time < :since ORDER BY time DESC, id DESC LIMIT 1"), {"d": device, "since": since}).first()
        events = conn.execute(text(
            "SELECT status, time FROM devices.status_events WHERE device_id = :d AND status IN ('online', 'offline') "
            "AND time >= :since AND time <= :now ORDER BY time, id"), {"d": device, "since": since, "now": now}).all()
    periods: list[tuple[datetime, datetime | None]] = []
    down_since = since if before is not None and before.status == "offline" else None
    for status, at in events:
        if status == "offline" and down_since is None:
            down_since = at
        elif status == "online" and down_since is not None:
            periods.append((down_since, at))
            down_since = None
    if down_since is not None:
        periods.append((down_since, None))
    return periods, first


def _overlap(periods: Sequence[tuple[datetime, datetime | None]], start: datetime, end: datetime,
             now: datetime) -> float:
    total = 0.0
    for a, b in periods:
        lo, hi = max(a, start), min(b or now, end)
        if hi > lo:
            total += (hi - lo).total_seconds()
    return total


def _bucket_row(label: str, start: datetime, end: datetime, periods: Sequence, first: datetime | None,
                now: datetime) -> dict[str, Any]:
    observed_from, observed_to = max(start, first) if first else end, min(end, now)
    observed = max(0.0, (observed_to - observed_from).total_seconds())
    down = _overlap(periods, observed_from, observed_to, now) if observed else 0.0
    return {"period": label, "start": start.isoformat(), "observed_s": round(observed),
            "offline_s": round(down),
            "availability": None if observed <= 0 else round(100.0 * (1 - down / observed), 3)}


def _month_start(day: datetime, back: int) -> datetime:
    months = day.year * 12 + day.month - 1 - back
    return day.replace(year=months // 12, month=months % 12 + 1, day=1)


def availability(engine: Engine, device: str, days: int = 30, months: int = 12, max_periods: int = 50,
                 now: datetime | None = None) -> dict[str, Any]:
    """Offline periods and availability (%) per UTC day and per month, newest first.

    A bucket nobody observed has availability None (the device had no status yet).
    """
    now = now or datetime.now(UTC)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    month0 = _month_start(today, months - 1)
    periods, first = offline_periods(engine, device, min(month0, today - timedelta(days=days - 1)), now)
    day_rows = [_bucket_row((today - timedelta(days=i)).date().isoformat(), today - timedelta(days=i),
                            today - timedelta(days=i - 1), periods, first, now) for i in range(days)]
    month_rows = []
    for i in range(months):
        start = _month_start(today, i)
        month_rows.append(_bucket_row(start.strftime("%Y-%m"), start, _month_start(today, i - 1), periods, first, now))
    return {
        # The newest periods (a flapping link can have thousands); the count says how many in all.
        "periods": [{"start": a.isoformat(), "end": b.isoformat() if b else None,
                     "duration_s": round(((b or now) - a).total_seconds())}
                    for a, b in list(reversed(periods))[:max_periods]],
        "period_count": len(periods),
        "days": day_rows, "months": month_rows,
        "observed_since": first.isoformat() if first else None,
    }


__all__ = ["CommCounts", "CommLedger", "availability", "comm_counters", "merge_counts", "offline_periods", "store_counts"]
