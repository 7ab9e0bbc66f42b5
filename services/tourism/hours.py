"""Opening hours in OpenStreetMap's `opening_hours` syntax (the subset tourism sites need), and
"open now" in the city's time (Asia/Jakarta).

Read: `24/7`; rules separated by `;`, each `<days> <ranges>` or `<days> off`, where days are
`Mo`..`Su`, ranges of them (`Mo-Fr`, `Sa-Mo` wraps) and lists (`Sa,Su`), and ranges are
`HH:MM-HH:MM` separated by `,` (an end of `24:00` is midnight; an end before the start runs past
midnight into the next day). As in OpenStreetMap, a later rule replaces earlier ones for the
days it names. Anything else is refused with the part that could not be read, so a site's hours
are checked when it is seeded rather than misread on the page. A full parser (public holidays,
months, sunrise) is a dependency for when the agency's data needs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")
DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
DAY_NAMES = {"id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
             "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}
RANGE = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
MINUTES_PER_DAY = 24 * 60


class HoursError(ValueError):
    """Opening hours that this reader cannot read, with the part at fault."""


@dataclass(frozen=True)
class WeeklyHours:
    """For each weekday (0 = Monday), its open intervals in minutes after midnight, end exclusive."""

    days: tuple[tuple[tuple[int, int], ...], ...]

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(WIB)
        minute = local.hour * 60 + local.minute
        today, yesterday = local.weekday(), (local.weekday() - 1) % 7
        if any(start <= minute < end for start, end in self.days[today]):
            return True
        # A range past midnight (e.g. 18:00-02:00) is kept as an end beyond 24:00 on its first day.
        return any(minute + MINUTES_PER_DAY < end for _, end in self.days[yesterday])


def _day_list(text: str) -> list[int]:
    chosen: list[int] = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise HoursError(f"hari tidak dikenal: {part!r} (Mo, Tu, We, Th, Fr, Sa, Su)")
        start, end = DAYS.index(first), DAYS.index(last or first)
        chosen += [(start + k) % 7 for k in range((end - start) % 7 + 1)]
    return chosen


def _minutes(hours: str, minutes: str) -> int:
    return int(hours) * 60 + int(minutes)


def _ranges(text: str) -> tuple[tuple[int, int], ...]:
    found = []
    for part in text.split(","):
        match = RANGE.match(part.strip())
        if not match:
            raise HoursError(f"jam tidak terbaca: {part!r} (HH:MM-HH:MM)")
        start, end = _minutes(*match.group(1, 2)), _minutes(*match.group(3, 4))
        if start >= MINUTES_PER_DAY or start == end:
            raise HoursError(f"rentang jam tidak sah: {part!r}")
        found.append((start, end if end > start else end + MINUTES_PER_DAY))
    return tuple(found)


def parse(text: str) -> WeeklyHours:
    """The week of `text` (OpenStreetMap `opening_hours`, the subset above); HoursError if unreadable."""
    text = text.strip()
    if text == "24/7":
        return WeeklyHours(tuple(((0, MINUTES_PER_DAY),) for _ in DAYS))
    week: list[tuple[tuple[int, int], ...]] = [() for _ in DAYS]
    for rule in filter(None, (r.strip() for r in text.split(";"))):
        days, _, ranges = rule.partition(" ")
        if not ranges:
            raise HoursError(f"aturan tanpa jam: {rule!r}")
        opened = () if ranges.strip() == "off" else _ranges(ranges)
        for day in _day_list(days):
            week[day] = opened
    if not any(week):
        raise HoursError(f"tidak ada jam buka: {text!r}")
    return WeeklyHours(tuple(week))


def describe(hours: WeeklyHours, lang: str = "id") -> list[str]:
    """One line per weekday, e.g. "Senin 08.00–17.00" or "Minggu tutup", for the site page."""
    closed = "tutup" if lang == "id" else "closed"
    lines = []
    for name, ranges in zip(DAY_NAMES[lang], hours.days, strict=True):
        text = ", ".join(f"{_clock(start)}–{_clock(end)}" for start, end in ranges) or closed
        lines.append(f"{name} {text}")
    return lines


def _clock(minutes: int) -> str:
    if minutes == MINUTES_PER_DAY:
        return "24.00"
    minutes %= MINUTES_PER_DAY
    return f"{minutes // 60:02d}.{minutes % 60:02d}"
