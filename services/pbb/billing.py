"""The PBB-P2 year: SPPTs issued for every parcel, what an owner owes now, paying it, collection.

An SPPT is the year's assessment (pbb.sppt) and its document (services/engine/documents), issued
once per parcel and year. Paying opens a bill (services/engine/payments) for the principal plus the
interest of a late payment as of today, valid for a day; opening a new one cancels the older unpaid
ones (the gateway closes their virtual accounts, and the ledger refunds anything that still arrives
on one), so an SPPT is never paid twice.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pandas as pd
from sqlalchemy import Connection, Engine

from layers.access import Principal, row_scope
from layers.registry import get_registry
from services.engine import documents, payments
from services.engine.documents.formats import long_date, mask_name, rupiah, today_wib
from services.errors import Conflict, NotFound, ServiceError
from services.pbb import queries
from services.pbb.rules import arrears_rule, assess_frame, pbb_tariff

log = logging.getLogger(__name__)

SERVICE = "pbb"
SPPT_PUBLIC_FIELDS = ("NOP", "Tahun pajak", "PBB terutang", "Jatuh tempo")
SPPT_TITLE = {"id": "Surat Pemberitahuan Pajak Terutang (SPPT) PBB-P2", "en": "Land and building tax bill (SPPT)"}


class PbbError(ServiceError):
    code = "InvalidParameterValue"


class SpptNotFound(NotFound, PbbError):
    """No such bill."""


class AlreadyPaid(Conflict, PbbError):
    code = "AlreadyPaid"


@dataclass(frozen=True)
class IssueReport:
    tahun: int
    issued: int
    already_issued: int
    not_taxed: int  # NJOP at or under the allowance
    without_zone: list[str]

    def __str__(self) -> str:
        return (f"SPPT {self.tahun}: {self.issued} terbit, {self.already_issued} sudah ada, "
                f"{self.not_taxed} tidak terutang, {len(self.without_zone)} tanpa ZNT")


@dataclass(frozen=True)
class Sppt:
    """One year's bill of a parcel, and what paying it costs today."""

    nop: str
    tahun: int
    kode_kel: str
    pbb_terutang: int
    jatuh_tempo: date
    document_code: str
    wajib_pajak: str
    akun_wajib_pajak: str
    paid_bill: str | None
    paid_at: datetime | None
    paid_amount: int | None
    bunga: int  # interest owed today (0 when paid or not yet due)
    assessment: dict

    @property
    def lunas(self) -> bool:
        return self.paid_bill is not None

    @property
    def tunggakan(self) -> bool:
        """In arrears: unpaid after its due date."""
        return not self.lunas and self.bunga > 0

    @property
    def harus_dibayar(self) -> int:
        return 0 if self.lunas else self.pbb_terutang + self.bunga

    @property
    def case_ref(self) -> str:
        return case_ref(self.nop, self.tahun)


def case_ref(nop: str, tahun: int) -> str:
    return f"{nop}/{tahun}"


def _sppt_fields(row: pd.Series, tahun: int, due: date) -> dict[str, str]:
    area = f"{row.luas_tanah_m2:,.1f} m² × {rupiah(int(row.nilai_per_m2))}/m² (ZNT {row.kode_znt})"
    return {
        "NOP": row.nop, "Tahun pajak": str(tahun), "Letak objek": row.kode_kel,
        "NJOP bumi": f"{rupiah(int(row.njop_tanah))} ({area})",
        "NJOP bangunan": f"{rupiah(int(row.njop_bangunan))} ({row.luas_bangunan_m2:,.1f} m², kelas "
                         f"{row.kelas_bangunan or '-'})",
        "NJOP": rupiah(int(row.njop)), "NJOPTKP": rupiah(int(row.njoptkp)),
        "Dasar pengenaan": rupiah(int(row.dasar_pengenaan)), "Tarif": f"{row.tarif * 100:.2f} %",
        "PBB terutang": rupiah(int(row.pbb_terutang)), "Jatuh tempo": long_date(due),
    }


def _sppt_row(row: object, tahun: int, due: date, document_code: str) -> dict:
    names = ("nop", "kode_kel", "luas_tanah_m2", "luas_bangunan_m2", "kode_znt", "kelas_bangunan", "njop_tanah",
             "njop_bangunan", "njop", "njoptkp", "dasar_pengenaan", "tarif", "pbb_terutang")
    return {**{name: getattr(row, name) for name in names}, "nilai_per_m2": int(row.nilai_per_m2),  # type: ignore[attr-defined]
            "tahun": tahun, "jatuh_tempo": due, "wajib_pajak": row.wajib_pajak or "",  # type: ignore[attr-defined]
            "akun_wajib_pajak": row.akun_wajib_pajak or "", "document_code": document_code}  # type: ignore[attr-defined]


