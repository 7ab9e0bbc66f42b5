"""The agenda's row rule: public events for everyone, internal ones for the organising agency's staff
and admins, on every path; a fixed-value rule lets staff read public events of other agencies but
never change them."""

from __future__ import annotations

from datetime import UTC, datetime

import icalendar
import pytest
from sqlalchemy import Connection, Engine, text

from layers.access import ANONYMOUS, RowOutOfScope, check_row_write, row_scope, with_roles
from layers.frames.read import read_layer
from layers.registry import get_registry
from services.agenda import events

WEEK = events.window("2026-12-07", "minggu")


def _internal_agency(engine: Engine) -> str:
    with engine.connect() as conn:
        return conn.execute(text("SELECT agency FROM layers.agenda WHERE sifat = 'internal' AND mulai >= :s "
                                 "AND mulai < :e ORDER BY kode_acara LIMIT 1"), {"s": WEEK.start, "e": WEEK.end}).scalar_one()


def test_the_public_sees_public_events_staff_also_their_agencys_internal_ones(engine: Engine) -> None:
    agency = _internal_agency(engine)
    public = events.events(engine, ANONYMOUS, WEEK)
    own = events.events(engine, with_roles("staff:a", "staff", agencies={agency}), WEEK)
    other = events.events(engine, with_roles("staff:b", "staff", agencies={"INSPEKTORAT"}), WEEK)
    everything = events.events(engine, with_roles("admin:c", "admin"), WEEK)
    planner = events.events(engine, with_roles("planner:d", "planner"), WEEK)
    assert public and {e["sifat"] for e in public} == {"publik"}
    assert planner == public and other == public
    internal_own = [e for e in own if e["sifat"] == "internal"]
    assert internal_own and {e["agency"] for e in internal_own} == {agency}
    assert len(everything) > len(own) > len(public)


def test_every_path_of_the_layer_applies_the_same_rule(engine: Engine) -> None:
    frame = read_layer(engine, "agenda", principal=ANONYMOUS)
    assert len(frame) > 0 and set(frame["sifat"]) == {"publik"}


def test_staff_may_not_change_a_public_event_of_another_agency(conn: Connection) -> None:
    spec = get_registry().get("agenda")
    row = dict(conn.execute(text("SELECT * FROM layers.agenda WHERE sifat = 'publik' AND agency <> 'DLH' LIMIT 1")).mappings().one())
    dlh = with_roles("staff:dlh", "staff", agencies={"DLH"})
    assert row_scope(spec, dlh).admits(row)  # it reads the event...
    with pytest.raises(RowOutOfScope):  # ...but may not edit it
        check_row_write(spec, dlh, row["fid"], row, {**row, "judul": "diubah"})
    with pytest.raises(RowOutOfScope):  # nor create one in another agency's name by making it public
        check_row_write(spec, dlh, None, None, {**row, "fid": None})
    check_row_write(spec, dlh, None, None, {**row, "fid": None, "agency": "DLH"})


def test_the_feed_is_valid_icalendar_with_public_events_only(engine: Engine) -> None:
    feed = events.public_feed(engine, now=datetime(2026, 12, 7, tzinfo=UTC))
    calendar = icalendar.Calendar.from_ical(feed)
    found = list(calendar.walk("VEVENT"))
    assert feed.startswith(b"BEGIN:VCALENDAR\r\n") and b"\r\nEND:VCALENDAR\r\n" in feed
    assert all(len(line) <= 75 for line in feed.split(b"\r\n"))  # RFC 5545 §3.1: lines folded at 75 octets
    assert found and {str(e["class"]) for e in found} == {"PUBLIC"}
    with engine.connect() as conn:
        internal = set(conn.execute(text("SELECT kode_acara || '@agenda.pemkomedan.go.id' FROM layers.agenda "
                                         "WHERE sifat = 'internal'")).scalars())
    assert not internal & {str(e["uid"]) for e in found}
    first = found[0]
    assert first.decoded("dtstart").tzinfo is not None and first["geo"].latitude > 3


def test_a_bad_day_or_view_is_refused_with_its_reason() -> None:
    with pytest.raises(events.ServiceError, match="tanggal"):
        events.window("7-12-2026", "hari")
    with pytest.raises(events.ServiceError, match="tampilan"):
        events.window("2026-12-07", "bulan")
    assert events.window("2026-12-09", "minggu").first_day.isoformat() == "2026-12-07"  # Monday
