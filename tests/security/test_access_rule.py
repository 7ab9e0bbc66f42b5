"""layers/access.py over the real registry: the one rule of who reads, writes and sees what."""

from __future__ import annotations

import pytest

from layers.access import (
    ANONYMOUS,
    Principal,
    can_read,
    can_write,
    filter_properties,
    readable_layers,
    readable_properties,
    with_roles,
)
from layers.model import ROLES, LayerSpec
from layers.registry import Registry, get_registry

STAFF_ROLES = [r for r in ROLES if r != "public"]


def restricted(spec: LayerSpec, read: list[str]) -> LayerSpec:
    """The same declaration with read limited to `read` (no shipped layer is restricted yet)."""
    return spec.model_copy(update={"access": spec.access.model_copy(update={"read": read})})


def test_every_role_named_in_a_declaration_exists() -> None:
    for spec in get_registry():
        roles = set(spec.access.write) | (set() if spec.access.is_public else set(spec.access.read))
        assert roles <= set(ROLES), spec.id


@pytest.mark.parametrize("spec", list(get_registry()), ids=lambda s: s.id)
def test_a_private_property_is_never_readable_by_the_public(spec: LayerSpec) -> None:
    visible = readable_properties(spec, ANONYMOUS)
    assert not set(visible) & set(spec.access.private)
    for role in STAFF_ROLES:
        principal = with_roles(f"user:{role}", role)
        visible = set(readable_properties(spec, principal))
        if can_write(spec, principal):
            assert visible == set(spec.property_names)
        else:
            assert not visible & set(spec.access.private), (spec.id, role)


def test_device_addresses_are_private_and_operators_see_them() -> None:
    spec = get_registry().get("street_lights")
    assert "modbus_host" not in readable_properties(spec, ANONYMOUS)
    assert "modbus_host" not in readable_properties(spec, with_roles("p", "planner"))
    assert "modbus_host" in readable_properties(spec, with_roles("o", "operator"))
    assert "modbus_host" in readable_properties(spec, with_roles("a", "admin"))
    row = {"kode": "L1", "modbus_host": "10.0.0.1", "modbus_port": 502}
    assert filter_properties(spec, ANONYMOUS, row) == {"kode": "L1"}


def test_a_role_restricted_layer_is_not_readable_by_the_public() -> None:
    spec = restricted(get_registry().get("schools"), ["planner"])
    assert not can_read(spec, ANONYMOUS)
    assert readable_properties(spec, ANONYMOUS) == []
    assert not can_read(spec, with_roles("c", "citizen"))
    assert can_read(spec, with_roles("p", "planner"))
    assert can_read(spec, with_roles("s", "staff")), "a role that may write a layer may read it"
    assert can_read(spec, with_roles("a", "admin"))
    registry = Registry([spec, get_registry().get("kelurahan")])
    assert [s.id for s in readable_layers(ANONYMOUS, registry)] == ["kelurahan"]
    assert [s.id for s in readable_layers(with_roles("p", "planner"), registry)] == ["schools", "kelurahan"]


def test_write_follows_the_declaration_and_admin_may_do_everything() -> None:
    """...except a derived layer, which the database keeps and nobody writes (issue 16)."""
    for spec in get_registry():
        derived = spec.derived_from is not None
        assert not can_write(spec, ANONYMOUS)
        assert can_write(spec, with_roles("a", "admin")) is not derived
        for role in STAFF_ROLES:
            allowed = (role in spec.access.write or role == "admin") and not derived
            assert can_write(spec, with_roles(role, role)) == allowed


def test_every_principal_is_public_and_unknown_roles_are_refused() -> None:
    assert Principal(actor="x", roles=frozenset({"citizen"})).roles == {"public", "citizen"}
    assert ANONYMOUS.is_anonymous and not with_roles("x", "citizen").is_admin
    with pytest.raises(ValueError, match="unknown roles"):
        with_roles("x", "root")
