"""The work-unit rule and the counts rule of layers/access.py, on their own (no database)."""

from __future__ import annotations

from layers.access import ANONYMOUS, acts_for_unit, can_read_counts, unit_code, with_roles


def test_staff_act_for_their_own_unit_or_through_the_overseeing_agency() -> None:
    school = unit_code("SEKOLAH", "10257713")
    treasurer = with_roles("user:bendahara", "staff", agencies={school})
    other = with_roles("user:lain", "staff", agencies={unit_code("SEKOLAH", "10211038")})
    office = with_roles("user:disdik", "staff", agencies={"DISDIK"})
    assert acts_for_unit(treasurer, school, {"DISDIK"})
    assert not acts_for_unit(other, school, {"DISDIK"})
    assert acts_for_unit(office, school, {"DISDIK"}) and not acts_for_unit(office, school, {"DINKES"})
    assert acts_for_unit(with_roles("user:admin", "admin"), school)
    # Holding the code is not enough without the staff role (a citizen, a planner), nor is the public.
    assert not acts_for_unit(with_roles("user:warga", "citizen", agencies={school}), school)
    assert not acts_for_unit(with_roles("user:p", "planner", agencies={school}), school)
    assert not acts_for_unit(ANONYMOUS, school)


def test_counts_are_never_public_whatever_a_declaration_lists() -> None:
    assert not can_read_counts(ANONYMOUS, ["public", "staff"])
    assert not can_read_counts(with_roles("user:warga", "citizen"), ["staff", "planner"])
    assert can_read_counts(with_roles("user:p", "planner"), ["staff", "planner"])
    assert can_read_counts(with_roles("user:a", "admin"), [])
