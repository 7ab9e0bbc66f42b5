"""The worker: send what is due, retry with back-off, give up after the last attempt.

One pass (`send_due`) claims due messages in a short transaction, sends each through its
channel's provider outside any transaction (a slow SMTP server holds no lock), and settles
each in its own transaction: sent, due again after a back-off (base * 2**(n-1), capped,
±10 % jitter so a returning provider is not hit by every message at once), or dead after
`max_attempts` with the reason kept. Nothing is deleted: notify.attempts holds every try.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from config.settings import NotifySettings, get_settings
from services.engine.notify import outbox
from services.engine.notify.providers import (
    MessageProvider,
    MessageRejected,
    ProviderUnavailable,
    providers_from_settings,
)

log = logging.getLogger(__name__)


@dataclass
class SendReport:
    """What one pass did, by outbox id."""

    sent: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    dead: list[int] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return len(self.sent) + len(self.retried) + len(self.dead)


def backoff_s(failures: int, settings: NotifySettings, rng: random.Random | None = None) -> float:
    """Seconds to wait after the `failures`-th failed attempt."""
    delay = min(settings.backoff_base_s * 2 ** (failures - 1), settings.backoff_max_s)
    return delay * (rng or random).uniform(0.9, 1.1)


def send_due(engine: Engine, *, now: datetime | None = None, limit: int = 100,
             providers: Mapping[str, MessageProvider] | None = None,
             settings: NotifySettings | None = None) -> SendReport:
    """One pass of the worker over the messages due at `now` (default: the clock)."""
    settings = settings or get_settings().notify
    providers = providers if providers is not None else providers_from_settings(
        engine, get_settings().smtp, settings)
    now = now or datetime.now(UTC)
    with engine.begin() as conn:
        claimed = outbox.claim_due(conn, now, limit, settings.lease_s)
    report = SendReport()
    for message in claimed:
        _send_one(engine, message, providers.get(message.channel), settings, now, report)
    return report


def _send_one(engine: Engine, message: outbox.Message, provider: MessageProvider | None,
              settings: NotifySettings, now: datetime, report: SendReport) -> None:
    try:
        if provider is None:
            raise ProviderUnavailable(f"no provider is configured for {message.channel}")
        ref = provider.send(message)
    except MessageRejected as exc:
        with engine.begin() as conn:
            outbox.mark_dead(conn, message, now, f"rejected: {exc}")
        report.dead.append(message.id)
        log.warning("notification %d to %s rejected for good: %s", message.id, message.channel, exc)
        return
    except Exception as exc:  # a provider fault of any kind is the provider's, never lost
        reason = str(exc) if isinstance(exc, ProviderUnavailable) else f"{type(exc).__name__}: {exc}"
        with engine.begin() as conn:
            if message.attempt >= settings.max_attempts:
                outbox.mark_dead(conn, message, now, f"gave up after {message.attempt} attempts: {reason}")
                report.dead.append(message.id)
            else:
                due = now + timedelta(seconds=backoff_s(message.attempt, settings))
                outbox.mark_retry(conn, message, due, reason)
                report.retried.append(message.id)
        log.info("notification %d (%s) attempt %d failed: %s", message.id, message.channel,
                 message.attempt, reason)
        return
    with engine.begin() as conn:
        outbox.mark_sent(conn, message, datetime.now(UTC), ref)
    report.sent.append(message.id)


def run_worker(engine: Engine, *, stop_event: threading.Event | None = None,
               providers: Mapping[str, MessageProvider] | None = None,
               settings: NotifySettings | None = None) -> None:
    """Send due messages until `stop_event` is set; a database fault is logged once and retried."""
    settings = settings or get_settings().notify
    stop = stop_event or threading.Event()
    failing_since: datetime | None = None
    while not stop.is_set():
        try:
            report = send_due(engine, providers=providers, settings=settings)
        except Exception as exc:  # the database is down: log once, keep trying
            if failing_since is None:
                failing_since = datetime.now(UTC)
                log.error("notification worker cannot reach the database (%s: %s); retrying",
                          type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")
            stop.wait(settings.poll_every_s)
            continue
        if failing_since is not None:
            log.info("notification worker reaches the database again after %.0f s",
                     (datetime.now(UTC) - failing_since).total_seconds())
            failing_since = None
        if report.handled < 1:
            stop.wait(settings.poll_every_s)