def issue_year(engine: Engine, tahun: int, *, kode_kel: str | None = None, batch: int = 500,
               progress: Callable[[int, int], None] | None = None) -> IssueReport:
    """Issue the year's SPPT (assessment + document) for every parcel not yet issued; safe to re-run."""
    tariff = pbb_tariff()
    due = tariff.due_date(tahun)
    with engine.connect() as conn:
        parcels = pd.DataFrame(conn.execute(queries.parcels_to_assess(kode_kel)).mappings().all())
        without_zone = list(conn.execute(queries.parcels_without_zone()).scalars())
        issued_before = set(conn.execute(queries.ISSUED_NOPS, {"tahun": tahun}).scalars())
    if parcels.empty:
        return IssueReport(tahun, 0, 0, 0, without_zone)
    fresh = parcels[~parcels["nop"].isin(issued_before)].reset_index(drop=True)
    assessed = pd.concat([fresh, assess_frame(fresh, tariff)], axis=1)
    taxed = assessed[assessed["pbb_terutang"] > 0]
    done = 0
    for start in range(0, len(taxed), batch):
        chunk = list(taxed.iloc[start:start + batch].itertuples(index=False))
        with engine.begin() as conn:
            codes = documents.issue_many(conn, [documents.ToIssue(
                service=SERVICE, case_ref=case_ref(row.nop, tahun), kind="sppt", title=SPPT_TITLE,
                holder_name=row.wajib_pajak or "Wajib pajak", holder_ref=row.akun_wajib_pajak or "",
                fields=_sppt_fields(row, tahun, due), public_fields=SPPT_PUBLIC_FIELDS) for row in chunk])
            conn.execute(queries.INSERT_SPPT, [_sppt_row(row, tahun, due, code) for row, code in zip(chunk, codes, strict=True)])
        done += len(chunk)
        if progress:
            progress(done, len(taxed))
    return IssueReport(tahun, len(taxed), len(issued_before & set(parcels["nop"])),
                       int((assessed["pbb_terutang"] == 0).sum()), without_zone)


def _sppt(row: object, today: date) -> Sppt:
    values = dict(row._mapping)  # type: ignore[attr-defined]
    unpaid = values["paid_bill"] is None
    bunga = arrears_rule().interest(values["pbb_terutang"], values["jatuh_tempo"], today) if unpaid else 0
    kept = {name: values.pop(name) for name in list(values) if name not in Sppt.__dataclass_fields__}
    kept.pop("issued_at", None)
    return Sppt(**values, bunga=bunga, assessment=kept)


def normalise_nop(nop: str) -> str:
    """The NOP as stored, from what people type: digits with or without the dots and dash."""
    digits = "".join(ch for ch in nop if ch.isdigit())
    if len(digits) != 18:
        raise PbbError("NOP terdiri dari 18 angka, misalnya 12.71.010.001.001-0001.0")
    d = digits
    return f"{d[0:2]}.{d[2:4]}.{d[4:7]}.{d[7:10]}.{d[10:13]}-{d[13:17]}.{d[17]}"


def sppts(engine: Engine, nop: str, *, today: date | None = None) -> list[Sppt]:
    """Every SPPT of a parcel, newest first, with what each costs today (404 when none)."""
    nop = normalise_nop(nop)
    today = today or today_wib()
    with engine.connect() as conn:
        found = [_sppt(row, today) for row in conn.execute(queries.sppts_of(), {"nop": nop})]
    if not found:
        raise SpptNotFound(f"Tidak ada SPPT untuk NOP {nop}")
    return found


def start_payment(engine: Engine, nop: str, tahun: int, *, payer_ref: str = "",
                  now: datetime | None = None) -> payments.Bill:
    """A bill for what the SPPT costs today, valid for the declared window; the same one if still open."""
    nop = normalise_nop(nop)
    now = now or datetime.now(UTC)
    rule = arrears_rule()
    with engine.begin() as conn:
        row = conn.execute(queries.sppt_locked(), {"nop": nop, "tahun": tahun}).first()
        if row is None:
            raise SpptNotFound(f"Tidak ada SPPT {tahun} untuk NOP {nop}")
        sppt = _sppt(row, today_wib(now))
        if sppt.lunas:
            raise AlreadyPaid(f"SPPT {tahun} NOP {nop} sudah lunas")
        description = f"PBB-P2 {tahun} NOP {nop}" + (f" (pokok + bunga {rupiah(sppt.bunga)})" if sppt.bunga else "")
        return payments.current_bill(conn, service=SERVICE, case_ref=sppt.case_ref, amount=sppt.harus_dibayar,
                                     description=description, payer_ref=payer_ref or sppt.akun_wajib_pajak,
                                     payer_name=sppt.wajib_pajak, now=now,
                                     expires_in=timedelta(hours=rule.payment_window_hours))

