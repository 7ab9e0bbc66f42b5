"""The UMKM registration's own checks of the form's values (the engine's `form_rules`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from services.engine.said import Said

# Nomor Induk Berusaha from OSS-RBA: 13 digits.
NIB = re.compile(r"^[0-9]{13}$")
# A phone or WhatsApp number as Indonesians write it: 08..., 628... or +628..., 9-15 digits.
PUBLIC_PHONE = re.compile(r"^(\+62|62|0)8[0-9]{7,12}$")


def normalised_phone(raw: str) -> str:
    """The digits (and a leading +) of a phone number typed with spaces or dashes."""
    return re.sub(r"[\s().-]", "", raw)


def whatsapp_number(phone: str) -> str:
    """The number as wa.me wants it: country code, no plus, no leading zero."""
    digits = normalised_phone(phone).lstrip("+")
    return "62" + digits[1:] if digits.startswith("0") else digits


def registration_problems(values: Mapping[str, Any]) -> list[Said]:
    """An NIB that is not 13 digits, a public contact that is not a mobile number."""
    problems: list[Said] = []
    nib = values.get("nib")
    if nib and not NIB.match(nib):
        problems.append(Said("NIB: harus 13 angka (kosongkan bila belum punya)",
                             "NIB: must be 13 digits (leave it empty if you have none)"))
    contact = values.get("kontak_publik")
    if contact and not PUBLIC_PHONE.match(normalised_phone(contact)):
        problems.append(Said("WhatsApp/telepon usaha: tulis nomor HP seperti 0812 3456 7890",
                             "Public WhatsApp/phone: write a mobile number such as 0812 3456 7890"))
    return problems
