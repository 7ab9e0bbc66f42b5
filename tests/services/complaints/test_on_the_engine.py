"""Complaints is a service of the engine: its workflow is its declaration, its steps the engine's, audited there."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from layers import engine_for
from layers.access import Principal
from layers.registry import get_registry
from services.__main__ import main
from services.complaints import alarms, intake, workflow
from services.complaints.records import find_complaint
from services.engine.model import Transition
from services.engine.registry import ServiceRegistry, get_services
from services.errors import ServiceError
from tests.helpers.complaints import INSIDE, backdate_report

DPKPPR = Principal(actor="user:engine-test", roles=frozenset({"staff"}), agencies=frozenset({"DPKPPR"}))


@pytest.fixture(scope="module")
def engine(complaints_url: str):  # noqa: ANN201
    return engine_for(complaints_url)


def _lamp(engine, email: str = "") -> str:  # noqa: ANN001
    return intake.submit(engine, intake.Submission(service_code="LAMPU_JALAN", long=INSIDE["long"], lat=INSIDE["lat"],
                                                   attributes={"KONDISI": "mati"}, email=email)).service_request_id


def _events(engine, rid: str) -> list[dict[str, Any]]:  # noqa: ANN001
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(
            "SELECT kind, actor, from_state, to_state, note, public FROM engine.case_events "
            "WHERE service = 'complaints' AND case_ref = :r ORDER BY id"), {"r": rid}).mappings()]


def _versions(engine, rid: str) -> int:  # noqa: ANN001
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM core.feature_history WHERE layer = 'complaints' AND fid = :f"),
                            {"f": find_complaint(engine, rid)["fid"]}).scalar_one()


def test_complaints_is_declared_like_every_service_and_its_states_are_the_layers() -> None:
    spec = get_services().get("complaints")
    layer = get_registry().get("complaints")
    assert [s.id for s in spec.states] == list(layer.prop("status").allowed) == list(workflow.statuses())
    assert spec.case_layer == "complaints" and spec.public.layer == "complaints_public"
    assert spec.initial == "open" and spec.final_states == ["closed"]
    assert layer.workflow.service == "services.engine"  # the generic layer API cannot move a status


def _declared_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    """The declaration as an agency might change it: a new report goes straight to work, no rejection at once."""
    spec = get_services().get("complaints")
    label = spec.transitions[0].label
    transitions = [t for t in spec.transitions if (t.source, t.to) != ("open", "rejected")]
    transitions.append(Transition.model_validate({"from": "open", "to": "in_progress", "roles": ["staff"],
                                                  "label": label.model_dump()}))
    changed = spec.model_copy(update={"transitions": transitions})
    registry = ServiceRegistry([changed if s.id == "complaints" else s for s in get_services()])
    for module in ("services.engine.cases", "services.complaints.workflow"):
        monkeypatch.setattr(f"{module}.get_services", lambda: registry)


def test_a_declaration_change_changes_what_the_desk_offers_and_allows(engine, monkeypatch) -> None:  # noqa: ANN001
    rid = _lamp(engine)
    row = find_complaint(engine, rid)
    assert workflow.next_statuses(row, DPKPPR) == ["acknowledged", "rejected"]
    _declared_otherwise(monkeypatch)
    assert workflow.next_statuses(row, DPKPPR) == ["acknowledged", "in_progress"]
    versions, events = _versions(engine, rid), _events(engine, rid)
    with pytest.raises(workflow.TransitionNotAllowed, match="cannot become rejected") as refused:
        workflow.change_status(engine, rid, "rejected", DPKPPR, note="dobel")
    assert refused.value.status == 409
    assert find_complaint(engine, rid)["status"] == "open"
    assert (_versions(engine, rid), _events(engine, rid)) == (versions, events)  # nothing written
    assert workflow.change_status(engine, rid, "in_progress", DPKPPR) == "open"
    assert find_complaint(engine, rid)["status"] == "in_progress"


def test_a_role_the_declaration_does_not_name_may_not_move_a_report(engine, monkeypatch) -> None:  # noqa: ANN001
    rid = _lamp(engine)
    spec = get_services().get("complaints")
    admins_only = [t.model_copy(update={"roles": ["admin"]}) if (t.source, t.to) == ("open", "acknowledged") else t
                   for t in spec.transitions]
    registry = ServiceRegistry([spec.model_copy(update={"transitions": admins_only}) if s.id == "complaints" else s
                                for s in get_services()])
    for module in ("services.engine.cases", "services.complaints.workflow"):
        monkeypatch.setattr(f"{module}.get_services", lambda: registry)
    assert workflow.next_statuses(find_complaint(engine, rid), DPKPPR) == ["rejected"]
    events = _events(engine, rid)
    with pytest.raises(ServiceError, match="admin") as refused:
        workflow.change_status(engine, rid, "acknowledged", DPKPPR)
    assert refused.value.status == 403 and find_complaint(engine, rid)["status"] == "open"
    assert _events(engine, rid) == events
    admin = Principal(actor="user:admin", roles=frozenset({"admin"}))
    assert workflow.change_status(engine, rid, "acknowledged", admin) == "open"


def test_every_step_of_a_report_lands_in_the_engines_audit(engine) -> None:  # noqa: ANN001
    rid = _lamp(engine)
    workflow.change_status(engine, rid, "acknowledged", DPKPPR, note="Diterima, dijadwalkan.")
    workflow.assign(engine, rid, "Tim LPJU 1", DPKPPR)
    workflow.comment(engine, rid, "Kabel dicuri lagi", DPKPPR, public=False)
    workflow.change_status(engine, rid, "in_progress", DPKPPR, note="Rahasia: menunggu suku cadang", public=False)
    alarms.note_on_report(engine, rid, "Alarm A-1 selesai (cleared)")
    assert _events(engine, rid) == [
        {"kind": "submitted", "actor": "open311:anonymous", "from_state": None, "to_state": "open", "note": None,
         "public": True},
        {"kind": "transition", "actor": "user:engine-test", "from_state": "open", "to_state": "acknowledged",
         "note": "Diterima, dijadwalkan.", "public": True},
        {"kind": "assign", "actor": "user:engine-test", "from_state": None, "to_state": None, "note": "Tim LPJU 1",
         "public": False},
        {"kind": "comment", "actor": "user:engine-test", "from_state": None, "to_state": None,
         "note": "Kabel dicuri lagi", "public": False},
        # An internal note on a step: the step is public, the note is not.
        {"kind": "transition", "actor": "user:engine-test", "from_state": "acknowledged", "to_state": "in_progress",
         "note": None, "public": True},
        {"kind": "comment", "actor": "user:engine-test", "from_state": None, "to_state": None,
         "note": "Rahasia: menunggu suku cadang", "public": False},
        {"kind": "comment", "actor": "devices:alarms", "from_state": None, "to_state": None,
         "note": "Alarm A-1 selesai (cleared)", "public": False},
    ]
    row = find_complaint(engine, rid)
    assert row["status"] == "in_progress" and row["status_notes"] == "Diterima, dijadwalkan."
    assert row["internal_notes"] == "Alarm A-1 selesai (cleared)" and row["state_since"] > row["requested_datetime"]


def test_the_reporter_is_told_at_each_public_step(engine) -> None:  # noqa: ANN001
    rid = _lamp(engine, email="pelapor@example.org")
    workflow.change_status(engine, rid, "acknowledged", DPKPPR)
    workflow.comment(engine, rid, "Hanya untuk petugas", DPKPPR, public=False)
    with engine.connect() as conn:
        subjects = conn.execute(text("SELECT subject FROM notify.outbox WHERE recipient = 'pelapor@example.org' "
                                     "AND subject LIKE :r ORDER BY id"), {"r": f"%{rid}%"}).scalars().all()
    assert subjects == [f"Pengaduan masyarakat {rid}: Baru diterima", f"Pengaduan masyarakat {rid}: Diterima petugas"]


@pytest.fixture
def on_the_complaints_database(complaints_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from config.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", complaints_url)
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.mark.usefixtures("on_the_complaints_database")
def test_an_overdue_report_is_in_the_engines_overdue_listing(engine) -> None:  # noqa: ANN001
    late, fresh, done = _lamp(engine), _lamp(engine), _lamp(engine)
    backdate_report(engine, late, 10)  # LAMPU_JALAN's target is 7 days
    backdate_report(engine, done, 10)
    for step in ("acknowledged", "in_progress", "resolved"):
        workflow.change_status(engine, done, step, DPKPPR)
    listed = CliRunner().invoke(main, ["layanan", "overdue", "complaints"])
    assert listed.exit_code == 0, listed.output
    assert f"{late}\topen\tdue " in listed.output
    assert fresh not in listed.output and done not in listed.output  # resolved: nobody is late for it
    assert find_complaint(engine, done)["due_at"] is None
