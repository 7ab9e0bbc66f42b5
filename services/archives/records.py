"""SIMAR: filing a record (with its file) against a feature, a case or a place; finding records by
words and by place; a record's file; the disposal list. Flask-free.

Who reaches which record is the arsip layer's row rule, its classification (layers/access.py, the one
place): public records for everyone, internal ones for every staff member, confidential ones only for
the creating agency's staff; admins all. A record attached to a feature or a case may be filed only by
someone who can see that feature or case. Files are checked by content like the engine's attachments
(a PDF or a photo) and stored under random names; the client's file name is never kept.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from config.settings import MEDAN_EXTENT
from layers.access import Principal, can_read, can_write, row_scope, row_visible, write_scope
from layers.errors import LayerError
from layers.features.write import insert_features
from layers.model import Text
from layers.registry import get_registry
from services.archives import queries
from services.archives.retention import retention_classes
from services.engine import attachments
from services.engine.model import Attachment
from services.errors import NotFound, ServiceError

WIB = ZoneInfo("Asia/Jakarta")
KINDS = ("surat", "keputusan", "izin", "laporan", "perjanjian", "lainnya")
CLASSIFICATIONS = ("publik", "internal", "rahasia")
FILE = Attachment(name="berkas", label=Text(id="Berkas naskah", en="Document file"), kinds=["pdf", "image"])
KODE_KEL = re.compile(r"^12\.71\.\d{2}\.\d{4}$")
MAX_RESULTS = 200


class ArchiveForbidden(ServiceError):
    status = 403
    code = "Forbidden"


@dataclass(frozen=True)
class NewRecord:
    nomor_naskah: str
    judul: str
    jenis: str
    tanggal: date
    agency: str
    klasifikasi: str
    kelas_retensi: str
    ringkasan: str = ""
    tautan_layer: str | None = None
    tautan_kunci: str | None = None
    case_ref: str | None = None
    lon: float | None = None
    lat: float | None = None
    kode_kel: str | None = None


def parse_new(form: Mapping[str, str]) -> NewRecord:
    """A record from a form's fields, every problem named at once (Bahasa Indonesia)."""
    problems: list[str] = []
    text = {k: (form.get(k) or "").strip() for k in ("nomor_naskah", "judul", "jenis", "tanggal", "agency",
                                                       "klasifikasi", "kelas_retensi", "ringkasan", "tautan_layer",
                                                       "tautan_kunci", "case_ref", "lon", "lat", "kode_kel")}
    for name in ("nomor_naskah", "judul", "agency"):
        if not text[name]:
            problems.append(f"{name}: wajib diisi")
    if text["jenis"] not in KINDS:
        problems.append(f"jenis: salah satu dari {', '.join(KINDS)}")
    if text["klasifikasi"] not in CLASSIFICATIONS:
        problems.append(f"klasifikasi: salah satu dari {', '.join(CLASSIFICATIONS)}")
    if text["kelas_retensi"] not in retention_classes():
        problems.append(f"kelas_retensi: salah satu dari {', '.join(retention_classes())}")
    try:
        dated = date.fromisoformat(text["tanggal"])
    except ValueError:
        problems.append("tanggal: format YYYY-MM-DD")
        dated = date.min
    lon, lat = _coordinates(text["lon"], text["lat"], problems)
    if text["kode_kel"] and not KODE_KEL.match(text["kode_kel"]):
        problems.append("kode_kel: kode kelurahan seperti 12.71.01.1001")
    if bool(text["tautan_layer"]) != bool(text["tautan_kunci"]):
        problems.append("tautan_layer dan tautan_kunci: isi keduanya (lapisan dan kunci objeknya)")
    if problems:
        raise ServiceError("; ".join(problems), problems=problems)
    return NewRecord(text["nomor_naskah"][:100], text["judul"][:300], text["jenis"], dated, text["agency"],
                     text["klasifikasi"], text["kelas_retensi"], text["ringkasan"][:8000],
                     text["tautan_layer"] or None, text["tautan_kunci"] or None, text["case_ref"] or None,
                     lon, lat, text["kode_kel"] or None)