def sppt_paid(conn: Connection, bill: payments.Bill) -> None:
    """The on_paid handler: a paid PBB bill settles its SPPT, in the transaction that marked it paid."""
    if bill.service != SERVICE:
        return
    nop, _, tahun = bill.case_ref.rpartition("/")
    settled = conn.execute(queries.SETTLE, {"bill": bill.number, "at": bill.paid_at, "amount": bill.amount,
                                            "nop": nop, "tahun": int(tahun)}).rowcount
    if not settled:
        # Opening a bill cancels the older ones, so a second payment lands on a cancelled bill and is
        # refunded by the ledger; reaching here means the SPPT was settled another way (by staff).
        log.warning("PBB bill %s paid for %s, which was already settled", bill.number, bill.case_ref)


def register() -> None:
    """Let paid PBB bills settle their SPPT (idempotent; the web app and the CLI call it)."""
    payments.on_paid(sppt_paid)


@dataclass(frozen=True)
class Collection:
    tahun: int
    per_kelurahan: pd.DataFrame  # kode_kel, sppt, lunas, ketetapan, terbayar_pokok, bunga, persen

    @property
    def persen_kota(self) -> float:
        total = int(self.per_kelurahan["ketetapan"].sum())
        return round(100 * int(self.per_kelurahan["terbayar_pokok"].sum()) / total, 2) if total else 0.0


def collection(engine: Engine, tahun: int) -> Collection:
    """Collection per kelurahan for a year: assessed, paid (principal), interest, rate in percent."""
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(queries.COLLECTION, {"tahun": tahun}).mappings().all(),
                             columns=["kode_kel", "sppt", "lunas", "ketetapan", "terbayar_pokok", "bunga"])
    frame = frame.astype({"sppt": int, "lunas": int, "ketetapan": "int64", "terbayar_pokok": "int64", "bunga": "int64"})
    frame["persen"] = (100 * frame["terbayar_pokok"] / frame["ketetapan"].where(frame["ketetapan"] > 0)).round(2)
    return Collection(tahun, frame)


def collection_geojson(engine: Engine, result: Collection) -> dict:
    """The collection as GeoJSON: every kelurahan's outline with its figures (none where no SPPT)."""
    figures = result.per_kelurahan.set_index("kode_kel")
    with engine.connect() as conn:
        outlines = conn.execute(queries.kelurahan_outlines()).mappings().all()
    features = []
    for row in outlines:
        known = row["kode_kel"] in figures.index
        numbers = figures.loc[row["kode_kel"]] if known else None
        properties = {"kode_kel": row["kode_kel"], "nama_kel": row["nama_kel"], "nama_kec": row["nama_kec"],
                      "sppt": int(numbers["sppt"]) if known else 0, "lunas": int(numbers["lunas"]) if known else 0,
                      "ketetapan": int(numbers["ketetapan"]) if known else 0,
                      "terbayar_pokok": int(numbers["terbayar_pokok"]) if known else 0,
                      "persen": float(numbers["persen"]) if known and pd.notna(numbers["persen"]) else None}
        features.append({"type": "Feature", "geometry": json.loads(row["geometry"]), "properties": properties})
    return {"type": "FeatureCollection", "tahun": result.tahun, "persen_kota": result.persen_kota,
            "features": features}


def own_parcels(engine: Engine, principal: Principal) -> list[dict]:
    """The parcels a citizen's account holds, as the tax_parcels layer's row rule admits them."""
    if "citizen" not in principal.roles or principal.user_id is None:
        return []
    scope = row_scope(get_registry().get(queries.PARCELS), principal)
    if scope is None or not scope.conditions:
        return []
    with engine.connect() as conn:
        return [dict(row) for row in conn.execute(queries.parcels_in_scope(scope)).mappings()]


def masked_owner(sppt: Sppt) -> str:
    return mask_name(sppt.wajib_pajak) if sppt.wajib_pajak else "—"
