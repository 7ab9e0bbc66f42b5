"""The one door to the engine's other rooms: notifications, payments and documents.

The engine reaches services.engine.notify, .payments and .documents only through here.
All three are in the tree; each is imported when first needed, and a deployment that
leaves one out (say, no payments) still runs: the call then does nothing and returns
None, while a package that is present but broken raises. Every call is made inside the
caller's transaction (the outbox pattern): a case step, its bill, its document and its
notices commit or roll back together.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import date, timedelta
from types import ModuleType
from typing import Any

from sqlalchemy import Connection


def _optional(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and name.startswith(exc.name):
            return None  # the package is not in this tree
        raise  # present but broken: say so, do not hide it


def notify_module() -> ModuleType | None:
    return _optional("services.engine.notify")


def payments_module() -> ModuleType | None:
    return _optional("services.engine.payments")


def documents_module() -> ModuleType | None:
    return _optional("services.engine.documents")


def available() -> dict[str, bool]:
    """Which of the other rooms this tree has (shown by the CLI and in the report)."""
    return {"notify": notify_module() is not None, "payments": payments_module() is not None,
            "documents": documents_module() is not None}


def notify(conn: Connection, *, recipient: str | None, subject: str, body: str, dedupe_key: str,
           origin: str) -> int | None:
    """Queue an e-mail to the applicant (nothing without a recipient or without the notify package)."""
    module = notify_module()
    if module is None or not recipient:
        return None
    return module.enqueue(conn, channel="email", recipient=recipient, subject=subject, body=body,
                          dedupe_key=dedupe_key, origin=origin)


def open_bill(conn: Connection, *, service: str, case_ref: str, amount: int, description: str,
              payer_ref: str, expires_in: timedelta) -> Any | None:
    module = payments_module()
    if module is None:
        return None
    return module.open_bill(conn, service=service, case_ref=case_ref, amount=amount, description=description,
                            payer_ref=payer_ref, expires_in=expires_in)


def bills_for(conn: Connection, *, service: str, case_ref: str) -> list[Any]:
    module = payments_module()
    return [] if module is None else list(module.bills_for(conn, service=service, case_ref=case_ref))


def on_paid(handler: Callable[[Connection, Any], None]) -> bool:
    """Register the engine's handler of paid bills; False when there is no payments package."""
    module = payments_module()
    if module is None:
        return False
    module.on_paid(handler)
    return True


def issue_document(conn: Connection, *, service: str, case_ref: str, kind: str, title: dict[str, str],
                   holder_name: str, holder_ref: str, fields: dict[str, str],
                   valid_until: date | None) -> Any | None:
    module = documents_module()
    if module is None:
        return None
    return module.issue(conn, service=service, case_ref=case_ref, kind=kind, title=title, holder_name=holder_name,
                        holder_ref=holder_ref, fields=fields, valid_until=valid_until)


def documents_for(conn: Connection, *, service: str, case_ref: str) -> list[Any]:
    module = documents_module()
    return [] if module is None else list(module.documents_for(conn, service=service, case_ref=case_ref))
