"""Accepting a hospital's bed report: checked whole, then written in one transaction with its history.

The same function serves the hospital's API (with its token), staff on the form and the seed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine

from layers.access import Principal, acts_for_unit, unit_code
from services.errors import ServiceError
from services.sirs import queries, tokens
from services.sirs.rules import BedLine, check_report

SOURCE_REPORTED = "dilaporkan"  # a hospital's own figure (the seed's are "synthetic")


def write_report(conn: Connection, kode_faskes: str, lines: list[BedLine], *, actor: str, via: str,
                 at: datetime | None = None, source: str = SOURCE_REPORTED) -> datetime:
    """Write checked lines as the hospital's latest state and into its history (caller's transaction)."""
    at = at or datetime.now(UTC)
    for line in lines:
        values = {"kode": kode_faskes, "kelas": line.kelas, "kapasitas": line.kapasitas,
                  "tersedia": line.tersedia, "at": at, "actor": actor, "via": via, "source": source}
        conn.execute(queries.upsert_bed(), values)
        conn.execute(queries.insert_report(), values)
    return at


def submit(engine: Engine, kode_faskes: str, raw_lines: Any, *, authorise: Callable[[Connection], str],
           via: str) -> dict[str, Any]:
    """Check the report, check who sends it (`authorise(conn)` returns the actor or raises), write it.

    The order matters for what a refusal reveals: an unknown hospital is 404 to everyone, then the
    sender (401/403), then the content (400); a refusal at any step writes nothing."""
    with engine.begin() as conn:
        tokens.require_hospital(conn, kode_faskes)
        actor = authorise(conn)
        lines = check_report(raw_lines)
        at = write_report(conn, kode_faskes, lines, actor=actor, via=via)
    return {"kode_faskes": kode_faskes, "dilaporkan_pada": at.isoformat(),
            "tempat_tidur": [{"kelas": x.kelas, "kapasitas": x.kapasitas, "tersedia": x.tersedia} for x in lines]}


def by_token(engine: Engine, kode_faskes: str, raw_lines: Any, secret: str | None) -> dict[str, Any]:
    """A report through the hospital's API with its own token."""
    return submit(engine, kode_faskes, raw_lines, via="api",
                  authorise=lambda conn: tokens.authorise(conn, secret, kode_faskes))


class NotAllowed(ServiceError):
    """A staff member who does not act for this hospital (403)."""

    status = 403
    code = "Forbidden"


OVERSEERS = frozenset({"DINKES"})  # the health office may report for any hospital of the city


def by_staff(engine: Engine, kode_faskes: str, raw_lines: Any, principal: Principal) -> dict[str, Any]:
    """A report typed on the form by staff of that hospital (`RS-<kode_faskes>`), of DINKES, or an admin."""

    def authorise(_conn: Connection) -> str:
        if not acts_for_unit(principal, unit_code("RS", kode_faskes), OVERSEERS):
            raise NotAllowed(f"{principal.actor} tidak melapor untuk rumah sakit {kode_faskes}")
        return principal.actor

    return submit(engine, kode_faskes, raw_lines, authorise=authorise, via="form")


def may_report(principal: Principal, kode_faskes: str) -> bool:
    return acts_for_unit(principal, unit_code("RS", kode_faskes), OVERSEERS)
