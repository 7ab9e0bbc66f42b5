"""Failed logins slow the next attempt down, per username and per address; nothing locks anyone out.

A hard lock after five failures let anyone lock the admin out by typing its
name five times. Now the first `free` failures of a username (`address_free` from an address)
within `window` cost nothing;
after that, each further attempt for the same username, or from the same
address, must wait 2^(failures - free) seconds since the last failure, capped
(a minute per username, so its owner always gets in soon; five per address,
which is the guesser). An attempt made before its time is refused with
Retry-After and neither checked nor counted, so hammering does not lengthen
the wait. A burst of failures (for one username or from one address) is
recorded once per window as `login.burst`, which the admins' audit log shows,
and logged as a warning. Counts come from auth.audit_log's `login.failed`
records, which every worker writes. Flask-free.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text


@dataclass(frozen=True)
class Policy:
    free: int = 5  # failures of one username within the window that cost nothing
    address_free: int = 20  # from one address (many people may share one behind a NAT)
    window_minutes: int = 15
    max_wait_username_s: float = 60.0
    max_wait_address_s: float = 300.0
    burst: int = 20  # failures within the window that alert the admins


@dataclass(frozen=True)
class Failures:
    count: int
    since_last_s: float  # seconds since the latest failure


_FAILURES = {
    "username": text("""
        SELECT count(*), coalesce(extract(epoch FROM now() - max(at)), 0) FROM auth.audit_log
        WHERE event = 'login.failed' AND at > now() - make_interval(mins => :minutes)
          AND details ->> 'username' = :value"""),
    "address": text("""
        SELECT count(*), coalesce(extract(epoch FROM now() - max(at)), 0) FROM auth.audit_log
        WHERE event = 'login.failed' AND at > now() - make_interval(mins => :minutes)
          AND ip = CAST(:value AS inet)"""),
}
_BURST_RECORDED = text("""
    SELECT 1 FROM auth.audit_log WHERE event = 'login.burst' AND at > now() - make_interval(mins => :minutes)
      AND details ->> 'key' = :key AND details ->> 'value' = :value LIMIT 1""")


def failures(bind: Engine, key: str, value: str | None, policy: Policy) -> Failures:
    if not value:
        return Failures(0, 0.0)
    with bind.connect() as conn:
        count, since = conn.execute(_FAILURES[key], {"minutes": policy.window_minutes, "value": value}).one()
    return Failures(int(count), float(since))


def wait_for(found: Failures, free: int, cap_s: float) -> float:
    """Seconds still to wait before the next attempt (0 when it may go ahead)."""
    if found.count < free:
        return 0.0
    delay = min(2.0 ** min(found.count - free, 30), cap_s)
    return max(0.0, delay - found.since_last_s)


def wait_seconds(bind: Engine, username: str, address: str | None, policy: Policy) -> float:
    """How long this username or address must still wait (the longer of the two)."""
    by_name = wait_for(failures(bind, "username", username, policy), policy.free, policy.max_wait_username_s)
    by_address = wait_for(failures(bind, "address", address, policy), policy.address_free, policy.max_wait_address_s)
    return max(by_name, by_address)


def bursts(bind: Engine, username: str, address: str | None, policy: Policy) -> list[tuple[str, str, int]]:
    """(key, value, failures) that reached the burst size and have not been reported in this window."""
    found = []
    for key, value in (("username", username), ("address", address)):
        count = failures(bind, key, value, policy).count
        if value and count >= policy.burst:
            with bind.connect() as conn:
                if conn.execute(_BURST_RECORDED, {"minutes": policy.window_minutes, "key": key,
                                                  "value": value}).first() is None:
                    found.append((key, value, count))
    return found
