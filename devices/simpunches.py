"""The simulated attendance machine's punch log: plausible punches of its office's staff, kept until acknowledged.

Staff enrolled on a machine (their PINs: `PunchBuffer.enrol`) arrive on working days
(Monday to Friday, WIB) between 07:00 and 08:30, most before 07:30 and some late, and leave
between 16:00 and 17:30; a few are away for the day and a few forget to punch out. Each
person's day is drawn from a generator seeded by (machine, day, PIN), so the same machine
gives the same punches whenever it is asked: a restarted simulator does not invent a
second arrival. A punch enters the log when its time has passed on the simulator's clock.

The log holds `capacity` records; a full log drops the newest and counts them in
`punch_dropped` (a real terminal warns "log full"), so a lost record is visible, never silent.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterable

from devices.punchlog import Punch

WIB_OFFSET_S = 7 * 3600
DAY_S = 86400
ABSENT_SHARE = 0.05
FORGETS_OUT_SHARE = 0.03
LATE_SHARE = 0.16
BACKLOG_DAYS = 3


def day_punches(machine_seed: int, day: int, pin: int) -> list[tuple[int, int]]:
    """(time, direction) of one person's punches on a WIB day (days since 1970-01-01 WIB)."""
    if (day + 3) % 7 >= 5:  # 1970-01-01 was a Thursday: (day + 3) % 7 is 0 on Mondays
        return []
    rng = random.Random(f"{machine_seed}:{day}:{pin}")
    if rng.random() < ABSENT_SHARE:
        return []
    midnight = day * DAY_S - WIB_OFFSET_S
    # Most arrive by 07:30; about one in six is late, up to 08:30.
    minutes = rng.triangular(30, 90, 32) if rng.random() < LATE_SHARE else rng.triangular(0, 30, 22)
    arrive = midnight + 7 * 3600 + int(minutes * 60) + rng.randrange(60)
    punches = [(arrive, 0)]
    if rng.random() >= FORGETS_OUT_SHARE:
        punches.append((midnight + 16 * 3600 + int(rng.triangular(0, 90, 20) * 60) + rng.randrange(60), 1))
    return punches


def wib_day(t: float) -> int:
    return int((t + WIB_OFFSET_S) // DAY_S)


class PunchBuffer:
    """A machine's log of punches not yet acknowledged, numbered from 1."""

    def __init__(self, machine_seed: int, now: float, capacity: int = 5000) -> None:
        self.machine_seed = machine_seed
        self.capacity = capacity
        self.pins: tuple[int, ...] = ()
        self.records: deque[Punch] = deque()
        self.next_seq = 1
        self.dropped = 0
        # The machine has been collecting for a while: the punches of the last BACKLOG_DAYS days
        # (at least one working day, whatever the hour) still wait for the server. A restarted
        # simulator makes the same ones again; the store keeps each once.
        self.generated_until = float(((wib_day(now) - BACKLOG_DAYS) * DAY_S) - WIB_OFFSET_S)

    def enrol(self, pins: Iterable[int]) -> None:
        self.pins = tuple(sorted(set(int(p) for p in pins)))

    def add(self, pin: int, at: int, direction: int) -> Punch | None:
        """Append one punch (a person at the machine); None when the log is full and it was dropped."""
        if len(self.records) >= self.capacity:
            self.dropped += 1
            return None
        punch = Punch(self.next_seq, int(pin), int(at), int(direction))
        self.next_seq += 1
        self.records.append(punch)
        return punch

    def advance(self, now: float) -> None:
        """Log the enrolled staff's punches whose time has come since the last call."""
        if now <= self.generated_until or not self.pins:
            self.generated_until = max(self.generated_until, now)
            return
        due: list[tuple[int, int, int]] = []
        for day in range(wib_day(self.generated_until), wib_day(now) + 1):
            for pin in self.pins:
                due += [(t, pin, d) for t, d in day_punches(self.machine_seed, day, pin)
                        if self.generated_until < t <= now]
        for t, pin, d in sorted(due):
            self.add(pin, t, d)
        self.generated_until = now

    def window(self, n: int) -> list[Punch]:
        return [self.records[i] for i in range(min(n, len(self.records)))]

    @property
    def first_seq(self) -> int:
        return self.records[0].seq if self.records else self.next_seq

    def acknowledge(self, seq: int) -> bool:
        """Forget every record up to `seq`. False (refused) for a number not yet delivered; a number
        already acknowledged is accepted and changes nothing."""
        if seq >= self.next_seq:
            return False
        while self.records and self.records[0].seq <= seq:
            self.records.popleft()
        return True
