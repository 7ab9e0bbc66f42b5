"""Issue, find, verify and revoke documents (documents.documents); the PDF is rendered from the row."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class ToIssue:
    """One document to issue: what `issue` takes, as a value (for issuing many at once)."""

    service: str
    case_ref: str
    kind: str
    title: dict[str, str]
    holder_name: str
    holder_ref: str
    fields: dict[str, str]
    valid_until: date | None = None
    public_fields: Sequence[str] = ()


def _problems(item: ToIssue) -> list[str]:
    problems = []
    if not item.title.get("id"):
        problems.append("title needs its Bahasa Indonesia text (key 'id')")
    if not item.service or not item.case_ref or not item.kind:
        problems.append("service, case_ref and kind are required")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in item.fields.items()):
        problems.append("fields are text: {label: value}")
    unknown = [name for name in item.public_fields if name not in item.fields]
    if unknown:
        problems.append(f"public_fields names fields that are not given: {', '.join(unknown)}")
    return problems


_INSERT = text(
    "INSERT INTO documents.documents (code, service, case_ref, kind, title, holder_name, holder_ref, fields, "
    "valid_until, public_fields, issued_at) VALUES (:code, :service, :case_ref, :kind, CAST(:title AS jsonb), "
    ":holder_name, :holder_ref, CAST(:fields AS json), :valid_until, :public_fields, :now)")


def issue(conn: Connection, *, service: str, case_ref: str, kind: str, title: dict[str, str],
          holder_name: str, holder_ref: str, fields: dict[str, str], valid_until: date | None = None,
          public_fields: Sequence[str] = ()) -> Document:
    """Issue a document in the caller's transaction. `public_fields` names the fields the public
    verification page shows besides what, to whom (masked) and when (e.g. a receipt's amount)."""
    code = issue_many(conn, [ToIssue(service, case_ref, kind, title, holder_name, holder_ref, fields, valid_until,
                                     tuple(public_fields))])[0]
    found = document(conn, code)
    assert found is not None
    return found


def issue_many(conn: Connection, items: Sequence[ToIssue]) -> list[str]:
    """Issue documents in the caller's transaction, in one statement; their codes, in order.

    Every item is checked before any is written: one bad item issues none (a year's SPPTs are
    issued in batches with this, not one round trip each).
    """
    for number, item in enumerate(items):
        problems = _problems(item)
        if problems:
            raise DocumentError(f"the document{'s were' if len(items) > 1 else ' was'} not issued"
                                + (f" (item {number + 1})" if len(items) > 1 else ""), problems)
    if not items:
        return []
    key, now = code_key(conn), datetime.now(UTC)
    rows = [{"code": new_code(key), "service": item.service, "case_ref": item.case_ref, "kind": item.kind,
             "title": json.dumps(item.title), "holder_name": item.holder_name, "holder_ref": item.holder_ref,
             "fields": json.dumps(item.fields), "valid_until": item.valid_until,
             "public_fields": list(item.public_fields), "now": now} for item in items]
    conn.execute(_INSERT, rows)
    return [row["code"] for row in rows]


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
