"""The zoning rule, declared as data: zone radii, default capacities, quota share, tie-breaks.

Medan's PPDB rules change every year; the defaults follow the national
regulation's shape (a zonasi quota share of seats, ranking by distance, ties
broken by age then registration time) with radii that are this platform's
planning assumptions, not the city's decree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Level = Literal["SD", "SMP", "SMA", "SMK"]
TieBreaker = Literal["older_first", "earlier_registration"]


@dataclass(frozen=True)
class ZoningRule:
    # Distance from the school within which a home is in the school's zone (metres).
    zone_radius_m: dict[str, float] = field(
        default_factory=lambda: {"SD": 1500.0, "SMP": 3000.0, "SMA": 5000.0, "SMK": 6000.0}
    )
    # Seats assumed when a school's `daya_tampung` is unknown (the 2019 data has none).
    default_capacity: dict[str, int] = field(
        default_factory=lambda: {"SD": 56, "SMP": 256, "SMA": 324, "SMK": 360}
    )
    # Share of seats filled by distance (the zonasi pathway); the rest go to other pathways.
    zonasi_share: float = 0.5
    tie_breakers: tuple[TieBreaker, ...] = ("older_first", "earlier_registration")
    # How many schools an applicant lists, nearest first, when they give no choices.
    choices_per_applicant: int = 3
    public_only: bool = True

    def __post_init__(self) -> None:
        if not 0 < self.zonasi_share <= 1:
            raise ValueError("zonasi_share must be in (0, 1]")
        if self.choices_per_applicant < 1:
            raise ValueError("choices_per_applicant must be at least 1")

    def seats(self, level: str, capacity: float | None) -> int:
        known = capacity if capacity is not None and capacity == capacity else None  # NaN check
        total = int(known) if known is not None else self.default_capacity[level]
        return int(total * self.zonasi_share)


DEFAULT_RULE = ZoningRule()
