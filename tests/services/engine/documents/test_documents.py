"""Issued documents: unguessable codes with an HMAC check, the public verification, the PDF's QR code."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine

from services.engine import documents
from services.engine.documents import codes

PUBLIC_URL = "https://webgis.pemkomedan.go.id"


def _issue(engine: Engine, **overrides) -> documents.Document:
    values = {"service": "permits", "case_ref": "PBG-2026-0001", "kind": "permit",
              "title": {"id": "Persetujuan Bangunan Gedung", "en": "Building approval"},
              "holder_name": "Budi Santoso", "holder_ref": "user:42",
              "fields": {"Luas bangunan": "120 m²", "Alamat": "Jl. Gatot Subroto 12"}}
    with engine.begin() as conn:
        return documents.issue(conn, **{**values, **overrides})


def test_an_issued_document_verifies_with_its_holder_masked(pay_engine: Engine) -> None:
    doc = _issue(pay_engine, valid_until=date.today() + timedelta(days=365))
    assert len(doc.code) == 24 and doc.code.count("-") == 4
    found = documents.verify(pay_engine, doc.code)
    assert found.status == "valid" and found.holder_masked == "B*** S******"
    assert found.title["id"] == "Persetujuan Bangunan Gedung" and found.case_ref == "PBG-2026-0001"
    assert found.shown_fields == {}  # the fields (an address) are not public unless named
    # Typed by a person: lower case, no hyphens, O for 0 and I/L for 1.
    typed = doc.code.lower().replace("-", "").replace("0", "o").replace("1", "l")
    assert documents.verify(pay_engine, typed).code == doc.code


def test_a_forged_or_altered_code_fails_before_the_database(pay_engine: Engine) -> None:
    doc = _issue(pay_engine)
    first = doc.code[0]
    altered = ("A" if first != "A" else "B") + doc.code[1:]
    assert documents.verify(pay_engine, altered) is None
    assert documents.code_state(pay_engine, altered) == documents.FORGED
    made_up = "ABCD-EFGH-JKMN-PQRS-TVWX"
    assert documents.verify(pay_engine, made_up) is None and documents.code_state(pay_engine, made_up) == "forged"
    assert documents.code_state(pay_engine, "1") == documents.MALFORMED
    assert documents.code_state(pay_engine, "<script>alert(1)</script>") == documents.MALFORMED
    # Genuine-looking (the check holds) but never issued: unknown.
    with pay_engine.begin() as conn:
        never_issued = codes.new_code(codes.code_key(conn))
    assert documents.code_state(pay_engine, never_issued) == documents.UNKNOWN


def test_a_forgery_needs_the_key(pay_engine: Engine) -> None:
    """The check characters come from the database's key: the same body under another key fails."""
    doc = _issue(pay_engine)
    body = doc.code.replace("-", "")[:16]
    with pay_engine.begin() as conn:
        key = codes.code_key(conn)
    assert codes.is_genuine(doc.code, key)
    assert not codes.is_genuine(codes._grouped(body + codes._check(body, "guessed-key")), key)


def test_an_expired_and_a_revoked_document_say_so(pay_engine: Engine) -> None:
    expired = _issue(pay_engine, valid_until=date(2025, 1, 31))
    assert documents.verify(pay_engine, expired.code).status == "expired"
    revoked = _issue(pay_engine)
    with pay_engine.begin() as conn:
        documents.revoke(conn, revoked.code, reason="izin dicabut: bangunan tidak sesuai", actor="user:7")
    found = documents.verify(pay_engine, revoked.code)
    assert found.status == "revoked" and found.revoked_reason == "izin dicabut: bangunan tidak sesuai"
    with pytest.raises(documents.DocumentError, match="already revoked"), pay_engine.begin() as conn:
        documents.revoke(conn, revoked.code, reason="lagi", actor="user:7")


def test_bad_documents_are_not_issued(pay_engine: Engine) -> None:
    with pytest.raises(documents.DocumentError) as refused:
        _issue(pay_engine, title={"en": "only English"}, public_fields=("NIK",))
    assert "Bahasa Indonesia" in str(refused.value) and "NIK" in str(refused.value)


def test_the_pdf_qr_code_decodes_to_the_verification_url(pay_engine: Engine) -> None:
    pdfium = pytest.importorskip("pypdfium2")
    zxingcpp = pytest.importorskip("zxingcpp")
    doc = _issue(pay_engine)
    pdf = documents.pdf_bytes(pay_engine, doc.code, public_url=PUBLIC_URL)
    assert pdf.startswith(b"%PDF-")
    page = pdfium.PdfDocument(pdf)[0]
    image = page.render(scale=3).to_pil()
    decoded = [result.text for result in zxingcpp.read_barcodes(image)]
    assert decoded == [f"{PUBLIC_URL}/verifikasi/{doc.code}"]
    text = page.get_textpage().get_text_range()
    assert doc.code in text and "Budi Santoso" in text and "Jl. Gatot Subroto 12" in text
    assert text.index("Luas bangunan") < text.index("Alamat")  # the fields in the order given
    # The same PDF each time (rendered from the row, reportlab's invariant mode).
    assert documents.pdf_bytes(pay_engine, doc.code, public_url=PUBLIC_URL) == pdf


def test_the_qr_matrix_is_the_url_re_encoded(pay_engine: Engine) -> None:
    """Where no decoder is installed, the drawn matrix is checked against a fresh encoding of the URL."""
    import segno

    doc = _issue(pay_engine)
    url = documents.verification_url(PUBLIC_URL, doc.code)
    assert documents.qr_matrix(url) == tuple(tuple(r) for r in segno.make(url, error="m", micro=False).matrix)
    assert documents.qr_matrix(url) != documents.qr_matrix(url.replace(doc.code[:4], "ZZZZ"))
