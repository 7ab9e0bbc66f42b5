"""A row rule with a fixed value (`holds: value`): declared with its value, read-only in effect."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from layers.access import row_scope, with_roles, write_scope
from layers.model import RowRule
from layers.registry import get_registry


def test_a_fixed_value_rule_needs_its_value_and_only_it_has_one() -> None:
    with pytest.raises(ValidationError, match="value"):
        RowRule(roles=["public"], property="sifat", holds="value")
    with pytest.raises(ValidationError, match="value"):
        RowRule(roles=["staff"], property="agency", holds="agency", value="DLH")
    assert RowRule(roles=["public"], property="sifat", holds="value", value="publik").value == "publik"


def test_the_fixed_value_widens_reading_not_writing() -> None:
    spec = get_registry().get("arsip")
    staff = with_roles("staff:dlh", "staff", agencies={"DLH"})
    reading, writing = row_scope(spec, staff), write_scope(spec, staff)
    assert dict(reading.conditions) == {"agency": ("DLH",), "klasifikasi": ("internal", "publik")}
    assert dict(writing.conditions) == {"agency": ("DLH",)}
    assert dict(row_scope(spec, with_roles("citizen:1", "citizen")).conditions) == {"klasifikasi": ("publik",)}
    assert row_scope(spec, with_roles("admin:1", "admin")) is None
