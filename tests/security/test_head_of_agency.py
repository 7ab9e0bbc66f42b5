"""Heads of agency (layers/access.py): an attribute of one's tie to an agency, kept in auth, carried by
sessions and tokens, and the one rule of who sees a staff member's individual figures."""

from __future__ import annotations

from flask import Flask

from layers.access import Principal, can_see_staff_member, row_scope, with_roles
from layers.model import Access, RowRule
from layers.registry import get_registry
from tests.helpers.accounts import PASSWORD
from webgis.accounts import manage, store, tokens


def test_one_heads_only_an_agency_one_belongs_to() -> None:
    assert Principal(actor="x", roles=frozenset({"staff"}), agencies=frozenset({"DLH"}),
                     heads=frozenset({"DLH", "DINKES"})).heads == {"DLH"}


def test_who_sees_a_staff_members_figures() -> None:
    head = with_roles("user:kepala", "staff", agencies={"DLH"}, heads={"DLH"}, user_id=1)
    colleague = with_roles("user:rekan", "staff", agencies={"DLH"}, user_id=2)
    person = with_roles("user:ani", "staff", agencies={"DLH"}, user_id=3)
    other_head = with_roles("user:lain", "staff", agencies={"DINKES"}, heads={"DINKES"}, user_id=4)
    admin = with_roles("user:admin", "admin")
    allowed = {p.actor for p in (head, colleague, person, other_head, admin, Principal())
               if can_see_staff_member(p, agency="DLH", user_id=3)}
    assert allowed == {"user:kepala", "user:ani", "user:admin"}


def test_a_row_rule_of_headed_agencies() -> None:
    spec = get_registry().get("complaints")
    rule = RowRule(roles=["staff"], property="agency", holds="headed_agency")
    spec = spec.model_copy(update={"access": Access(read=["staff"], write=["admin"], rows=[rule])})
    head = with_roles("user:kepala", "staff", agencies={"DLH", "DINKES"}, heads={"DLH"}, user_id=1)
    scope = row_scope(spec, head)
    assert scope is not None and scope.admits({"agency": "DLH"}) and not scope.admits({"agency": "DINKES"})
    member = with_roles("user:rekan", "staff", agencies={"DLH"}, user_id=2)
    assert not row_scope(spec, member).admits({"agency": "DLH"})


def test_heads_are_kept_in_auth_and_carried_by_sessions_and_tokens(simpeg_app: Flask) -> None:
    engine = simpeg_app.extensions["engine"]
    user = manage.create_user(engine, "test", None, "calon_kepala", PASSWORD, roles=["staff"], agencies=["DLH"])
    secret = manage.create_token(engine, "test", None, user, "uji").secret
    assert tokens.principal_for_token(engine, secret).heads == frozenset()
    manage.set_head(engine, "admin", None, "calon_kepala", "DLH", True)
    assert store.get_user(engine, username="calon_kepala").principal().heads == {"DLH"}
    assert tokens.principal_for_token(engine, secret).heads == {"DLH"}
    try:
        manage.set_head(engine, "admin", None, "calon_kepala", "DINKES", True)
        raise AssertionError("a head of an agency one does not belong to")
    except store.AccountError as exc:
        assert "DINKES" in str(exc)
    manage.set_head(engine, "admin", None, "calon_kepala", "DLH", False)
    assert store.get_user(engine, username="calon_kepala").heads == frozenset()
