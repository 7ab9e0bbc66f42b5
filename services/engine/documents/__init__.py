"""Issued documents (issue 18): a permit, a tax bill (SPPT) or a receipt as a PDF with a QR code that
anyone can verify at /verifikasi/<code>. The contract is /work/notes/engine.md ("Documents").

    issue(conn, service=..., case_ref=..., kind=..., title=..., holder_name=..., holder_ref=..., fields=...)
    pdf_bytes(engine, code)      the PDF (served to the holder and staff only)
    verify(engine, code)         what the public page shows; None when the code names no document
    code_state(engine, code)     for such a code: malformed, forged (fails its HMAC check) or unknown
    revoke(conn, code, reason=..., actor=...)
    documents_for(conn, service=..., case_ref=...)
"""

from __future__ import annotations

from sqlalchemy import Engine

from config.settings import get_settings
from services.engine.documents.model import (
    FORGED,
    MALFORMED,
    UNKNOWN,
    Document,
    DocumentError,
    DocumentNotFound,
    Verification,
)
from services.engine.documents.pdf import qr_matrix, render_pdf, verification_url
from services.engine.documents.store import (
    ToIssue,
    code_state,
    document,
    documents_for,
    issue,
    issue_many,
    revoke,
    verify,
)


def find(engine: Engine, code: str) -> Document | None:
    """A document by its code, for a page (its own short transaction)."""
    with engine.connect() as conn:
        return document(conn, code)


def pdf_bytes(engine: Engine, code: str, *, public_url: str | None = None) -> bytes:
    """The document's PDF, its QR code holding `public_url`/verifikasi/<code> (the settings' public URL)."""
    with engine.connect() as conn:
        found = document(conn, code)
    if found is None:
        raise DocumentNotFound(f"no document {code}")
    return render_pdf(found, public_url or get_settings().web.public_base_url)


__all__ = ["FORGED", "MALFORMED", "UNKNOWN", "Document", "DocumentError", "DocumentNotFound", "ToIssue", "Verification",
           "code_state", "document", "documents_for", "find", "issue", "issue_many", "pdf_bytes", "qr_matrix", "revoke",
           "verification_url", "verify"]
