"""Log a recurring fault once when it starts and once when it ends, never per retry.

A database outage met by loops that retry every few seconds (the registry reload, the
sink, alarms, command settling) used to print a full traceback per attempt: minutes of
outage drowned the log. Each loop keeps one FaultLog: the first failure is logged at
ERROR with its one-line cause, the repeats only at DEBUG, and the first success after
it at INFO with how long it lasted.
"""

from __future__ import annotations

import logging
import time


class FaultLog:
    """The fault state of one retried activity (e.g. "registry reload")."""

    def __init__(self, log: logging.Logger, activity: str) -> None:
        self.log, self.activity = log, activity
        self.since: float | None = None
        self.repeats = 0

    @property
    def failing(self) -> bool:
        return self.since is not None

    def failed(self, exc: BaseException, retry: str = "will retry") -> None:
        """A failed attempt: logged at ERROR the first time, at DEBUG while it keeps failing."""
        cause = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"[:300]
        if self.since is None:
            self.since, self.repeats = time.monotonic(), 0
            self.log.error("%s failed (%s); %s, logging its recovery once", self.activity, cause, retry)
        else:
            self.repeats += 1
            self.log.debug("%s still failing (%s)", self.activity, cause)

    def ok(self) -> None:
        """A successful attempt: logs the recovery once after a failure."""
        if self.since is not None:
            self.log.info("%s works again after %.0f s (%d failed retries)", self.activity,
                          time.monotonic() - self.since, self.repeats)
            self.since = None


__all__ = ["FaultLog"]
