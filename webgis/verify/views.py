"""/verifikasi/<code>: anyone checks an issued document; /dokumen/<code>.pdf: its PDF for the holder and staff.

A forged or altered code is refused by its HMAC check characters before the database is asked
(services/engine/documents/codes.py) and the page says so plainly; the holder's name is masked.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, request, url_for

from layers.access import can_read_issued_document
from services.engine import documents
from services.engine.documents.formats import long_date, wib
from webgis.accounts.principal import deny, principal_from_request
from webgis.citizen.common import lang, link_lang, page
from webgis.errors import NotFound
from webgis.verify.strings import KIND_NAMES, UI

blueprint = Blueprint("verify", __name__)


def _engine():  # noqa: ANN202
    return current_app.extensions["engine"]


def _page(status: int = 200, **context: object) -> Response:
    return page("verify/verify.html", status, extra_strings=UI, **context)


@blueprint.get("/verifikasi")
def verify_form() -> Response:
    typed = request.args.get("kode", "").strip()[:64]
    if typed:
        return redirect(url_for("verify.verify_page", code=typed, lang=link_lang()), code=303)
    return _page(found=None, problem=None, code="")


@blueprint.get("/verifikasi/<code>")
def verify_page(code: str) -> Response:
    found = documents.verify(_engine(), code)
    if found is None:
        return _page(status=404, found=None, problem=documents.code_state(_engine(), code), code=code[:64])
    chosen = lang()
    issued = documents.find(_engine(), found.code)
    may_download = issued is not None and can_read_issued_document(principal_from_request(), issued.holder_ref)
    kind = KIND_NAMES.get(found.kind, {}).get(chosen, found.kind)
    return _page(found=found, problem=None, code=found.code, kind=kind, may_download=may_download,
                 title=found.title.get(chosen) or found.title["id"],
                 issued=wib(found.issued_at), valid_until=long_date(found.valid_until) if found.valid_until else None,
                 revoked_at=wib(found.revoked_at) if found.revoked_at else None)


@blueprint.get("/dokumen/<code>.pdf")
def document_pdf(code: str) -> Response:
    principal = principal_from_request()
    if principal.is_anonymous:
        raise deny("the PDF of an issued document is for its holder and staff")
    found = documents.find(_engine(), code)
    if found is None:
        raise NotFound(f"no document {code[:64]}")
    if not can_read_issued_document(principal, found.holder_ref):
        raise deny("the PDF of an issued document is for its holder and staff only", document=found.code)
    public_url = current_app.config["SETTINGS"].web.public_base_url
    pdf = documents.pdf_bytes(_engine(), found.code, public_url=public_url)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{found.kind}-{found.code}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