def _coordinates(lon: str, lat: str, problems: list[str]) -> tuple[float | None, float | None]:
    if not lon and not lat:
        return None, None
    try:
        x, y = float(lon), float(lat)
    except ValueError:
        problems.append("lon/lat: angka derajat (WGS 84)")
        return None, None
    west, south, east, north = MEDAN_EXTENT
    if not (west <= x <= east and south <= y <= north):
        problems.append("lon/lat: titik di luar Kota Medan")
    return x, y


def _place_of_feature(conn: Any, principal: Principal, layer_id: str, key: str) -> tuple[float, float]:
    registry = get_registry()
    if layer_id not in registry.ids:
        raise ServiceError(f"tautan_layer: lapisan {layer_id[:63]!r} tidak ada")
    spec = registry.get(layer_id)
    row = conn.execute(queries.feature_point(spec.id, spec.key or "fid", key)).mappings().first() \
        if spec.key else None
    if row is None or not can_read(spec, principal) or not row_visible(spec, principal, row):
        raise NotFound(f"tautan_kunci: tidak ada objek {key[:100]!r} di lapisan {layer_id}")  # nor its existence
    return row["lon"], row["lat"]


def _place_of_case(conn: Any, principal: Principal, case_ref: str) -> tuple[float, float]:
    """The case's point in whichever engine case layer holds it (a layer with a workflow and case_ref)."""
    for spec in get_registry():
        if spec.workflow is None or spec.key != "case_ref":
            continue
        row = conn.execute(queries.feature_point(spec.id, "case_ref", case_ref)).mappings().first()
        if row is not None and can_read(spec, principal) and row_visible(spec, principal, row):
            return row["lon"], row["lat"]
    raise NotFound(f"case_ref: tidak ada perkara {case_ref[:32]!r} yang dapat Anda lihat")


def _place(conn: Any, principal: Principal, new: NewRecord) -> tuple[float, float]:
    if new.tautan_layer and new.tautan_kunci:
        return _place_of_feature(conn, principal, new.tautan_layer, new.tautan_kunci)
    if new.case_ref:
        return _place_of_case(conn, principal, new.case_ref)
    if new.lon is not None and new.lat is not None:
        return new.lon, new.lat
    if new.kode_kel:
        row = conn.execute(queries.kelurahan_point(new.kode_kel)).first()
        if row is None:
            raise ServiceError(f"kode_kel: kelurahan {new.kode_kel} tidak ada")
        return row.lon, row.lat
    raise ServiceError("lokasi: lampirkan ke objek peta (tautan_layer + tautan_kunci), perkara (case_ref), "
                       "titik (lon, lat) atau kelurahan (kode_kel)")


def file_record(engine: Engine, principal: Principal, new: NewRecord, data: bytes | None = None) -> str:
    """File a record (and its checked file); returns its code. Nothing is kept when anything is refused."""
    if not can_write(get_registry().get(queries.LAYER), principal):
        raise ArchiveForbidden("hanya petugas SKPD yang dapat mengarsipkan naskah")
    if data:
        problems = attachments.check_file(FILE, data)
        if problems:
            raise ServiceError("; ".join(problems), problems=list(problems))
    with engine.connect() as conn:
        lon, lat = _place(conn, principal, new)
        where = conn.execute(queries.kelurahan_at(lon, lat)).mappings().first() or {}
    stored = attachments.store({"berkas": data}) if data else {}
    code = f"ARS-{datetime.now(WIB):%Y}-{secrets.token_hex(4).upper()}"
    properties = {**{k: v for k, v in new.__dict__.items() if k not in ("lon", "lat", "kode_kel")},
                  "kode_arsip": code, "status_arsip": "aktif", "berkas_simpanan": stored.get("berkas"),
                  "jenis_berkas": attachments.kind_of(data) if data else None,
                  "kode_kel": where.get("kode_kel"), "nama_kel": where.get("nama_kel"), "nama_kec": where.get("nama_kec")}
    try:
        insert_features(engine, queries.LAYER, [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [float(lon), float(lat)]},
                                                 "properties": properties}],
                        actor=principal.actor, principal=principal, source="simar")
    except (LayerError, ServiceError):
        attachments.remove(stored)
        raise
    return code


