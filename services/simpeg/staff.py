"""Staff records (SIMPEG): who works where, checked before any write, written in one transaction with history.

A record is private as a whole: NIP, name, position (jabatan), agency, office and the PIN the
attendance machines know the person by. Who may see a person's figures is decided in
layers/access.py (`can_see_staff_member`); the public sees agencies, never people.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, text

from services.errors import NotFound, ServiceError
from services.simpeg import queries
from services.skpd.agencies import get_agencies

# Office codes as the offices layer keys them: an agency's head office, a kecamatan or kelurahan office, a UPT.
OFFICE = re.compile(r"^(SKPD-[A-Z]+|KC-[0-9.]+|KL-[0-9.]+|UPT-[A-Z]+-[0-9]+)$")
# NIP (PP 11/2017, BKN): birth date YYYYMMDD, appointment YYYYMM, sex 1|2, serial 001-999.
NIP = re.compile(r"^(\d{8})(\d{6})([12])(\d{3})$")
MAX_PIN = 0xFFFFFFFF  # the machines hold a staff id as uint32


class StaffError(ServiceError):
    """A staff record that cannot be stored; the message says which field and why."""


@dataclass(frozen=True)
class StaffInput:
    """One staff record as entered or imported (strings as they came, checked by `check`)."""

    nip: str
    nama: str
    jabatan: str
    agency: str
    kantor: str
    pin: int
    username: str | None = None  # the account the person logs in with, if any
    aktif: bool = True


def _nip_problem(nip: str) -> str | None:
    match = NIP.match(nip)
    if not match:
        return "NIP harus 18 angka / the NIP must be 18 digits"
    born, appointed = match.group(1), match.group(2)
    try:
        date(int(born[:4]), int(born[4:6]), int(born[6:]))
        date(int(appointed[:4]), int(appointed[4:]), 1)
    except ValueError:
        return "NIP memuat tanggal lahir atau TMT yang tidak ada / the NIP holds a birth or appointment date that does not exist"
    return None


def problems(record: StaffInput) -> list[str]:
    """Everything wrong with one record (empty: it may be stored)."""
    found = []
    if (p := _nip_problem(record.nip)) is not None:
        found.append(f"nip: {p}")
    if not record.nama.strip() or len(record.nama) > 200:
        found.append("nama: wajib diisi, paling panjang 200 huruf / required, at most 200 characters")
    if not record.jabatan.strip() or len(record.jabatan) > 200:
        found.append("jabatan: wajib diisi, paling panjang 200 huruf / required, at most 200 characters")
    if record.agency not in get_agencies():  # the one vocabulary: services/skpd/agencies.yaml
        found.append(f"instansi: kode {record.agency!r} tidak dikenal / unknown agency code {record.agency!r}")
    if not OFFICE.match(record.kantor):
        found.append(f"kantor: kode {record.kantor!r} bukan SKPD-<INSTANSI>, KC-<kode_kec>, KL-<kode_kel> "
                     f"atau UPT-<INSTANSI>-<n> / not an office code")
    if not 1 <= record.pin <= MAX_PIN:
        found.append(f"pin: harus 1..{MAX_PIN} (ID di mesin absensi) / must be 1..{MAX_PIN}")
    return found


def _as_actor(conn: Connection, actor: str) -> None:
    # The history trigger records who (simpeg.keep_staff_history reads webgis.actor).
    conn.execute(text("SELECT set_config('webgis.actor', :a, true)"), {"a": actor})


def save(conn: Connection, records: Iterable[StaffInput], *, actor: str, source: str = "import") -> int:
    """Insert or update records by NIP in the caller's transaction; all checked first. Returns how many."""
    records = list(records)
    for record in records:
        if found := problems(record):
            raise StaffError(f"{record.nip}: " + "; ".join(found))
    pins = [r.pin for r in records]
    twice = sorted({p for p in pins if pins.count(p) > 1})
    if twice:
        raise StaffError(f"pin dipakai dua kali / PIN used twice: {', '.join(map(str, twice))}")
    taken = queries.pins_taken(conn, pins, [r.nip for r in records])
    if taken:
        raise StaffError("pin sudah milik pegawai lain / PIN held by another staff member: "
                         + ", ".join(f"{pin} ({nip})" for pin, nip in sorted(taken.items())))
    users = queries.user_ids(conn, {r.username for r in records if r.username})
    missing = sorted({r.username for r in records if r.username and r.username not in users})
    if missing:
        raise StaffError(f"akun tidak ada / no such account: {', '.join(missing)}")
    linked = [r.username for r in records if r.username]
    twice = sorted({u for u in linked if linked.count(u) > 1})
    taken = queries.accounts_taken(conn, [users[u] for u in linked], [r.nip for r in records if r.username])
    if twice or taken:
        names = {v: k for k, v in users.items()}
        held = [f"{names[uid]} ({nip})" for uid, nip in sorted(taken.items())]
        raise StaffError("akun sudah tertaut ke pegawai lain / account already tied to another staff member: "
                         + ", ".join(twice + held))
    _as_actor(conn, actor)
    for record in records:
        row = {**asdict(record), "user_id": users.get(record.username or ""), "source": source}
        queries.upsert_staff(conn, row)
    return len(records)


@dataclass(frozen=True)
class Staff:
    id: int
    nip: str
    nama: str
    jabatan: str
    agency: str
    kantor: str
    pin: int
    user_id: int | None
    aktif: bool
    source: str

    def public_dict(self) -> dict[str, Any]:
        """What the person, their head and admins see of the record (never the PIN's owner elsewhere)."""
        return {"nip": self.nip, "nama": self.nama, "jabatan": self.jabatan, "instansi": self.agency,
                "kantor": self.kantor, "aktif": self.aktif, "sumber": self.source}


def _staff(row: Mapping[str, Any]) -> Staff:
    return Staff(**{k: row[k] for k in Staff.__dataclass_fields__})


def by_nip(engine: Engine, nip: str) -> Staff:
    with engine.connect() as conn:
        row = queries.staff_by(conn, nip=nip)
    if row is None:
        raise NotFound(f"tidak ada pegawai dengan NIP {nip} / no staff member with NIP {nip}")
    return _staff(row)


def of_account(engine: Engine, user_id: int) -> Staff | None:
    with engine.connect() as conn:
        row = queries.staff_by(conn, user_id=user_id)
    return _staff(row) if row else None


def of_agency(engine: Engine, agency: str) -> list[Staff]:
    with engine.connect() as conn:
        return [_staff(r) for r in queries.staff_of_agency(conn, agency)]


def history(engine: Engine, nip: str) -> list[dict[str, Any]]:
    """Every change of one record: who, when, old and new."""
    with engine.connect() as conn:
        return queries.staff_history(conn, nip)
