"""Transfers between agencies (alih status penggunaan barang milik daerah, Permendagri 19/2016):
decided by the mayor and carried out by the manager of the city's assets (pengelola barang: BPKAD)
or an admin, never by the agencies themselves (their staff edit only their own agency's assets and
may not move one out of it: layers/access.py). Each transfer is one change of the asset's layer,
so the layers' history is the asset's transfer history (records.asset_history)."""

from __future__ import annotations

from layers.access import Principal
from layers.features.write import update_feature
from layers.tables import Bind, transaction
from services.assets.records import find_asset
from services.assets.rules import AGENCIES, OWNER_AGENCY
from services.errors import Conflict, ServiceError


class TransferRefused(ServiceError):
    status = 403
    code = "Forbidden"


class TransferRejected(ServiceError):
    status = 422
    code = "InvalidTransfer"


def may_transfer(principal: Principal) -> bool:
    """The pengelola barang's staff (BPKAD) and admins carry out transfers."""
    return principal.is_admin or ("staff" in principal.roles and OWNER_AGENCY in principal.agencies)


def transfer_asset(bind: Bind, principal: Principal, *, kode_aset: str, to_agency: str, decree: str) -> int:
    """Move an asset to another agency under a decree (nomor SK/BAST); returns the asset's new version."""
    if not may_transfer(principal):
        raise TransferRefused(f"alih status penggunaan dilakukan oleh {OWNER_AGENCY} atau admin")
    problems = []
    if to_agency not in AGENCIES:
        problems.append(f"OPD tujuan {to_agency!r} tidak dikenal")
    decree = (decree or "").strip()
    if not decree or len(decree) > 120:
        problems.append("sebutkan nomor SK/BAST alih status penggunaan (paling panjang 120 karakter)")
    if problems:
        raise TransferRejected("aset tidak dialihkan: " + "; ".join(problems))
    with transaction(bind, principal.actor) as conn:
        found = find_asset(conn, kode_aset, lock=True)
        if found.row["agency"] == to_agency:
            raise Conflict(f"aset {kode_aset} sudah digunakan {to_agency}")
        note = f"Alih status penggunaan dari {found.row['agency']} ke {to_agency} ({decree})"
        return update_feature(conn, found.layer, found.row["fid"], {"type": "Feature", "properties": {
            "agency": to_agency, "keterangan": note[:500]}}, actor=principal.actor, partial=True)
