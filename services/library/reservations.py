"""Reservations: a member reserves a title for pickup at a chosen branch.

States (library.reservations.status):
    dikirim       no free copy at the branch: one from another branch is on its way
    siap_diambil  the copy waits at the branch until pickup_deadline (PICKUP_DAYS)
    diambil       handed over by the branch's staff (the copy is lent: dipinjam)
    dibatalkan    cancelled by the member (the copy is free again)
    kedaluwarsa   not picked up in time (expire_due; the copy is free again at the branch)
A copy at the chosen branch is taken first; else a free copy elsewhere is sent (dikirim) and the
branch's staff mark it received. Every function runs in one transaction: the reservation, its copy,
their history rows and the member's notification (the engine's outbox) commit or roll back together.
Bad input raises a ServiceError (4xx, Bahasa Indonesia) before anything is written.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from layers.access import Principal
from services.engine.notify import enqueue
from services.errors import Conflict, NotFound, ServiceError
from services.library import queries
from services.library.members import active_member
from services.library.rules import (
    MAX_OPEN_RESERVATIONS,
    TRANSFER_DAYS,
    check_branch_staff,
    may_see_member,
    pickup_window,
)
from services.tourism.hours import WIB

STATE_LABELS = {"dikirim": "Dalam pengiriman ke cabang", "siap_diambil": "Siap diambil", "diambil": "Sudah diambil",
                "dibatalkan": "Dibatalkan", "kedaluwarsa": "Kedaluwarsa (tidak diambil)"}
EXPIRY_ACTOR = "jadwal:perpustakaan"


def reserve(engine: Engine, principal: Principal, kode_judul: str, cabang: str, branches: dict[str, str], *,
            now: datetime | None = None) -> dict[str, Any]:
    """Reserve a copy of `kode_judul` for pickup at `cabang` (one of `branches`, code -> name)."""
    if cabang not in branches:
        raise ServiceError("cabang: pilih cabang tempat buku akan diambil")
    now = now or datetime.now(UTC)
    try:
        with engine.begin() as conn:
            member = active_member(conn, principal)
            if conn.execute(queries.title(kode_judul)).first() is None:
                raise NotFound(f"judul {kode_judul[:40]!r} tidak ada di katalog")
            _check_open_count(conn, member["nomor_anggota"], kode_judul)
            copy = conn.execute(queries.free_copy(kode_judul, cabang)).mappings().first()
            if copy is None:
                raise Conflict("semua eksemplar judul ini sedang dipinjam atau dipesan; coba lagi nanti")
            here = copy["cabang_kini"] == cabang
            values = {"kode_pesan": f"PSN-{secrets.token_hex(4).upper()}", "nomor_anggota": member["nomor_anggota"],
                      "kode_judul": kode_judul, "kode_eksemplar": copy["kode_eksemplar"], "cabang_ambil": cabang,
                      "status": "siap_diambil" if here else "dikirim", "created_at": now,
                      "ready_at": now if here else None, "pickup_deadline": now + pickup_window() if here else None}
            conn.execute(insert(queries.RESERVATIONS).values(**values))
            queries.record(conn, "reservation", values["kode_pesan"], "reserved", None, values, actor=principal.actor, at=now)
            _move_copy(conn, copy["kode_eksemplar"], {"status": "ditahan" if here else "dikirim"}, principal.actor, now,
                       f"reserved {values['kode_pesan']}")
            _tell(conn, member, values, branches[cabang])
    except IntegrityError:  # the partial unique indexes: a second reservation raced this one
        raise Conflict("judul ini sudah Anda pesan dan belum diambil") from None
    return values


def _check_open_count(conn: Connection, nomor_anggota: str, kode_judul: str) -> None:
    t = queries.RESERVATIONS
    open_ones = conn.execute(select(t.c.kode_judul).where(t.c.nomor_anggota == nomor_anggota,
                                                          t.c.status.in_(queries.OPEN))).scalars().all()
    if kode_judul in open_ones:
        raise Conflict("judul ini sudah Anda pesan dan belum diambil")
    if len(open_ones) >= MAX_OPEN_RESERVATIONS:
        raise Conflict(f"paling banyak {MAX_OPEN_RESERVATIONS} pesanan yang belum diambil")


def cancel(engine: Engine, principal: Principal, kode_pesan: str, *, now: datetime | None = None) -> dict[str, Any]:
    """The member (or library staff) cancels an open reservation; the copy is free again where it is."""
    now = now or datetime.now(UTC)
    with engine.begin() as conn:
        row, member = _open_reservation(conn, principal, kode_pesan)
        if member["user_id"] != principal.user_id:
            check_branch_staff(principal, row["cabang_ambil"])
        new = _close(conn, row, "dibatalkan", principal.actor, now)
        _tell(conn, member, new, row["cabang_ambil"])
    return new


def receive(engine: Engine, principal: Principal, kode_pesan: str, branches: dict[str, str], *,
            now: datetime | None = None) -> dict[str, Any]:
    """The pickup branch's staff receive the copy sent from another branch: it waits for the member."""
    now = now or datetime.now(UTC)
    with engine.begin() as conn:
        row, member = _open_reservation(conn, principal, kode_pesan, staff=True)
        if row["status"] != "dikirim":
            raise Conflict("pesanan ini tidak sedang dalam pengiriman")
        new = _change(conn, row, {"status": "siap_diambil", "ready_at": now, "pickup_deadline": now + pickup_window()},
                      "received", principal.actor, now)
        _move_copy(conn, row["kode_eksemplar"], {"status": "ditahan", "cabang_kini": row["cabang_ambil"]},
                   principal.actor, now, f"received for {kode_pesan}")
        _tell(conn, member, new, branches.get(row["cabang_ambil"], row["cabang_ambil"]))
    return new


