"""SIMPEG on the web: a staff member's own attendance and performance, the head of agency's page, public figures.

Who sees what is layers/access.py's (`can_see_staff_member`, `heads_agency`): a person's figures
for the person, the head of their agency and admins (anyone else: 404, as if there were no such
person); an agency's per-person page for its head and admins (others: 403); agency figures per
day for everyone, small groups suppressed. The views parse, call services/simpeg, serialise.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Blueprint, Response, jsonify, request

from layers.access import can_see_staff_member, heads_agency
from services.errors import NotFound
from services.simpeg import attendance, performance, staff
from services.simpeg.importer import ImportRefused, import_staff
from webgis.accounts.principal import deny, principal_from_request, require_roles
from webgis.citizen.common import engine, page
from webgis.errors import BadRequest, Unauthorized
from webgis.simpeg.strings import UI

blueprint = Blueprint("simpeg", __name__)


def _page(template: str, **context: Any) -> Response:
    return page(template, extra_strings=UI, **context)


def _person(nip: str) -> staff.Staff:
    """The staff member by NIP, when the asker may see them; 401 for the anonymous, else 404 as if absent."""
    principal = principal_from_request()
    if principal.user_id is None and not principal.is_admin:
        raise deny("individual staff figures are for the person, the head of their agency and admins")
    try:
        person = staff.by_nip(engine(), nip)
    except NotFound:
        person = None
    if person is None or not can_see_staff_member(principal, agency=person.agency, user_id=person.user_id):
        raise NotFound(f"tidak ada pegawai dengan NIP {nip} / no staff member with NIP {nip}")
    return person


def _own() -> staff.Staff:
    principal = principal_from_request()
    if principal.user_id is None:
        raise Unauthorized("masuk (login) dulu / log in first")
    person = staff.of_account(engine(), principal.user_id)
    if person is None:
        raise NotFound("akun Anda tidak tertaut ke data pegawai / your account is not tied to a staff record")
    return person


def _indicators(person: staff.Staff) -> dict[str, Any]:
    start, end = attendance.month_period(request.args.get("bulan", "").strip()[:7] or None)
    return performance.indicators(engine(), person, start, end)


def _person_page(person: staff.Staff) -> Response:
    figures = _indicators(person)
    return _page("simpeg/person.html", f=figures, month=figures["dari"][:7])


@blueprint.get("/simpeg/saya")
def own_page() -> Response:
    return _person_page(_own())


@blueprint.get("/simpeg/pegawai/<nip>")
def person_page(nip: str) -> Response:
    return _person_page(_person(nip))


@blueprint.get("/api/simpeg/pegawai/<nip>")
def person_api(nip: str) -> Response:
    """One person's attendance per day and performance for a month (`bulan` YYYY-MM, default this one)."""
    return jsonify(_indicators(_person(nip)))


def _head_of(agency: str) -> str:
    agency = agency.upper()
    if not heads_agency(principal_from_request(), agency):
        raise deny(f"only the head of {agency} and admins see its staff one by one")
    return agency


def _agency_view(agency: str) -> dict[str, Any]:
    start, end = attendance.month_period(request.args.get("bulan", "").strip()[:7] or None)
    day_text = request.args.get("tanggal", "").strip()[:10]
    day = attendance.period(day_text, day_text)[0] if day_text else min(end, datetime.now(attendance.WIB).date())
    return {"instansi": agency, "bulan": start.isoformat()[:7], "tanggal": day.isoformat(),
            "pegawai_hari_itu": attendance.agency_staff_days(engine(), agency, day),
            "per_hari": attendance.agency_figures(engine(), start, end, agency=agency, public=False)}


@blueprint.get("/simpeg/instansi/<agency>")
def agency_page(agency: str) -> Response:
    return _page("simpeg/agency.html", v=_agency_view(_head_of(agency)))


@blueprint.get("/api/simpeg/instansi/<agency>")
def agency_api(agency: str) -> Response:
    """The head's view: each staff member on one day (`tanggal`), the agency per day of a month (`bulan`)."""
    return jsonify(_agency_view(_head_of(agency)))


def _public_figures() -> tuple[date, date, list[dict[str, Any]]]:
    start, end = attendance.month_period(request.args.get("bulan", "").strip()[:7] or None)
    agency = request.args.get("instansi", "").strip().upper()[:20] or None
    return start, end, attendance.agency_figures(engine(), start, end, agency=agency, public=True)


@blueprint.get("/kehadiran")
def public_page() -> Response:
    start, _, rows = _public_figures()
    return _page("simpeg/public.html", rows=rows, month=start.isoformat()[:7])


@blueprint.get("/api/kehadiran")
def public_api() -> Response:
    """Agency figures per working day of a month (`bulan`), optionally one agency (`instansi`); no person."""
    start, end, rows = _public_figures()
    return jsonify({"dari": start.isoformat(), "sampai": end.isoformat(), "instansi": rows})


@blueprint.post("/api/simpeg/pegawai/impor")
@require_roles("admin")
def import_staff_api() -> Response | tuple[Response, int]:
    """Staff records from a CSV or XLSX file (multipart field `berkas`): all rows stored, or none with each
    bad row's problems (400 {"baris": {row: [problem, ...]}})."""
    upload = request.files.get("berkas")
    if upload is None or not upload.filename:
        raise BadRequest("kirim berkas CSV/XLSX di field 'berkas' / send the file in field 'berkas'")
    try:
        report = import_staff(engine(), upload.read(), upload.filename, actor=principal_from_request().actor)
    except ImportRefused as exc:
        return jsonify({"code": "InvalidParameterValue", "description": str(exc),
                        "baris": {str(row): found for row, found in exc.report.errors.items()}}), 400
    return jsonify({"baris": report.rows, "disimpan": report.stored})