def _row(row: Mapping[str, Any]) -> dict[str, Any]:
    found = {k: v for k, v in row.items() if k not in ("berkas_simpanan", "rank")}
    found["tanggal"] = row["tanggal"].isoformat()
    kelas = retention_classes().get(row["kelas_retensi"])
    if kelas is not None:
        found["retensi"] = {"aktif_sampai": kelas.active_until(row["tanggal"]).isoformat(),
                            "inaktif_sampai": kelas.retained_until(row["tanggal"]).isoformat(), "nasib": kelas.nasib}
    return found


def parse_bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    if not raw:
        return None
    try:
        west, south, east, north = (float(v) for v in raw.split(","))
    except ValueError:
        raise ServiceError("bbox: empat angka barat,selatan,timur,utara (derajat)") from None
    if west >= east or south >= north:
        raise ServiceError("bbox: barat < timur dan selatan < utara")
    return west, south, east, north


def search(engine: Engine, principal: Principal, *, words: str | None = None, bbox: str | None = None,
           kode_kel: str | None = None, jenis: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Records the principal may see, matching the words (full text), the box and the kelurahan."""
    if kode_kel and not KODE_KEL.match(kode_kel):
        raise ServiceError("kelurahan: kode kelurahan seperti 12.71.01.1001")
    if jenis and jenis not in KINDS:
        raise ServiceError(f"jenis: salah satu dari {', '.join(KINDS)}")
    words = (words or "").strip()[:200] or None
    scope = row_scope(get_registry().get(queries.LAYER), principal)
    place = queries.kelurahan_geometry(kode_kel).scalar_subquery() if kode_kel else None
    statement = queries.search(scope, words=words, bbox=parse_bbox(bbox), kelurahan_geom=place, jenis=jenis,
                               limit=max(1, min(limit, MAX_RESULTS)))
    with engine.connect() as conn:
        return [_row(r) for r in conn.execute(statement).mappings()]


def attached(engine: Engine, principal: Principal, *, layer: str | None = None, key: str | None = None,
             case_ref: str | None = None) -> list[dict[str, Any]]:
    """The records attached to one feature (layer + key) or one case, that the principal may see."""
    scope = row_scope(get_registry().get(queries.LAYER), principal)
    with engine.connect() as conn:
        return [_row(r) for r in conn.execute(queries.attached_to(scope, layer=layer, key=key, case_ref=case_ref)).mappings()]


def file_of(engine: Engine, principal: Principal, kode_arsip: str) -> tuple[Any, str]:
    """A record's stored file (path, MIME type), when the principal may see the record."""
    spec = get_registry().get(queries.LAYER)
    with engine.connect() as conn:
        row = conn.execute(queries.one(kode_arsip[:24])).mappings().first()
    if row is None or not row_visible(spec, principal, row) or not row["berkas_simpanan"]:
        raise NotFound(f"tidak ada berkas untuk arsip {kode_arsip[:24]!r}")
    return attachments.stored_path(row["berkas_simpanan"])


def disposal_list(engine: Engine, principal: Principal, today: date | None = None) -> list[dict[str, Any]]:
    """Records past their retention whose class ends in destruction or appraisal, for the archivist:
    the records the principal manages (its agencies'; an admin's: all)."""
    spec = get_registry().get(queries.LAYER)
    if not can_write(spec, principal):
        raise ArchiveForbidden("daftar usul musnah hanya untuk petugas arsip SKPD dan admin")
    today = today or datetime.now(WIB).date()
    classes = {code: (c.aktif + c.inaktif, c.nasib) for code, c in retention_classes().items()}
    statement = queries.disposal_candidates(write_scope(spec, principal), classes, today)
    with engine.connect() as conn:
        return [_row(r) for r in conn.execute(statement).mappings()]


def may_file(principal: Principal) -> bool:
    """Whether the principal may file records at all (the layer's writers: staff, admins)."""
    return can_write(get_registry().get(queries.LAYER), principal)