def hand_over(engine: Engine, principal: Principal, kode_pesan: str, nomor_anggota: str, *,
              now: datetime | None = None) -> dict[str, Any]:
    """The pickup branch's staff hand the copy to the member whose card number they were shown."""
    now = now or datetime.now(UTC)
    with engine.begin() as conn:
        row, _member = _open_reservation(conn, principal, kode_pesan, staff=True)
        if row["status"] != "siap_diambil":
            raise Conflict("buku pesanan ini belum tiba di cabang")
        if nomor_anggota.strip().upper() != row["nomor_anggota"]:
            raise ServiceError("nomor_anggota: tidak sama dengan nomor anggota pemesan; periksa kartu anggota")
        new = _change(conn, row, {"status": "diambil", "closed_at": now}, "handed_over", principal.actor, now)
        _move_copy(conn, row["kode_eksemplar"], {"status": "dipinjam"}, principal.actor, now, f"lent for {kode_pesan}")
    return new


def expire_due(engine: Engine, *, now: datetime | None = None) -> list[str]:
    """Close every ready reservation past its pickup deadline (one transaction each); their codes."""
    now = now or datetime.now(UTC)
    with engine.connect() as conn:
        due = conn.execute(queries.due_for_expiry(now)).scalars().all()
    expired = []
    for kode in due:
        with engine.begin() as conn:
            row = conn.execute(queries.reservation_for_update(kode)).mappings().first()
            if row is None or row["status"] != "siap_diambil" or row["pickup_deadline"] >= now:
                continue  # picked up or cancelled since it was listed
            member = conn.execute(queries.member(row["nomor_anggota"])).mappings().one()
            _tell(conn, dict(member), _close(conn, dict(row), "kedaluwarsa", EXPIRY_ACTOR, now), row["cabang_ambil"])
            expired.append(kode)
    return expired


