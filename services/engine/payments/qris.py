"""A dynamic QRIS payload (EMVCo Merchant-Presented Mode, as Bank Indonesia's QRIS standard profiles it).

Every field is ID + two-digit length + value; the payload ends with tag 63, the CRC-16/CCITT-FALSE
of everything before it including "6304". A payer's banking app reads the amount (tag 54) and the
bill reference (tag 62, sub-tag 01) from it.
"""

from __future__ import annotations

MCC_GOVERNMENT_SERVICES = "9399"
CURRENCY_IDR = "360"


def _field(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValueError(f"QRIS field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def crc16_ccitt(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def qris_payload(*, acquirer_domain: str, merchant_id: str, nmid: str, merchant_name: str, city: str,
                 postal_code: str, amount: int, reference: str) -> str:
    """The payload string of a dynamic (one-bill) QRIS code for `amount` rupiah."""
    merchant_account = _field("00", acquirer_domain) + _field("02", merchant_id) + _field("03", "UMI")
    qris_domain = _field("00", "ID.CO.QRIS.WWW") + _field("02", nmid) + _field("03", "UMI")
    body = "".join([
        _field("00", "01"), _field("01", "12"),  # payload format 01; 12 = dynamic (one amount, one use)
        _field("26", merchant_account), _field("51", qris_domain),
        _field("52", MCC_GOVERNMENT_SERVICES), _field("53", CURRENCY_IDR), _field("54", str(amount)),
        _field("58", "ID"), _field("59", merchant_name[:25]), _field("60", city[:15]),
        _field("61", postal_code), _field("62", _field("01", reference[:25])),
    ]) + "6304"
    return body + f"{crc16_ccitt(body.encode()):04X}"


def parse_fields(payload: str) -> dict[str, str]:
    """The top-level fields of a payload (tag -> value), after checking its CRC."""
    if len(payload) < 8 or f"{crc16_ccitt(payload[:-4].encode()):04X}" != payload[-4:]:
        raise ValueError("QRIS payload CRC does not match")
    fields, i = {}, 0
    while i < len(payload):
        tag, size = payload[i:i + 2], int(payload[i + 2:i + 4])
        fields[tag] = payload[i + 4:i + 4 + size]
        i += 4 + size
    return fields
