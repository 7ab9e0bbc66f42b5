"""Helpers of the civil registration tests: a kelurahan to live in, a coherent birth, files."""

from __future__ import annotations

import io
from typing import Any

from sqlalchemy import Connection, text

from tests.helpers.permits import PDF, jpeg

AGENCY = "DISDUKCAPIL"
MOTHER_NIK = "1271014505900001"  # Medan, a woman born 5 May 1990


def a_kelurahan(conn: Connection) -> dict[str, str]:
    """A kelurahan whose name no other kelurahan's name contains (an address naming it is unambiguous)."""
    row = conn.execute(text("""
        SELECT k.kode_kel, k.nama_kel, k.nama_kec FROM layers.kelurahan k
        WHERE NOT EXISTS (SELECT 1 FROM layers.kelurahan o WHERE o.kode_kel <> k.kode_kel
                          AND (position(lower(k.nama_kel) IN lower(o.nama_kel)) > 0
                               OR position(lower(o.nama_kel) IN lower(k.nama_kel)) > 0))
        ORDER BY k.kode_kel LIMIT 1""")).mappings().one()
    return dict(row)


def birth_fields(kelurahan: dict[str, str], **overrides: Any) -> dict[str, Any]:
    fields = {"nama_pemohon": "Rina Wati", "nik_pemohon": MOTHER_NIK, "telp_pemohon": "0812 1111 2222",
              "email_pemohon": "rina@example.org", "hubungan": "ibu",
              "address": f"Jl. Melati No. 7, Kelurahan {kelurahan['nama_kel']}, Kecamatan {kelurahan['nama_kec']}",
              "nama_subjek": "Bintang Ramadhan", "jenis_kelamin": "L", "tempat_lahir": "Medan",
              "tanggal_lahir": "2026-11-20", "nama_ibu": "Rina Wati", "nik_ibu": MOTHER_NIK,
              "nama_ayah": "Joko Susilo"}
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def birth_files() -> dict[str, tuple[io.BytesIO, str]]:
    return {"surat_lahir": (io.BytesIO(PDF), "surat-lahir.pdf"), "kartu_keluarga": (io.BytesIO(jpeg()), "kk.jpg")}
