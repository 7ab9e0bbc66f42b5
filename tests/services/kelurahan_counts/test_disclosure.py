"""The suppression rule, exhaustively over small tables: no published figure (cell, complement, total)
lets anyone narrow a suppressed count below its whole range 1..9."""

from __future__ import annotations

import itertools

from services.kelurahan_counts import disclosure


def test_counts_of_1_to_9_are_shown_as_under_10_and_0_as_0() -> None:
    assert disclosure.protect_cell(0, 120) == (0, "0", 120, "120")
    assert disclosure.protect_cell(7, 120)[:2] == (None, "<10")
    assert disclosure.protect_cell(5, 8) == (None, "<10", None, "<10")
    assert disclosure.protect_cell(120, 120) == (120, "120", 120, "120")


def test_a_small_complement_hides_the_count() -> None:
    # 117 of 120 immunised: showing both would say 3 children were not.
    count, text, target, _ = disclosure.protect_cell(117, 120)
    assert count is None and text == disclosure.HIDDEN and target == 120
    assert disclosure.protect_cell(110, 120)[0] == 110  # 10 not immunised: shown


def _ranges_left(hidden: list[int]) -> list[set[int]]:
    """What someone who knows the total of the hidden cells (and that each is 1..9) can still believe."""
    total = sum(hidden)
    k = len(hidden)
    left = []
    for i in range(k):
        possible = set()
        for guess in itertools.product(range(1, 10), repeat=k):
            if sum(guess) == total:
                possible.add(guess[i])
        left.append(possible)
    return left


def test_a_total_is_published_only_when_every_hidden_cell_keeps_its_whole_range() -> None:
    for k in (1, 2, 3):
        for hidden in itertools.product(range(1, 10), repeat=k):
            safe = disclosure.total_is_safe(list(hidden))
            whole = all(r == set(range(1, 10)) for r in _ranges_left(list(hidden)))
            assert safe == whole, hidden
    assert not disclosure.total_is_safe([4])  # one hidden cell alone: the total gives it away


def test_a_column_total_is_withheld_when_a_count_is_hidden_for_its_complement() -> None:
    assert disclosure.column_total([117, 200], [None, 200], complement_hidden=True) is None
    assert disclosure.column_total([4, 200], [None, 200], complement_hidden=False) is None
    assert disclosure.column_total([5, 5, 200], [None, None, 200], complement_hidden=False) == 210
    assert disclosure.column_total([9, 9, 200], [None, None, 200], complement_hidden=False) is None  # both must be 9
    assert disclosure.complement_safe(315, 320) is None and disclosure.complement_safe(300, 320) == 300
