"""Migration 0023 puts existing reports on the engine without losing one: due times, state starts, their audit."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, create_engine, text

from geodata.cluster import drop_database, ensure_database
from geodata.migrate import upgrade
from layers.db import sqlalchemy_url
from tests.helpers.database import database_url_on

FILED = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def database_at_0022(server_url: str) -> Iterator[str]:
    name = f"medan_test_mig23_{uuid.uuid4().hex[:8]}"
    ensure_database(server_url, name)
    url = database_url_on(server_url, name)
    upgrade(url, "0022_ppdb")
    yield url
    drop_database(server_url, name)


def _as(conn: Connection, actor: str, sql: str, **params: object) -> None:
    conn.execute(text("SELECT set_config('webgis.actor', :a, true)"), {"a": actor})
    conn.execute(text(sql), params)


def _file(conn: Connection, rid: str, code: str, status: str = "open") -> None:
    _as(conn, "open311:anonymous", """
        INSERT INTO layers.complaints (service_request_id, service_code, status, requested_datetime, updated_datetime,
                                       agency, supporters, source, geom)
        VALUES (:rid, :code, :status, :at, :at, 'DPKPPR', 0, 'api', ST_SetSRID(ST_MakePoint(98.6722, 3.5952), 4326))""",
        rid=rid, code=code, status=status, at=FILED)


def _step(conn: Connection, rid: str, **changes: object) -> None:
    sets = ", ".join(f"{k} = :{k}" for k in changes)  # the test's own constant column names
    _as(conn, "user:ani", f"UPDATE layers.complaints SET {sets} WHERE service_request_id = :rid",  # noqa: S608
        rid=rid, **changes)


def test_existing_reports_and_their_history_move_onto_the_engine(database_at_0022: str) -> None:
    engine = create_engine(sqlalchemy_url(database_at_0022))
    with engine.begin() as conn:
        _file(conn, "MDN-OLD00001", "LAMPU_JALAN")  # never touched
        _file(conn, "MDN-OLD00002", "SAMPAH")
    with engine.begin() as conn:
        _step(conn, "MDN-OLD00002", status="acknowledged", status_notes="Diterima.")
    with engine.begin() as conn:
        _step(conn, "MDN-OLD00002", assigned_to="Tim 4", internal_notes="Truk rusak")
    with engine.begin() as conn:
        _file(conn, "MDN-OLD00003", "BANJIR")
    with engine.begin() as conn:
        _step(conn, "MDN-OLD00003", status="rejected", status_notes="Dobel")
    with engine.begin() as conn:
        _step(conn, "MDN-OLD00003", status="closed")
    with engine.begin() as conn:  # a report older than the history triggers: no recorded filing
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        _file(conn, "MDN-OLD00004", "JALAN_RUSAK", status="in_progress")
        moved_at = dict(conn.execute(text(
            "SELECT c.service_request_id, max(h.at) FROM core.feature_history h JOIN layers.complaints c "
            "ON c.fid = h.fid AND h.layer = 'complaints' GROUP BY 1")).all())
        before = conn.execute(text("SELECT service_request_id, status, status_notes, internal_notes, assigned_to "
                                   "FROM layers.complaints ORDER BY 1")).all()

    upgrade(database_at_0022)

    with engine.connect() as conn:
        after = conn.execute(text("SELECT service_request_id, status, status_notes, internal_notes, assigned_to "
                                  "FROM layers.complaints ORDER BY 1")).all()
        timing = {r[0]: (r[1], r[2]) for r in conn.execute(text(
            "SELECT service_request_id, state_since, due_at FROM layers.complaints"))}
        events = {}
        for rid, kind, source, to, note, public, actor in conn.execute(text(
                "SELECT case_ref, kind, from_state, to_state, note, public, actor FROM engine.case_events "
                "WHERE service = 'complaints' ORDER BY id")):
            events.setdefault(rid, []).append((kind, source, to, note, public, actor))
    engine.dispose()
    assert after == before  # every report, as it was
    assert timing["MDN-OLD00001"] == (FILED, FILED + timedelta(days=7))  # LAMPU_JALAN: 7 days from filing
    assert timing["MDN-OLD00002"][1] == FILED + timedelta(days=2)  # SAMPAH: 2 days
    assert timing["MDN-OLD00002"][0] > FILED  # since it was acknowledged (not since the assignment)
    assert timing["MDN-OLD00003"] == (moved_at["MDN-OLD00003"], None)  # closed: never due
    assert timing["MDN-OLD00004"] == (FILED, FILED + timedelta(days=14))
    assert events["MDN-OLD00001"] == [("submitted", None, "open", None, True, "open311:anonymous")]
    assert events["MDN-OLD00002"] == [
        ("submitted", None, "open", None, True, "open311:anonymous"),
        ("transition", "open", "acknowledged", "Diterima.", True, "user:ani"),
        ("comment", None, None, "Truk rusak", False, "user:ani"),
        ("assign", None, None, "Tim 4", False, "user:ani")]
    assert events["MDN-OLD00003"] == [
        ("submitted", None, "open", None, True, "open311:anonymous"),
        ("transition", "open", "rejected", "Dobel", True, "user:ani"),
        ("transition", "rejected", "closed", None, True, "user:ani")]
    assert events["MDN-OLD00004"] == [
        ("submitted", None, "in_progress", None, True, "migration:0023_complaints_engine")]
