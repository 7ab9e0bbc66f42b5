"""An agency's open cases and due-time performance from the case layers and the engine's case events:
cases filed and moved through the engine itself (real PostGIS), counted, never listed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from services.engine import cases, steps
from services.skpd.performance import agency_performance
from tests.helpers.permits import PDF, citizen, pbg_fields, plot_in, staff

NOW = datetime.now(UTC)


@pytest.fixture(autouse=True)
def _uploads(upload_dir: Path) -> Path:
    return upload_dir


def _file(conn: Connection, days_ago: float) -> str:
    application = cases.Application(fields=pbg_fields(), geometry=plot_in(conn), files={"site_plan": PDF})
    return cases.submit(conn, "pbg", application, citizen(), now=NOW - timedelta(days=days_ago)).case_ref


def _reject(conn: Connection, case_ref: str, days_ago: float) -> None:
    steps.transition(conn, "pbg", case_ref, "rejected", staff(), note="berkas tidak lengkap",
                     now=NOW - timedelta(days=days_ago))


def _pbg(figures: dict) -> dict:
    return next((s for s in figures["services"] if s["service"] == "pbg"),
                {"open": 0, "overdue": 0, "closed": 0, "on_time": 0, "states": []})


def test_open_overdue_and_on_time_share_count_what_the_engine_did(conn: Connection) -> None:
    before = _pbg(agency_performance(conn, "DPMPTSP", now=NOW))
    on_time = _file(conn, 20)
    _reject(conn, on_time, 19)  # one day in `submitted` (due 3 days)
    late = _file(conn, 30)
    _reject(conn, late, 20)  # ten days in `submitted`
    _file(conn, 10)  # still submitted, due 7 days ago
    _file(conn, 1)  # still submitted, not yet due
    old = _file(conn, 200)
    _reject(conn, old, 199)  # closed before the 90-day window
    after = agency_performance(conn, "DPMPTSP", now=NOW)
    pbg = _pbg(after)
    assert pbg["open"] - before["open"] == 2
    assert pbg["overdue"] - before["overdue"] == 1
    assert (pbg["closed"] - before["closed"], pbg["on_time"] - before["on_time"]) == (2, 1)
    submitted = next(s for s in pbg["states"] if s["state"] == "submitted")
    assert submitted["title"] == {"id": "Diajukan", "en": "Submitted"}
    assert after["window_days"] == 90 and after["closed"] >= 2
    assert after["on_time_share"] == round(after["on_time"] / after["closed"], 4)


def test_another_agency_does_not_see_these_cases(conn: Connection) -> None:
    before = agency_performance(conn, "DLH", now=NOW)
    _reject(conn, _file(conn, 5), 4)
    assert agency_performance(conn, "DLH", now=NOW) == before


def test_complaints_count_as_the_engine_service_they_run_on(conn: Connection) -> None:
    """Complaints run on the engine: open reports per state and overdue from their due time, like any service."""
    def complaints(figures: dict) -> dict:
        return next((s for s in figures["services"] if s["service"] == "complaints"), {"open": 0, "overdue": 0})

    before = complaints(agency_performance(conn, "DLH", now=NOW))
    conn.execute(text("""
        INSERT INTO layers.complaints (service_request_id, service_code, status, requested_datetime, updated_datetime,
            state_since, due_at, agency, supporters, source, geom)
        VALUES ('T-SKPD-1', 'SAMPAH', 'open', :old, :old, :old, :late, 'DLH', 0, 'test', ST_SetSRID(ST_MakePoint(98.67, 3.59), 4326)),
               ('T-SKPD-2', 'SAMPAH', 'acknowledged', :old, :old, :old, :ahead, 'DLH', 0, 'test', ST_SetSRID(ST_MakePoint(98.67, 3.59), 4326)),
               ('T-SKPD-3', 'SAMPAH', 'open', :old, :old, :old, :late, 'DSDABMBK', 0, 'test', ST_SetSRID(ST_MakePoint(98.67, 3.59), 4326))"""),
        {"old": NOW - timedelta(days=10), "late": NOW - timedelta(days=3), "ahead": NOW + timedelta(days=3)})
    after = complaints(agency_performance(conn, "DLH", now=NOW))
    assert after["kind"] == "layanan"
    assert (after["open"] - before["open"], after["overdue"] - before["overdue"]) == (2, 1)  # DSDABMBK's not here
    assert "T-SKPD" not in json.dumps(agency_performance(conn, "DLH", now=NOW), default=str)  # counts only
