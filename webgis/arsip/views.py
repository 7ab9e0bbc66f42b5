"""/arsip: SIMAR records found by words and by place (phone first), their JSON, filing a record with
its file (staff), a record's file, the records of a feature or case, and the disposal list.

Which records a caller reaches is the arsip layer's classification rule (layers.access, through
services/archives/records.py); these views only parse and serialise.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, jsonify, request, send_file

from services.archives import records
from services.archives.retention import retention_classes
from webgis.accounts.principal import audit_event, deny, principal_from_request
from webgis.arsip.strings import UI
from webgis.citizen.common import engine, map_credits, page

blueprint = Blueprint("arsip", __name__)


def _search() -> list[dict]:
    args = request.args
    return records.search(engine(), principal_from_request(), words=args.get("q"), bbox=args.get("bbox"),
                          kode_kel=args.get("kelurahan") or None, jenis=args.get("jenis") or None)


def _geojson(found: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": r["kode_arsip"], "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
         "properties": {k: v for k, v in r.items() if k not in ("lon", "lat")}} for r in found]}


@blueprint.get("/arsip")
def archive_page() -> Response:
    try:
        found, error, status = _search(), None, 200
    except records.ServiceError as exc:
        found, error, status = [], str(exc), 400
    return page("arsip/index.html", status=status, extra_strings=UI, found=found, error=error,
                args=request.args, kinds=records.KINDS, geojson=json.dumps(_geojson(found), default=str),
                credits=map_credits("arsip"))


@blueprint.get("/api/arsip")
def search_api() -> Response:
    """Records the caller may see: `q` (full text), `bbox`, `kelurahan`, `jenis`; GeoJSON."""
    return jsonify(_geojson(_search()))


@blueprint.post("/api/arsip")
def file_api() -> tuple[Response, int]:
    """File a record: multipart fields (see records.parse_new) and an optional `berkas` (PDF or photo)."""
    principal = principal_from_request()
    if not records.may_file(principal):
        raise deny("filing a record needs a staff account of the creating agency")
    upload = request.files.get("berkas")
    new = records.parse_new(request.form)
    code = records.file_record(engine(), principal, new, upload.read() if upload else None)
    audit_event("archive.filed", kode_arsip=code, agency=new.agency, klasifikasi=new.klasifikasi)
    return jsonify({"kode_arsip": code}), 201


@blueprint.get("/api/arsip/<kode_arsip>/berkas")
def file_download(kode_arsip: str) -> Response:
    """The record's file, to those who may see the record (404 otherwise: its existence is not confirmed)."""
    path, mimetype = records.file_of(engine(), principal_from_request(), kode_arsip)
    response = send_file(path, mimetype=mimetype, download_name=f"{kode_arsip}{'.pdf' if mimetype.endswith('pdf') else ''}")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blueprint.get("/api/arsip/lampiran")
def attached_api() -> Response:
    """The records of one feature (`lapisan` + `kunci`) or one case (`perkara`) the caller may see."""
    args = request.args
    if not (args.get("perkara") or (args.get("lapisan") and args.get("kunci"))):
        raise records.ServiceError("lapisan dan kunci, atau perkara: sebutkan objek atau perkaranya")
    found = records.attached(engine(), principal_from_request(), layer=args.get("lapisan"), key=args.get("kunci"),
                             case_ref=args.get("perkara"))
    return jsonify(_geojson(found))


@blueprint.get("/api/arsip/penyusutan")
def disposal_api() -> Response:
    """The records past retention (destroy or appraise) of the caller's agencies: the archivist's list."""
    principal = principal_from_request()
    if not records.may_file(principal):
        raise deny("the disposal list is for the agencies' records staff and admins")
    found = records.disposal_list(engine(), principal)
    return jsonify({"kelas_retensi": {k: c.model_dump() for k, c in retention_classes().items()},
                    "records": found})
