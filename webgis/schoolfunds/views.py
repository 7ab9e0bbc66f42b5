"""School funds (BOS and APBS, services/schoolfunds): public money is public.

Public: the map per kecamatan and each school's page (linked from the school's popup on /peta, the
`pages:` of the schools declaration) and their JSON. A school's treasurer (or DISDIK) enters a year's
figures on a form or imports a CSV/XLSX; a refusal says what was wrong per row and saves nothing.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, redirect, request, url_for

from services.schoolfunds import entries, imports, kecamatan
from services.schoolfunds.rules import RECEIVED, SPENT, BadEntries
from webgis.accounts.principal import audit_event, principal_from_request
from webgis.accounts.views import login_page
from webgis.citizen.common import engine, lang, link_lang, map_credits, page
from webgis.schoolfunds.strings import UI

blueprint = Blueprint("schoolfunds", __name__)


def _page(template: str, status: int = 200, **context: Any) -> Response:
    return page(template, status, extra_strings=UI, **context)


@blueprint.get("/dana-sekolah")
def map_page() -> Response:
    known = kecamatan.years(engine())
    year = kecamatan.check_year(request.args.get("tahun"), known) if known else None
    measure = request.args.get("ukuran", "bos_per_siswa")
    if measure not in kecamatan.MEASURES:
        raise kecamatan.BadQuery(f"ukuran {measure!r} tidak dikenal; pilih {', '.join(kecamatan.MEASURES)}")
    data = kecamatan.figures(engine(), year) if year else None
    return _page("schoolfunds/map.html", years=known, year=year, measure=measure, data=data,
                 credits=map_credits("kecamatan"))


@blueprint.get("/api/dana-sekolah/kecamatan")
def map_api() -> Response:
    """Per kecamatan for `tahun` (default the latest): BOS per pupil and share spent, as GeoJSON."""
    year = kecamatan.check_year(request.args.get("tahun"), kecamatan.years(engine()))
    return jsonify(kecamatan.figures(engine(), year))


@blueprint.get("/dana-sekolah/<npsn>")
def school_page(npsn: str) -> Response:
    funds = entries.school_funds(engine(), npsn, lang())  # NotFound answers 404
    return _page("schoolfunds/school.html", funds=funds, school=funds["sekolah"],
                 may_edit=entries.may_edit(principal_from_request(), npsn))


@blueprint.get("/api/dana-sekolah/sekolah/<npsn>")
def school_api(npsn: str) -> Response:
    return jsonify(entries.school_funds(engine(), npsn, lang()))


def _form_rows(npsn: str, year: str) -> list[dict[str, str]]:
    return [{"npsn": npsn, "tahun": year, "arah": direction, "kategori": code, "jumlah": request.form.get(f"{direction}_{code}", "").strip()}
            for direction, titles in (("penerimaan", RECEIVED), ("belanja", SPENT)) for code in titles
            if request.form.get(f"{direction}_{code}", "").strip()]


def _form(npsn: str, status: int = 200, **context: Any) -> Response:
    funds = entries.school_funds(engine(), npsn, lang())
    return _page("schoolfunds/form.html", status, school=funds["sekolah"], received=RECEIVED, spent=SPENT,
                 lang_code=lang(), **context)


@blueprint.route("/dana-sekolah/<npsn>/isi", methods=["GET", "POST"])
@login_page
def entry_form(npsn: str) -> Response:
    """A year's figures of one school, typed by its treasurer (or DISDIK); all saved or none."""
    principal = principal_from_request()
    entries.school_funds(engine(), npsn)  # 404 for no such school, before anything else
    if not entries.may_edit(principal, npsn):
        audit_event("access.denied", reason=f"not the treasurer of school {npsn}", method=request.method)
        return _form(npsn, 403, problems=[UI["not_treasurer"][lang()]], typed={}, denied=True)
    if request.method == "GET":
        year = request.args.get("tahun", "")
        funds = entries.school_funds(engine(), npsn)
        current = next((y for y in funds["tahun"] if str(y["tahun"]) == year), None)
        typed = {f"{d}_{x['kategori']}": x["jumlah"] for d in ("penerimaan", "belanja") for x in (current or {}).get(d, [])}
        typed.update({"tahun": year, "siswa": (current or {}).get("siswa") or ""})
        return _form(npsn, problems=[], typed=typed)
    year = request.form.get("tahun", "").strip()
    pupils = request.form.get("siswa", "").strip()
    try:
        if pupils and not (pupils.isdigit() and year.isdigit()):
            raise BadEntries([f"jumlah siswa harus bilangan bulat, bukan {pupils!r}"])
        entries.save(engine(), _form_rows(npsn, year), principal, via="formulir",
                     students={(npsn, int(year)): int(pupils)} if pupils else None)
    except BadEntries as exc:
        return _form(npsn, 400, problems=exc.problems, typed=dict(request.form))
    return redirect(url_for("schoolfunds.school_page", npsn=npsn, lang=link_lang(), saved=1), code=303)


@blueprint.route("/dana-sekolah/impor", methods=["GET", "POST"])
@login_page
def import_page() -> Response:
    """Import a CSV/XLSX (columns npsn, tahun, arah, kategori, jumlah): the whole file or nothing."""
    if request.method == "GET":
        return _page("schoolfunds/import.html", problems=[], saved=None)
    upload = request.files.get("berkas")
    if upload is None or not upload.filename:
        return _page("schoolfunds/import.html", 400, problems=[UI["choose_file"][lang()]], saved=None)
    try:
        saved = imports.import_file(engine(), upload.filename, upload.read(imports.MAX_BYTES + 1),
                                    principal_from_request())
    except BadEntries as exc:
        return _page("schoolfunds/import.html", 400, problems=exc.problems, saved=None)
    except entries.NotAllowed as exc:
        return _page("schoolfunds/import.html", 403, problems=str(exc).split("; "), saved=None)
    return _page("schoolfunds/import.html", problems=[], saved=saved)
