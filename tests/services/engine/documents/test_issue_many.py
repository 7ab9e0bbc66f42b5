"""Issuing many documents in one statement (a year's SPPTs): all or none, each verifiable."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Engine, text

from services.engine import documents


def _item(case_ref: str, **changes: object) -> documents.ToIssue:
    values = {"service": "test", "case_ref": case_ref, "kind": "sppt", "title": {"id": "SPPT uji", "en": "Test bill"},
              "holder_name": "Siti Lubis", "holder_ref": "", "fields": {"NOP": case_ref, "Jumlah": "Rp 1"},
              "public_fields": ("NOP",)}
    values.update(changes)
    return documents.ToIssue(**values)  # type: ignore[arg-type]


def test_many_documents_are_issued_at_once_each_with_its_own_code(pay_engine: Engine) -> None:
    refs = [f"MANY-{uuid.uuid4().hex[:8]}" for _ in range(50)]
    with pay_engine.begin() as conn:
        codes = documents.issue_many(conn, [_item(ref) for ref in refs])
    assert len(set(codes)) == 50
    shown = documents.verify(pay_engine, codes[7])
    assert shown.case_ref == refs[7] and shown.shown_fields == {"NOP": refs[7]} and shown.holder_masked == "S*** L****"


def test_one_bad_item_issues_none(pay_engine: Engine) -> None:
    ref = f"NONE-{uuid.uuid4().hex[:8]}"
    with pay_engine.begin() as conn, pytest.raises(documents.DocumentError, match="item 3"):
        documents.issue_many(conn, [_item(ref), _item(ref), _item(ref, public_fields=("Nama",))])
    with pay_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM documents.documents WHERE case_ref = :r"),
                            {"r": ref}).scalar_one() == 0