def _open_reservation(conn: Connection, principal: Principal, kode_pesan: str, *,
                      staff: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    """The reservation (locked) and its member; NotFound for whoever may not see it, as if absent."""
    row = conn.execute(queries.reservation_for_update(kode_pesan)).mappings().first()
    member = conn.execute(queries.member(row["nomor_anggota"])).mappings().first() if row else None
    if row is None or member is None or not may_see_member(principal, member["user_id"]):
        raise NotFound(f"pesanan {kode_pesan[:40]!r} tidak ada")
    if staff:
        check_branch_staff(principal, row["cabang_ambil"])
    if row["status"] not in queries.OPEN:
        raise Conflict(f"pesanan ini sudah selesai ({STATE_LABELS[row['status']].lower()})")
    return dict(row), dict(member)


def _close(conn: Connection, row: dict[str, Any], status: str, actor: str, now: datetime) -> dict[str, Any]:
    new = _change(conn, row, {"status": status, "closed_at": now}, status, actor, now)
    # The copy is free again: where it is now (a transfer called off never left its branch).
    _move_copy(conn, row["kode_eksemplar"], {"status": "tersedia"}, actor, now, f"{status} {row['kode_pesan']}")
    return new


def _change(conn: Connection, row: dict[str, Any], changes: dict[str, Any], action: str, actor: str,
            now: datetime) -> dict[str, Any]:
    t = queries.RESERVATIONS
    conn.execute(update(t).where(t.c.kode_pesan == row["kode_pesan"]).values(**changes, version=t.c.version + 1))
    queries.record(conn, "reservation", row["kode_pesan"], action, {k: row[k] for k in changes}, changes,
                   actor=actor, at=now)
    return {**row, **changes, "version": row["version"] + 1}


def _move_copy(conn: Connection, kode: str, changes: dict[str, Any], actor: str, now: datetime, why: str) -> None:
    old = conn.execute(queries.copy_for_update(kode)).mappings().one()
    t = queries.COPIES
    conn.execute(update(t).where(t.c.kode_eksemplar == kode).values(**changes, version=t.c.version + 1))
    queries.record(conn, "copy", kode, why, {k: old[k] for k in changes}, changes, actor=actor, at=now)


def _tell(conn: Connection, member: dict[str, Any], reservation: dict[str, Any], branch_name: str) -> None:
    """The member's notice of this state, queued in the same transaction (one per state: dedupe key)."""
    title = conn.execute(select(queries.TITLES.c.judul).where(
        queries.TITLES.c.kode_judul == reservation["kode_judul"])).scalar_one()
    status, kode = reservation["status"], reservation["kode_pesan"]
    deadline = reservation.get("pickup_deadline")
    lines = {"siap_diambil": f"Buku \"{title}\" siap diambil di {branch_name} sampai {_wib(deadline)} WIB. "
                             f"Tunjukkan kartu anggota {member['nomor_anggota']}.",
             "dikirim": f"Buku \"{title}\" sedang dikirim ke {branch_name} (sekitar {TRANSFER_DAYS} hari). "
                        "Kami kabari lagi saat buku siap diambil.",
             "dibatalkan": f"Pesanan buku \"{title}\" di {branch_name} dibatalkan.",
             "kedaluwarsa": f"Pesanan buku \"{title}\" di {branch_name} kedaluwarsa karena tidak diambil "
                            "sampai batas waktu. Silakan pesan lagi bila masih perlu."}
    if status not in lines:
        return
    channel, recipient = ("email", member["email"]) if member["email"] else ("sms", member["telepon"])
    enqueue(conn, channel=channel, recipient=recipient, subject=f"Perpustakaan Kota Medan: pesanan {kode}",
            body=f"Yth. {member['nama']},\n{lines[status]}\nKode pesanan: {kode}.",
            dedupe_key=f"perpustakaan:{kode}:{status}", origin="perpustakaan")


def _wib(moment: datetime | None) -> str:
    return moment.astimezone(WIB).strftime("%d-%m-%Y %H.%M") if moment else "-"


def mine(engine: Engine, principal: Principal) -> list[dict[str, Any]]:
    """The principal's own reservations, newest first (none when it is no member)."""
    if principal.user_id is None:
        return []
    with engine.connect() as conn:
        member = conn.execute(queries.member_of_user(principal.user_id)).mappings().first()
        if member is None:
            return []
        rows = conn.execute(queries.reservations_listed().where(
            queries.RESERVATIONS.c.nomor_anggota == member["nomor_anggota"])).mappings().all()
    return [{**r, "label": STATE_LABELS[r["status"]]} for r in rows]


def pickup_queue(engine: Engine, principal: Principal, cabang: str, branches: dict[str, str]) -> list[dict[str, Any]]:
    """A branch's open reservations for its staff: ready ones first (with their deadline), then those on the way."""
    if cabang not in branches:
        raise NotFound(f"cabang {cabang[:40]!r} tidak ada")
    check_branch_staff(principal, cabang)
    with engine.connect() as conn:
        rows = conn.execute(queries.pickup_queue(cabang)).mappings().all()
    return [{**r, "label": STATE_LABELS[r["status"]]} for r in rows]


def history(engine: Engine, principal: Principal, kode_pesan: str) -> list[dict[str, Any]]:
    """Every change of one reservation, for its member, library staff and admins."""
    with engine.connect() as conn:
        row = conn.execute(select(queries.RESERVATIONS.c.nomor_anggota).where(
            queries.RESERVATIONS.c.kode_pesan == kode_pesan)).first()
        member = conn.execute(queries.member(row[0])).mappings().first() if row else None
        if member is None or not may_see_member(principal, member["user_id"]):
            raise NotFound(f"pesanan {kode_pesan[:40]!r} tidak ada")
        return [dict(r) for r in conn.execute(queries.history_of("reservation", kode_pesan)).mappings()]


