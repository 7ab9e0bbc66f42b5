"""The staff desk's queue on the service level: who sees which reports, due dates, overdue, the filter's words."""

from __future__ import annotations

from datetime import timedelta

import pytest

from layers import engine_for
from layers.access import Principal
from services.complaints import desk, intake
from services.complaints.records import find_complaint, now_utc
from services.errors import ServiceError
from tests.helpers.complaints import INSIDE, backdate_report

DPKPPR = Principal(actor="user:desk-test", roles=frozenset({"staff"}), agencies=frozenset({"DPKPPR"}))


@pytest.fixture(scope="module")
def engine(complaints_url: str):  # noqa: ANN201
    return engine_for(complaints_url)


def _lamp(engine, days_old: int = 0) -> str:  # noqa: ANN001
    receipt = intake.submit(engine, intake.Submission(service_code="LAMPU_JALAN", long=INSIDE["long"],
                                                      lat=INSIDE["lat"], attributes={"KONDISI": "mati"}))
    rid = receipt.service_request_id
    if days_old:
        backdate_report(engine, rid, days_old)
    return rid


def test_due_dates_follow_the_category_target_and_only_active_reports_are_overdue(engine) -> None:  # noqa: ANN001
    rid = _lamp(engine, days_old=8)
    row = find_complaint(engine, rid)
    assert desk.due_datetime(row) == row["requested_datetime"] + timedelta(days=7)  # LAMPU_JALAN: sla_days 7
    assert desk.is_overdue(row, now_utc())
    assert not desk.is_overdue({**row, "status": "resolved"}, now_utc())
    assert not desk.is_overdue(row, row["requested_datetime"] + timedelta(days=6))


def test_overdue_only_finds_old_reports_beyond_the_newest_first_limit(engine, monkeypatch) -> None:  # noqa: ANN001
    _lamp(engine, days_old=30)
    for _ in range(3):
        _lamp(engine)
    monkeypatch.setattr(desk, "MAX_QUEUE", 2)  # the newest are fresh: a filter after the limit would find none
    rows = desk.agency_queue(engine, DPKPPR, desk.QueueFilter(overdue_only=True))
    assert len(rows) == 2 and all(r["overdue"] for r in rows)


def test_a_staff_member_sees_their_agencies_and_an_admin_chooses(engine) -> None:  # noqa: ANN001
    assert desk.visible_agencies(DPKPPR, None) == ["DPKPPR"]
    assert desk.visible_agencies(DPKPPR, "DISHUB") == []  # asking for another agency shows nothing
    admin = Principal(actor="user:a", roles=frozenset({"admin"}))
    assert desk.visible_agencies(admin, None) is None and desk.visible_agencies(admin, "DLH") == ["DLH"]
    assert {"DPKPPR", "DISHUB", "DLH", "BPBD"} <= set(desk.known_agencies())
    rows = desk.agency_queue(engine, DPKPPR, desk.QueueFilter())
    assert rows and {r["agency"] for r in rows} == {"DPKPPR"}
    citizen = Principal(actor="user:c", roles=frozenset({"citizen"}))
    with pytest.raises(ServiceError, match="only staff"):
        desk.agency_queue(engine, citizen, desk.QueueFilter())


@pytest.mark.parametrize(("args", "words"), [
    ({"status": "open,pending"}, "status: unknown pending"),
    ({"older_than_days": "x"}, "older_than_days: a whole number"),
    ({"older_than_days": "99999"}, "older_than_days"),
    ({"older_than_days": "\u00b2"}, "older_than_days"),  # a digit to str.isdigit, not to int()
    ({"overdue": "maybe"}, "overdue: 1"),
    ({"kelurahan": "1" * 30}, "kelurahan"),
])
def test_a_bad_filter_is_refused_with_its_reason(args: dict, words: str) -> None:
    with pytest.raises(ServiceError, match=words):
        desk.parse_filter(args)
