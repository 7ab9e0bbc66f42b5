"""Membership and reservations on PostGIS: reserve at a branch holding a copy (ready at once) or
elsewhere (a transfer the branch receives), hand-over with the member's card, cancellation,
expiry; every change in library.history, every notice in the engine's outbox, every refusal a 4xx
that changes nothing, and personal data seen only by the member, library staff and admins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from layers.access import ANONYMOUS, Principal
from services.errors import ServiceError
from services.library import members, network, reservations
from services.library.members import Application
from tests.fixtures.library import account, untouched_title

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


def _branches(engine: Engine) -> dict[str, str]:
    return network.branch_names(engine, ANONYMOUS)


def _member(engine: Engine, branch: str = "PK-PUSAT", **contact: str) -> Principal:
    _, principal = account(engine, "citizen", name="warga")
    members.join(engine, principal, Application(nama="Siti Rahmawati", cabang_asal=branch,
                                                **(contact or {"email": "siti@contoh.id"})), set(_branches(engine)))
    return principal


def _staff(engine: Engine, branch: str) -> Principal:
    return account(engine, "staff", agencies=(f"PERPUS-{branch}",), name="pustakawan")[1]


def _state(engine: Engine) -> tuple:
    """Everything a refused request must leave as it was."""
    with engine.connect() as conn:
        return tuple(conn.execute(text(sql)).scalar_one() for sql in (
            "SELECT count(*) FROM library.members", "SELECT count(*) FROM library.reservations",
            "SELECT coalesce(sum(version), 0) FROM library.reservations", "SELECT sum(version) FROM library.copies",
            "SELECT count(*) FROM library.history", "SELECT count(*) FROM notify.outbox"))


def _copy(engine: Engine, kode_eksemplar: str) -> tuple[str, str]:
    with engine.connect() as conn:
        return tuple(conn.execute(text("SELECT status, cabang_kini FROM library.copies WHERE kode_eksemplar = :k"),
                                  {"k": kode_eksemplar}).one())


def _outbox(engine: Engine, kode_pesan: str) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT channel, recipient, body FROM notify.outbox WHERE dedupe_key LIKE :k ORDER BY id"),
            {"k": f"perpustakaan:{kode_pesan}:%"})]


def _refused(status: int, call, *args, **kwargs) -> ServiceError:  # noqa: ANN001
    with pytest.raises(ServiceError) as refused:
        call(*args, **kwargs)
    assert refused.value.status == status, str(refused.value)
    return refused.value


def test_membership_checks_everything_before_the_one_write(library_engine: Engine) -> None:
    branches = set(_branches(library_engine))
    _, citizen = account(library_engine, "citizen")
    before = _state(library_engine)
    _refused(401, members.join, library_engine, ANONYMOUS, Application(nama="Ani", email="a@b.id", cabang_asal="PK-PUSAT"), branches)
    assert "e-mail atau nomor ponsel" in str(_refused(400, members.join, library_engine, citizen,
                                                     Application(nama="Ani Lubis", cabang_asal="PK-PUSAT"), branches))
    _refused(400, members.join, library_engine, citizen, Application(nama="Ani Lubis", telepon="12345", cabang_asal="PK-PUSAT"), branches)
    _refused(400, members.join, library_engine, citizen, Application(nama="Ani Lubis", email="ani@", cabang_asal="PK-PUSAT"), branches)
    _refused(400, members.join, library_engine, citizen, Application(nama="A", email="ani@contoh.id", cabang_asal="PK-PUSAT"), branches)
    _refused(400, members.join, library_engine, citizen, Application(nama="Ani Lubis", email="ani@contoh.id", cabang_asal="PK-MARS"), branches)
    assert _state(library_engine) == before

    joined = members.join(library_engine, citizen, Application(nama=" Ani   Lubis ", telepon="0812-3456-7890",
                                                              cabang_asal="PK-JOHOR"), branches, now=NOW)
    assert joined["nama"] == "Ani Lubis" and joined["telepon"] == "+6281234567890"
    assert joined["nomor_anggota"] == f"AGT-2026-{citizen.user_id:06d}"
    assert members.own_membership(library_engine, citizen)["cabang_asal"] == "PK-JOHOR"
    _refused(409, members.join, library_engine, citizen, Application(nama="Ani Lubis", email="x@contoh.id", cabang_asal="PK-PUSAT"), branches)
    with library_engine.connect() as conn:
        logged = conn.execute(text("SELECT action, actor FROM library.history WHERE entity = 'member' AND entity_key = :k"),
                              {"k": joined["nomor_anggota"]}).all()
    assert logged == [("joined", citizen.actor)]


def test_personal_data_only_for_the_member_library_staff_and_admins(library_engine: Engine) -> None:
    member = _member(library_engine)
    number = members.own_membership(library_engine, member)["nomor_anggota"]
    assert members.member(library_engine, member, number)["nama"] == "Siti Rahmawati"
    assert members.member(library_engine, _staff(library_engine, "PK-JOHOR"), number)["email"] == "siti@contoh.id"
    assert members.member(library_engine, account(library_engine, "staff", ("DISPUSIP",))[1], number)
    for outsider in (ANONYMOUS, account(library_engine, "citizen")[1], account(library_engine, "staff", ("DINKES",))[1],
                     account(library_engine, "planner")[1]):
        _refused(404, members.member, library_engine, outsider, number)


def test_a_copy_at_the_chosen_branch_is_ready_at_once_and_handed_over_with_the_card(library_engine: Engine) -> None:
    branches = _branches(library_engine)
    kode_judul = untouched_title(library_engine, only_at="PK-HELVETIA", copies=1)
    member = _member(library_engine)
    booked = reservations.reserve(library_engine, member, kode_judul, "PK-HELVETIA", branches, now=NOW)
    assert booked["status"] == "siap_diambil" and booked["pickup_deadline"] == NOW + timedelta(days=3)
    assert _copy(library_engine, booked["kode_eksemplar"]) == ("ditahan", "PK-HELVETIA")
    [(channel, recipient, body)] = _outbox(library_engine, booked["kode_pesan"])
    assert (channel, recipient) == ("email", "siti@contoh.id") and "siap diambil di Perpustakaan Kota Medan Cabang Helvetia" in body
    assert "10-12-2026 10.00" in body  # the deadline in WIB

    staff, elsewhere = _staff(library_engine, "PK-HELVETIA"), _staff(library_engine, "PK-BELAWAN")
    queue = reservations.pickup_queue(library_engine, staff, "PK-HELVETIA", branches)
    assert booked["kode_pesan"] in [r["kode_pesan"] for r in queue]
    _refused(403, reservations.pickup_queue, library_engine, elsewhere, "PK-HELVETIA", branches)
    _refused(403, reservations.pickup_queue, library_engine, member, "PK-HELVETIA", branches)
    before = _state(library_engine)
    _refused(403, reservations.hand_over, library_engine, elsewhere, booked["kode_pesan"], booked["nomor_anggota"])
    _refused(400, reservations.hand_over, library_engine, staff, booked["kode_pesan"], "AGT-2026-000000")
    _refused(409, reservations.receive, library_engine, staff, booked["kode_pesan"], branches)
    assert _state(library_engine) == before

    done = reservations.hand_over(library_engine, staff, booked["kode_pesan"], booked["nomor_anggota"].lower(), now=NOW)
    assert done["status"] == "diambil" and _copy(library_engine, booked["kode_eksemplar"]) == ("dipinjam", "PK-HELVETIA")
    _refused(409, reservations.hand_over, library_engine, staff, booked["kode_pesan"], booked["nomor_anggota"])
    steps = [(h["action"], h["actor"]) for h in reservations.history(library_engine, member, booked["kode_pesan"])]
    assert steps == [("reserved", member.actor), ("handed_over", staff.actor)]
    _refused(404, reservations.history, library_engine, account(library_engine, "citizen")[1], booked["kode_pesan"])


def test_a_copy_from_another_branch_is_sent_received_then_ready(library_engine: Engine) -> None:
    branches = _branches(library_engine)
    kode_judul = untouched_title(library_engine, only_at="PK-BELAWAN", copies=1)
    member = _member(library_engine, telepon="081298765432")
    booked = reservations.reserve(library_engine, member, kode_judul, "PK-PUSAT", branches, now=NOW)
    assert booked["status"] == "dikirim" and booked["pickup_deadline"] is None
    assert _copy(library_engine, booked["kode_eksemplar"]) == ("dikirim", "PK-BELAWAN")
    staff = _staff(library_engine, "PK-PUSAT")
    _refused(409, reservations.hand_over, library_engine, staff, booked["kode_pesan"], booked["nomor_anggota"])
    _refused(403, reservations.receive, library_engine, _staff(library_engine, "PK-BELAWAN"), booked["kode_pesan"], branches)

    later = NOW + timedelta(days=2)
    ready = reservations.receive(library_engine, staff, booked["kode_pesan"], branches, now=later)
    assert ready["status"] == "siap_diambil" and ready["pickup_deadline"] == later + timedelta(days=3)
    assert _copy(library_engine, booked["kode_eksemplar"]) == ("ditahan", "PK-PUSAT")
    notices = _outbox(library_engine, booked["kode_pesan"])
    assert [n[0] for n in notices] == ["sms", "sms"] and notices[0][1] == "+6281298765432"
    assert "sedang dikirim ke Perpustakaan Kota Medan" in notices[0][2] and "siap diambil" in notices[1][2]


def test_cancelling_frees_the_copy_for_the_next_reader(library_engine: Engine) -> None:
    branches = _branches(library_engine)
    kode_judul = untouched_title(library_engine, only_at="PK-TEMBUNG", copies=1)
    first, second = _member(library_engine), _member(library_engine)
    booked = reservations.reserve(library_engine, first, kode_judul, "PK-TEMBUNG", branches, now=NOW)
    _refused(409, reservations.reserve, library_engine, first, kode_judul, "PK-TEMBUNG", branches)  # already reserved
    assert "sedang dipinjam atau dipesan" in str(
        _refused(409, reservations.reserve, library_engine, second, kode_judul, "PK-TEMBUNG", branches))
    _refused(404, reservations.cancel, library_engine, second, booked["kode_pesan"])  # not theirs: as if absent
    cancelled = reservations.cancel(library_engine, first, booked["kode_pesan"], now=NOW)
    assert cancelled["status"] == "dibatalkan" and _copy(library_engine, booked["kode_eksemplar"]) == ("tersedia", "PK-TEMBUNG")
    _refused(409, reservations.cancel, library_engine, first, booked["kode_pesan"])
    assert reservations.reserve(library_engine, second, kode_judul, "PK-TEMBUNG", branches, now=NOW)["status"] == "siap_diambil"
    assert [r["status"] for r in reservations.mine(library_engine, first)] == ["dibatalkan"]


def test_a_reservation_not_picked_up_expires_and_the_member_is_told(library_engine: Engine) -> None:
    branches = _branches(library_engine)
    kode_judul = untouched_title(library_engine, only_at="PK-AMPLAS", copies=1)
    member = _member(library_engine)
    booked = reservations.reserve(library_engine, member, kode_judul, "PK-AMPLAS", branches, now=NOW)
    assert booked["kode_pesan"] not in reservations.expire_due(library_engine, now=NOW + timedelta(days=2, hours=23))
    assert booked["kode_pesan"] in reservations.expire_due(library_engine, now=NOW + timedelta(days=3, minutes=1))
    assert [r["status"] for r in reservations.mine(library_engine, member)] == ["kedaluwarsa"]
    assert _copy(library_engine, booked["kode_eksemplar"]) == ("tersedia", "PK-AMPLAS")
    assert "kedaluwarsa" in _outbox(library_engine, booked["kode_pesan"])[-1][2]
    assert booked["kode_pesan"] not in reservations.expire_due(library_engine, now=NOW + timedelta(days=9))


def test_refused_reservations_change_nothing(library_engine: Engine) -> None:
    branches = _branches(library_engine)
    kode_judul = untouched_title(library_engine, only_at="PK-SUNGGAL")
    member, stranger = _member(library_engine), account(library_engine, "citizen")[1]
    before = _state(library_engine)
    _refused(401, reservations.reserve, library_engine, ANONYMOUS, kode_judul, "PK-SUNGGAL", branches)
    assert "daftar menjadi anggota" in str(_refused(403, reservations.reserve, library_engine, stranger, kode_judul, "PK-SUNGGAL", branches))
    _refused(404, reservations.reserve, library_engine, member, "JD-99999", "PK-SUNGGAL", branches)
    _refused(400, reservations.reserve, library_engine, member, kode_judul, "PK-MARS", branches)
    _refused(404, reservations.cancel, library_engine, member, "PSN-NOTHING")
    _refused(404, reservations.pickup_queue, library_engine, _staff(library_engine, "PK-SUNGGAL"), "PK-MARS", branches)
    assert _state(library_engine)[:-1] == before[:-1]  # (the staff account made above writes no library row)


def test_a_member_holds_at_most_five_open_reservations(library_engine: Engine) -> None:
    branches = _branches(library_engine)
    member = _member(library_engine)
    for _ in range(5):
        reservations.reserve(library_engine, member, untouched_title(library_engine, only_at="PK-JOHOR"), "PK-JOHOR", branches)
    assert "paling banyak 5" in str(_refused(409, reservations.reserve, library_engine, member,
                                             untouched_title(library_engine, only_at="PK-JOHOR"), "PK-JOHOR", branches))


def test_the_expiry_command_closes_what_is_past_due_and_runs_beside_the_server(library_engine: Engine, library_url: str,
                                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    import services.library
    from services.library.cli import perpustakaan

    branches = _branches(library_engine)
    member = _member(library_engine)
    booked = reservations.reserve(library_engine, member, untouched_title(library_engine, only_at="PK-PUSAT"),
                                  "PK-PUSAT", branches, now=NOW - timedelta(days=30))
    from config.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", library_url)
    get_settings.cache_clear()  # the settings are read once per process
    try:
        result = CliRunner().invoke(perpustakaan, ["expire"])
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert result.exit_code == 0 and booked["kode_pesan"] in result.output
    assert [r["status"] for r in reservations.mine(library_engine, member)] == ["kedaluwarsa"]
    assert CliRunner().invoke(perpustakaan, ["expire", "--every", "1"]).exit_code == 2  # under 10 s: refused
    command = dict(services.library.background_commands(library_url))["library reservation expiry"]
    assert command[1:] == ["-m", "services", "perpustakaan", "expire", "--every", "300"]
