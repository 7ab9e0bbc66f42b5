"""Small counts suppressed so that no published figure reveals, or lets anyone work out, a count under
THRESHOLD (k-anonymity over the published table; the rule of statistical offices' small-area tables).

Per kelurahan a cell has a count (`jumlah`, e.g. fully immunised children) out of a target
population (`sasaran`); their difference is the complement (e.g. children NOT fully immunised).
- Primary suppression: a count or target of 1..THRESHOLD-1 is shown as "<10"; 0 is shown as 0.
- The complement: when target - count is 1..THRESHOLD-1 (a handful of unimmunised children) and
  both count and target would be shown, the count is hidden too ("disembunyikan"): otherwise a
  subtraction would give the small group away. The coverage (%) is shown only when both are shown.
- Totals (per kecamatan, and the city's): a column's total is published only when it cannot narrow
  a hidden cell: none of its hidden cells is a complement-hidden one (its range is not 1..9), the
  primary-hidden ones, k of them summing to R, each stay free over the whole 1..THRESHOLD-1
  (k + T - 2 <= R <= (T-1)k - (T-2), so never when one cell alone is hidden), and the total's own
  complement is not small. The city's total is judged over the cells of the kecamatan whose totals
  were withheld (the published kecamatan totals already fix the rest), so the city total minus
  the published kecamatan totals narrows nothing either. Otherwise a total is withheld, not rounded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

THRESHOLD = 10
SMALL = f"<{THRESHOLD}"
HIDDEN = "disembunyikan"


@dataclass(frozen=True)
class Cell:
    """One kelurahan as published: None means not shown, `why` says how it is shown instead."""

    kode_kel: str
    nama_kel: str
    kode_kec: str
    nama_kec: str
    jumlah: int | None
    sasaran: int | None
    jumlah_tampil: str
    sasaran_tampil: str
    cakupan: float | None  # %, only when both are shown


def small(n: int, threshold: int = THRESHOLD) -> bool:
    return 1 <= n < threshold


def protect_cell(jumlah: int, sasaran: int, threshold: int = THRESHOLD) -> tuple[int | None, str, int | None, str]:
    """(count shown, its text, target shown, its text) for one kelurahan."""
    label = f"<{threshold}"
    target = None if small(sasaran, threshold) else sasaran
    count = None if small(jumlah, threshold) else jumlah
    count_text = label if count is None else str(count)
    if count is not None and target is not None and small(sasaran - jumlah, threshold):
        count, count_text = None, HIDDEN
    return count, count_text, target, (label if target is None else str(target))


def total_is_safe(hidden: list[int], threshold: int = THRESHOLD) -> bool:
    """Whether a total leaves each of these hidden cells (true values 1..threshold-1) anywhere in
    1..threshold-1 for someone who subtracts the published cells from it."""
    k, rest, top = len(hidden), sum(hidden), threshold - 1
    return k == 0 or (rest - top * (k - 1) <= 1 and rest - (k - 1) >= top)


def column_total(true: Iterable[int], shown: Iterable[int | None], complement_hidden: bool,
                 threshold: int = THRESHOLD) -> int | None:
    """A column's total over one group of cells, or None when it must be withheld."""
    true, shown = list(true), list(shown)
    if complement_hidden:
        return None
    hidden = [t for t, s in zip(true, shown, strict=True) if s is None and t != 0]
    return sum(true) if total_is_safe(hidden, threshold) else None


def complement_safe(jumlah_total: int | None, sasaran_total: int | None, threshold: int = THRESHOLD) -> int | None:
    """The count total as published once the target total is known: withheld when their difference is small."""
    if jumlah_total is not None and sasaran_total is not None and small(sasaran_total - jumlah_total, threshold):
        return None
    return jumlah_total
