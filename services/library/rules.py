"""The library's own rules: who acts for a branch, how long a reservation waits, how many a member
holds, what a member's contacts must look like, and the refusals (Bahasa Indonesia) they raise."""

from __future__ import annotations

import re
from datetime import timedelta

from layers.access import Principal, acts_for_unit, can_see_library_member, unit_code
from services.errors import ServiceError

AGENCY = "DISPUSIP"  # Dinas Perpustakaan dan Kearsipan (services/skpd/agencies.yaml)
PICKUP_DAYS = 3  # a copy waits this long at the pickup branch once it is there
TRANSFER_DAYS = 2  # what a member is told a transfer between branches takes
MAX_OPEN_RESERVATIONS = 5
NAME_CHARS = (3, 120)
PHONE = re.compile(r"^(\+62|62|0)8\d{7,12}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


class NotSignedIn(ServiceError):
    status = 401
    code = "NotSignedIn"


class NotAllowed(ServiceError):
    status = 403
    code = "Forbidden"


def pickup_window() -> timedelta:
    return timedelta(days=PICKUP_DAYS)


def branch_unit(kode_cabang: str) -> str:
    """The agency code a branch's staff hold (auth.user_agencies): PERPUS-<kode_cabang>."""
    return unit_code("PERPUS", kode_cabang)


def acts_for_branch(principal: Principal, kode_cabang: str) -> bool:
    """The branch's own staff, the library agency's staff, admins (layers.access, the work-unit rule)."""
    return acts_for_unit(principal, branch_unit(kode_cabang), {AGENCY})


def check_branch_staff(principal: Principal, kode_cabang: str) -> None:
    if not acts_for_branch(principal, kode_cabang):
        raise NotAllowed(f"hanya petugas cabang {kode_cabang} atau Dinas Perpustakaan yang boleh melayani antrean ini")


def may_see_member(principal: Principal, user_id: int | None) -> bool:
    return can_see_library_member(principal, user_id, AGENCY)


def normalised_phone(raw: str) -> str | None:
    """An Indonesian mobile number as E.164 (+628…), None when empty; ServiceError when unreadable."""
    digits = re.sub(r"[\s.-]", "", raw or "")
    if not digits:
        return None
    if not PHONE.match(digits):
        raise ServiceError("telepon: nomor ponsel Indonesia, misalnya 0812 3456 7890")
    return "+62" + digits.removeprefix("+62").removeprefix("62").removeprefix("0")


def checked_email(raw: str) -> str | None:
    value = (raw or "").strip()
    if not value:
        return None
    if len(value) > 254 or not EMAIL.match(value):
        raise ServiceError("email: alamat e-mail tidak sah, misalnya nama@contoh.id")
    return value


def checked_name(raw: str) -> str:
    value = " ".join((raw or "").split())
    low, high = NAME_CHARS
    if not low <= len(value) <= high:
        raise ServiceError(f"nama: isi nama lengkap, {low} sampai {high} huruf")
    return value
