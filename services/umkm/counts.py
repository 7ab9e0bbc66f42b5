"""Businesses per kelurahan for the agency (Dinas Koperasi dan UKM): verified, waiting, rejected.

Verified businesses are public one by one (umkm_public), so their count is shown as it is. Counts
of registrations waiting or rejected are about applicants, who are people: they follow the
platform's small-count rule (services/kelurahan_counts/disclosure.py): 1..9 is shown as "<10",
and a total is published only when it cannot narrow a hidden cell.
"""

from __future__ import annotations

from typing import Any

from layers.access import Principal
from layers.tables import Bind, reading
from services.engine.said import Forbidden, NotSignedIn, Said
from services.kelurahan_counts.disclosure import SMALL, column_total, small
from services.umkm import queries

AGENCY = "DINKOPUKM"
PROTECTED = ("menunggu", "ditolak")


def may_see(principal: Principal) -> bool:
    return "admin" in principal.roles or ("staff" in principal.roles and AGENCY in principal.agencies)


def per_kelurahan(bind: Bind, principal: Principal) -> dict[str, Any]:
    """Rows per kelurahan (shown counts as text, `None` values hidden) and the city's totals."""
    if principal.roles <= {"public"}:
        raise NotSignedIn(Said("masuk (login) dulu", "log in first"))
    if not may_see(principal):
        raise Forbidden(Said("hanya petugas Dinas Koperasi dan UKM", "only staff of the cooperatives and SME office"))
    with reading(bind) as conn:
        rows = [dict(r) for r in conn.execute(queries.counts_per_kelurahan()).mappings()]
    shown = []
    for row in rows:
        cell = {**row, "terverifikasi_tampil": str(row["terverifikasi"])}
        for column in PROTECTED:
            cell[f"{column}_tampil"] = SMALL if small(row[column]) else str(row[column])
        shown.append(cell)
    totals: dict[str, str] = {"terverifikasi": str(sum(r["terverifikasi"] for r in rows))}
    for column in PROTECTED:
        true = [r[column] for r in rows]
        published = [None if small(n) else n for n in true]
        total = column_total(true, published, complement_hidden=False)
        totals[column] = "disembunyikan" if total is None else str(total)
    return {"rows": shown, "totals": totals}
