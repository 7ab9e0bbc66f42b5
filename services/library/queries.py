"""The library's SQL: its two layers (branches, mobile stops) and its own schema `library`
(titles, copies, members, reservations, history; migration 0025_library). Statements are built
here with bound values; identifiers come from these table definitions only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Integer,
    MetaData,
    Select,
    Table,
    Text,
    and_,
    bindparam,
    func,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB

from layers.access import RowScope
from layers.rowsql import scope_clause
from layers.tables import layer_table

BRANCHES, STOPS = "library_branches", "library_mobile_stops"
BRANCH_FIELDS = ("kode_cabang", "nama", "jenis", "alamat", "jam_buka", "kursi_roda", "telepon", "catatan_lokasi",
                 "nama_kel", "nama_kec")
STOP_FIELDS = ("kode_halte", "nama", "armada", "jadwal", "kode_cabang", "catatan_lokasi", "nama_kel", "nama_kec")
OPEN = ("dikirim", "siap_diambil")  # a reservation still to be picked up

metadata = MetaData(schema="library")
TITLES = Table("titles", metadata, Column("kode_judul", Text, primary_key=True), Column("judul", Text),
               Column("pengarang", Text), Column("penerbit", Text), Column("tahun", Integer), Column("subjek", Text),
               Column("bahasa", Text), Column("source", Text))
COPIES = Table("copies", metadata, Column("kode_eksemplar", Text, primary_key=True), Column("kode_judul", Text),
               Column("cabang_asal", Text), Column("cabang_kini", Text), Column("status", Text),
               Column("version", Integer), Column("source", Text))
MEMBERS = Table("members", metadata, Column("nomor_anggota", Text, primary_key=True), Column("user_id", BigInteger),
                Column("nama", Text), Column("email", Text), Column("telepon", Text), Column("cabang_asal", Text),
                Column("status", Text), Column("joined_at", DateTime(timezone=True)), Column("version", Integer))
RESERVATIONS = Table("reservations", metadata, Column("kode_pesan", Text, primary_key=True),
                     Column("nomor_anggota", Text), Column("kode_judul", Text), Column("kode_eksemplar", Text),
                     Column("cabang_ambil", Text), Column("status", Text), Column("created_at", DateTime(timezone=True)),
                     Column("ready_at", DateTime(timezone=True)), Column("pickup_deadline", DateTime(timezone=True)),
                     Column("closed_at", DateTime(timezone=True)), Column("version", Integer))
HISTORY = Table("history", metadata, Column("id", BigInteger, primary_key=True), Column("entity", Text),
                Column("entity_key", Text), Column("action", Text), Column("old", JSONB), Column("new", JSONB),
                Column("at", DateTime(timezone=True)), Column("actor", Text))


# ---------------------------------------------------------------- the map

def branches(scope: RowScope | None) -> Select:
    """Branches the scope admits, the central library first, then by name."""
    t = layer_table(BRANCHES)
    return (select(*(t.c[n] for n in BRANCH_FIELDS), func.ST_X(t.c.geom).label("lon"), func.ST_Y(t.c.geom).label("lat"))
            .where(scope_clause(scope, t.c)).order_by((t.c.jenis != "pusat"), t.c.nama))


def mobile_stops(scope: RowScope | None) -> Select:
    t = layer_table(STOPS)
    return (select(*(t.c[n] for n in STOP_FIELDS), func.ST_X(t.c.geom).label("lon"), func.ST_Y(t.c.geom).label("lat"))
            .where(scope_clause(scope, t.c)).order_by(t.c.armada, t.c.kode_halte))


# ---------------------------------------------------------------- the catalogue

def search_key() -> Any:
    """What the trigram index ix_library_titles_search holds: title, author and subject in one key."""
    return func.core.search_key(TITLES.c.judul.op("||")(" ").op("||")(TITLES.c.pengarang).op("||")(" ")
                                .op("||")(TITLES.c.subjek))


def search_titles(subject: str | None, limit: int) -> Select:
    """Titles whose key resembles :q (word similarity, the index's `%>`), best first; copies are counted
    for the `limit` best only, not for every candidate (benchmarks/bench_library.py)."""
    key, query = search_key(), func.core.search_key(bindparam("q", type_=Text))
    score = (func.word_similarity(query, key) + 0.25 * func.similarity(query, key)).label("score")
    best = select(TITLES.c.kode_judul, score).where(key.op("%>")(query))
    if subject:
        best = best.where(TITLES.c.subjek == subject)
    best = best.order_by(score.desc(), TITLES.c.judul).limit(limit).subquery("best")
    return (select(*TITLES.c, best.c.score, _free_copies().label("tersedia"), _all_copies().label("eksemplar"))
            .join(best, best.c.kode_judul == TITLES.c.kode_judul).order_by(best.c.score.desc(), TITLES.c.judul))


def titles_by_subject(subject: str | None, limit: int) -> Select:
    statement = select(*TITLES.c, _free_copies().label("tersedia"), _all_copies().label("eksemplar"))
    if subject:
        statement = statement.where(TITLES.c.subjek == subject)
    return statement.order_by(TITLES.c.judul).limit(limit)


def _free_copies() -> Any:
    return (select(func.count()).where(COPIES.c.kode_judul == TITLES.c.kode_judul, COPIES.c.status == "tersedia")
            .scalar_subquery())


def _all_copies() -> Any:
    return select(func.count()).where(COPIES.c.kode_judul == TITLES.c.kode_judul).scalar_subquery()


def subjects() -> Select:
    return select(TITLES.c.subjek, func.count()).group_by(TITLES.c.subjek).order_by(TITLES.c.subjek)


def title(kode_judul: str) -> Select:
    return select(*TITLES.c).where(TITLES.c.kode_judul == kode_judul)


def holdings(kode_judul: str) -> Select:
    """Copies of a title per branch where they are now: how many, how many free."""
    free = func.count().filter(COPIES.c.status == "tersedia")
    return (select(COPIES.c.cabang_kini, func.count().label("eksemplar"), free.label("tersedia"))
            .where(COPIES.c.kode_judul == kode_judul).group_by(COPIES.c.cabang_kini).order_by(COPIES.c.cabang_kini))


def free_copy(kode_judul: str, branch: str) -> Select:
    """A free copy of the title, one at `branch` first (no transfer), else the lowest code; row-locked
    so that two readers reserving at once cannot take the same copy."""
    return (select(*COPIES.c).where(COPIES.c.kode_judul == kode_judul, COPIES.c.status == "tersedia")
            .order_by((COPIES.c.cabang_kini != branch), COPIES.c.kode_eksemplar).limit(1)
            .with_for_update(skip_locked=True))


def copy_for_update(kode_eksemplar: str) -> Select:
    return select(*COPIES.c).where(COPIES.c.kode_eksemplar == kode_eksemplar).with_for_update()


# ---------------------------------------------------------------- members and reservations

def member_of_user(user_id: int) -> Select:
    return select(*MEMBERS.c).where(MEMBERS.c.user_id == user_id)


def member(nomor_anggota: str) -> Select:
    return select(*MEMBERS.c).where(MEMBERS.c.nomor_anggota == nomor_anggota)


def reservation_for_update(kode_pesan: str) -> Select:
    return select(*RESERVATIONS.c).where(RESERVATIONS.c.kode_pesan == kode_pesan).with_for_update()


def reservations_listed() -> Select:
    """Reservations with their title and the member's number (the callers add who may see which)."""
    return (select(*RESERVATIONS.c, TITLES.c.judul, TITLES.c.pengarang)
            .join(TITLES, TITLES.c.kode_judul == RESERVATIONS.c.kode_judul)
            .order_by(RESERVATIONS.c.created_at.desc(), RESERVATIONS.c.kode_pesan))


def pickup_queue(branch: str) -> Select:
    """A branch's open reservations, the oldest first, with the member's name for the hand-over."""
    return (select(*RESERVATIONS.c, TITLES.c.judul, MEMBERS.c.nama)
            .join(TITLES, TITLES.c.kode_judul == RESERVATIONS.c.kode_judul)
            .join(MEMBERS, MEMBERS.c.nomor_anggota == RESERVATIONS.c.nomor_anggota)
            .where(RESERVATIONS.c.cabang_ambil == branch, RESERVATIONS.c.status.in_(OPEN))
            .order_by(RESERVATIONS.c.status.desc(), RESERVATIONS.c.created_at))


def due_for_expiry(now: datetime) -> Select:
    return (select(RESERVATIONS.c.kode_pesan)
            .where(and_(RESERVATIONS.c.status == "siap_diambil", RESERVATIONS.c.pickup_deadline < now))
            .order_by(RESERVATIONS.c.kode_pesan).with_for_update(skip_locked=True))


def history_of(entity: str, key: str) -> Select:
    return (select(*HISTORY.c).where(HISTORY.c.entity == entity, HISTORY.c.entity_key == key)
            .order_by(HISTORY.c.id))


def record(conn: Connection, entity: str, key: str, action: str, old: dict[str, Any] | None,
           new: dict[str, Any] | None, *, actor: str, at: datetime) -> None:
    """One history row, in the caller's transaction (the change and its record commit together)."""
    conn.execute(insert(HISTORY).values(entity=entity, entity_key=key, action=action, old=_plain(old),
                                        new=_plain(new), at=at, actor=actor))


def _plain(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in values.items()}
