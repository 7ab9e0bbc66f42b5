"""Issue, find, verify and revoke documents (documents.documents); the PDF is rendered from the row."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import Connection, Engine, text

from services.engine.documents.codes import code_key, is_genuine, new_code, normalise
from services.engine.documents.formats import mask_name, today_wib
from services.engine.documents.model import (
    FORGED,
    MALFORMED,
    UNKNOWN,
    Document,
    DocumentError,
    DocumentNotFound,
    Verification,
)

COLUMNS = ("code, service, case_ref, kind, title, holder_name, holder_ref, fields, issued_at, valid_until, "
           "revoked_at, revoked_by, revoked_reason, public_fields")


def _document(row: object) -> Document:
    values = dict(row._mapping)  # type: ignore[attr-defined]
    values["public_fields"] = tuple(values["public_fields"] or ())
    return Document(**values)


def issue(conn: Connection, *, service: str, case_ref: str, kind: str, title: dict[str, str],
          holder_name: str, holder_ref: str, fields: dict[str, str], valid_until: date | None = None,
          public_fields: Sequence[str] = ()) -> Document:
    """Issue a document in the caller's transaction. `public_fields` names the fields the public
    verification page shows besides what, to whom (masked) and when (e.g. a receipt's amount)."""
    problems = []
    if not title.get("id"):
        problems.append("title needs its Bahasa Indonesia text (key 'id')")
    if not service or not case_ref or not kind:
        problems.append("service, case_ref and kind are required")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in fields.items()):
        problems.append("fields are text: {label: value}")
    unknown = [name for name in public_fields if name not in fields]
    if unknown:
        problems.append(f"public_fields names fields that are not given: {', '.join(unknown)}")
    if problems:
        raise DocumentError("the document was not issued", problems)
    code = new_code(code_key(conn))
    row = conn.execute(text(
        f"INSERT INTO documents.documents (code, service, case_ref, kind, title, holder_name, holder_ref, fields, "  # noqa: S608
        f"valid_until, public_fields, issued_at) VALUES (:code, :service, :case_ref, :kind, CAST(:title AS jsonb), "
        f":holder_name, :holder_ref, CAST(:fields AS json), :valid_until, :public_fields, :now) RETURNING {COLUMNS}"),
        {"code": code, "service": service, "case_ref": case_ref, "kind": kind, "title": json.dumps(title),
         "holder_name": holder_name, "holder_ref": holder_ref, "fields": json.dumps(fields),
         "valid_until": valid_until, "public_fields": list(public_fields), "now": datetime.now(UTC)}).one()
    return _document(row)


def document(conn: Connection, code: str) -> Document | None:
    canonical = normalise(code)
    if canonical is None:
        return None
    row = conn.execute(text(f"SELECT {COLUMNS} FROM documents.documents WHERE code = :c"),  # noqa: S608
                       {"c": canonical}).first()
    return _document(row) if row else None


def documents_for(conn: Connection, *, service: str, case_ref: str) -> list[Document]:
    rows = conn.execute(text(f"SELECT {COLUMNS} FROM documents.documents "  # noqa: S608
                             "WHERE service = :s AND case_ref = :c ORDER BY issued_at, code"),
                        {"s": service, "c": case_ref})
    return [_document(row) for row in rows]


def revoke(conn: Connection, code: str, *, reason: str, actor: str) -> None:
    """Revoke a document (a permit withdrawn, a bill replaced): its page says so, with the reason."""
    if not reason.strip():
        raise DocumentError("a revocation needs its reason")
    found = conn.execute(text("SELECT revoked_at FROM documents.documents WHERE code = :c FOR UPDATE"),
                         {"c": normalise(code) or ""}).first()
    if found is None:
        raise DocumentNotFound(f"no document {code}")
    if found.revoked_at is not None:
        raise DocumentError(f"document {code} is already revoked")
    conn.execute(text("UPDATE documents.documents SET revoked_at = now(), revoked_by = :a, revoked_reason = :r "
                      "WHERE code = :c"), {"a": actor, "r": reason.strip(), "c": normalise(code)})


def code_state(engine: Engine, code: str) -> str:
    """Why a code names no document: malformed (not a code), forged (check characters wrong: refused
    before the database is asked for it), unknown (well-formed and genuine-looking, but not issued)."""
    canonical = normalise(code)
    if canonical is None:
        return MALFORMED
    with engine.begin() as conn:
        if not is_genuine(canonical, code_key(conn)):
            return FORGED
    return UNKNOWN


def verify(engine: Engine, code: str, *, today: date | None = None) -> Verification | None:
    """What the public may know of a document; None when the code names none (see code_state)."""
    canonical = normalise(code)
    if canonical is None:
        return None
    with engine.begin() as conn:
        if not is_genuine(canonical, code_key(conn)):
            return None
        found = document(conn, canonical)
    if found is None:
        return None
    today = today or today_wib()
    if found.revoked_at is not None:
        status = "revoked"
    elif found.valid_until is not None and found.valid_until < today:
        status = "expired"
    else:
        status = "valid"
    return Verification(
        code=found.code, kind=found.kind, title=found.title, service=found.service, case_ref=found.case_ref,
        holder_masked=mask_name(found.holder_name), issued_at=found.issued_at, valid_until=found.valid_until,
        status=status, revoked_at=found.revoked_at, revoked_reason=found.revoked_reason,
        shown_fields={name: found.fields[name] for name in found.public_fields if name in found.fields})
