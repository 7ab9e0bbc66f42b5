"""Opening hours (OSM opening_hours subset) and "open now" in Asia/Jakarta, no database needed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.tourism.hours import WIB, HoursError, describe, parse


def wib(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=WIB)  # 7 December 2026 is a Monday


@pytest.mark.parametrize(("text", "moment", "expected"), [
    ("Mo-Su 08:00-17:00", wib(7, 8, 0), True),
    ("Mo-Su 08:00-17:00", wib(7, 16, 59), True),
    ("Mo-Su 08:00-17:00", wib(7, 17, 0), False),  # the end is exclusive
    ("Mo-Fr 08:00-16:00; Sa 08:00-13:00", wib(12, 12, 0), True),  # Saturday
    ("Mo-Fr 08:00-16:00; Sa 08:00-13:00", wib(13, 10, 0), False),  # Sunday: no rule
    ("Mo-Su 06:00-12:00,16:00-21:00", wib(9, 14, 0), False),  # the midday break
    ("Mo-Su 06:00-12:00,16:00-21:00", wib(9, 20, 30), True),
    ("Mo-Su 10:00-24:00", wib(7, 23, 59), True),
    ("Mo-Su 18:00-02:00", wib(8, 1, 30), True),  # past midnight, from Monday's range
    ("Mo-Su 09:00-17:00; Tu off", wib(8, 10, 0), False),  # a later rule replaces an earlier one
    ("Sa-Mo 09:00-12:00", wib(7, 10, 0), True),  # a day range that wraps the week
    ("24/7", wib(10, 3, 0), True),
])
def test_open_at(text: str, moment: datetime, expected: bool) -> None:
    assert parse(text).is_open(moment) is expected


def test_the_city_clock_decides_not_the_callers() -> None:
    # 01:30 UTC on Monday is 08:30 WIB: open; 10:30 UTC is 17:30 WIB: closed.
    hours = parse("Mo-Su 08:00-17:00")
    assert hours.is_open(datetime(2026, 12, 7, 1, 30, tzinfo=UTC))
    assert not hours.is_open(datetime(2026, 12, 7, 10, 30, tzinfo=UTC))


@pytest.mark.parametrize(("text", "message"), [
    ("Senin 08:00-17:00", "hari tidak dikenal"),
    ("Mo-Su 8-17", "jam tidak terbaca"),
    ("Mo-Su 25:00-26:00", "jam tidak terbaca"),
    ("Mo-Su", "aturan tanpa jam"),
    ("Mo-Su off", "tidak ada jam buka"),
    ("Mo-Su 09:00-09:00", "rentang jam tidak sah"),
])
def test_unreadable_hours_are_refused_naming_the_part(text: str, message: str) -> None:
    with pytest.raises(HoursError, match=message):
        parse(text)


def test_the_week_is_described_in_both_languages() -> None:
    hours = parse("Mo-Fr 08:00-16:00; Sa 08:00-13:00")
    assert describe(hours)[0] == "Senin 08.00–16.00" and describe(hours)[6] == "Minggu tutup"
    assert describe(hours, "en")[5] == "Sat 08.00–13.00" and describe(hours, "en")[6] == "Sun closed"
    assert describe(parse("Mo-Su 10:00-24:00"))[0] == "Senin 10.00–24.00"
