"""How documents write names, money and times: masked names, rupiah, WIB (Asia/Jakarta)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")


def mask_name(name: str) -> str:
    """"Budi Santoso" -> "B*** S******": enough to recognise one's own document, not to learn a stranger's name."""
    words = name.split()
    if not words:
        return "—"
    return " ".join(word[0] + "*" * (len(word) - 1) for word in words)


def rupiah(amount: int) -> str:
    return "Rp " + f"{amount:,}".replace(",", ".")


def wib(moment: datetime) -> str:
    return moment.astimezone(WIB).strftime("%d-%m-%Y %H:%M WIB")


def today_wib(now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(WIB).date()


def long_date(day: date) -> str:
    months = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
              "Oktober", "November", "Desember")
    return f"{day.day} {months[day.month - 1]} {day.year}"
