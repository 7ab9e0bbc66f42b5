"""A project's life: planned by its agency, moved a stage on, its progress reported; one transaction each.

Built on the service engine (services/engine): the project is a case of the declared service `proyek`
(declaration.yaml) in the `projects` layer, so every version is kept in core.feature_history, every stage
change is an engine event (engine.case_events) and the public register (`projects_public`) is derived by
the database in the same transaction. Who may act: staff of the project's agency (the layer's row rule,
layers/access.py: a project of another agency does not exist for them, 404) and admins; the declaration
names the roles per step. Everything that can be checked is checked before a write; a refused step
changes nothing and says why in Bahasa Indonesia and English (services/engine/said.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shapely.errors import GEOSException
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection

from layers import insert_features, update_feature
from layers.access import Principal, row_visible
from layers.registry import get_registry
from layers.tables import Bind, transaction
from services.engine import forms, media, steps
from services.engine import queries as engine_queries
from services.engine.cases import STAFF_ROLES, _event, new_case_ref, now_utc, service_spec
from services.engine.model import FormField, ServiceSpec
from services.engine.said import CaseNotFound, Forbidden, FormRejected, Said, TransitionNotAllowed
from services.projects import queries, rules

SERVICE = "proyek"
WIB = ZoneInfo("Asia/Jakarta")
REPORT_RADIUS_M = 1000.0  # a progress report made from the map is placed at the works, not across town
# What each stage asks of staff when a project enters it (properties of the `projects` layer).
STAGE_FIELDS: dict[str, tuple[str, ...]] = {
    "procurement": ("kode_rup", "metode", "jadwal_mulai", "jadwal_selesai"),
    "tender": ("kode_rup", "jumlah_paket"),
    "construction": ("jumlah_paket", "jumlah_peserta", "penyedia", "nomor_kontrak", "nilai_kontrak"),
    "done": ("kib_aset", "tanggal_serah_terima"),
    "cancelled": (),
}


@dataclass(frozen=True)
class ProgressReport:
    """One progress report as staff send it from the map: values as typed or as form text."""

    physical: Any
    financial: Any
    on: Any = None  # the date the progress is as of (default: today in Medan)
    note: str | None = None
    correction: bool = False
    photo: bytes | None = None
    lon: Any = None
    lat: Any = None


def today_wib(now: datetime | None = None) -> date:
    return (now or now_utc()).astimezone(WIB).date()


def staff_of(principal: Principal, agency: str) -> None:
    if not principal.has_any(STAFF_ROLES):
        raise Forbidden(Said("hanya petugas SKPD yang boleh mengelola proyek", "only agency staff manage projects"))
    if not principal.is_admin and agency not in principal.agencies:
        raise Forbidden(Said(f"proyek SKPD {agency} hanya dikelola petugas {agency}",
                             f"projects of {agency} are managed by {agency} staff only"))


def typed_fields(names: tuple[str, ...] | list[str], raw: Mapping[str, Any], *,
                 required: tuple[str, ...] = ()) -> tuple[dict[str, Any], list[Said]]:
    """`raw` checked against the `projects` layer's declaration (type, allowed values, limits); a key that is
    not one of `names` is refused, so a step cannot slip in another stage's values."""
    layer = get_registry().get("projects")
    problems = [Said(f"{key}: bukan isian langkah ini", f"{key}: not a field of this step")
                for key in raw if key not in names]
    values: dict[str, Any] = {}
    for name in names:
        prop = layer.prop(name)
        field = FormField(name=name, label=prop.title, required=name in required)
        value, wrong = forms.check_field(field, prop, raw.get(name))
        problems += wrong
        if value is not None and not wrong:
            values[name] = value
    return values, problems


# ---------------------------------------------------------------- plan

def plan_project(bind: Bind, raw: Mapping[str, Any], *, lon: Any, lat: Any, agency: str, principal: Principal,
                 now: datetime | None = None, case_ref: str | None = None, source: str = "staff") -> str:
    """A new project on an APBD budget line, in the stage `planned`; returns its code. FormRejected (nothing
    written) when a value is wrong, the point lies outside Medan, or the budget line has a project already."""
    spec = service_spec(SERVICE)
    staff_of(principal, agency)
    with transaction(bind, principal.actor) as conn:
        return plan_within(conn, spec, raw, lon=lon, lat=lat, agency=agency, actor=principal.actor,
                           now=now or now_utc(), case_ref=case_ref, source=source)


def plan_within(conn: Connection, spec: ServiceSpec, raw: Mapping[str, Any], *, lon: Any, lat: Any, agency: str,
                actor: str, now: datetime, case_ref: str | None = None, source: str = "staff") -> str:
    """plan_project inside the caller's transaction (the importer plans every row of a file in one)."""
    values, problems = forms.check_fields(spec, get_registry().get("projects"), raw)
    geometry, where = forms.check_point(lon, lat)
    problems += where
    place = None
    if geometry is not None:
        place = conn.execute(engine_queries.select_place(), {"geometry": json.dumps(geometry)}).mappings().one()
        if place["kode_kel"] is None:
            problems.append(Said("lokasi: berada di luar Kota Medan", "location: outside Kota Medan"))
    if not problems and conn.execute(queries.budget_line_cases(), {"tahun": values["tahun_anggaran"],
                                                                  "kode": values["kode_rekening"]}).first():
        problems.append(Said(f"kode rekening {values['kode_rekening']} tahun {values['tahun_anggaran']} sudah "
                             "punya proyek", f"budget line {values['kode_rekening']} of "
                             f"{values['tahun_anggaran']} already has a project"))
    if problems:
        raise FormRejected(Said(f"proyek belum dapat dicatat: {len(problems)} hal perlu diperbaiki",
                                f"the project cannot be recorded yet: {len(problems)} problem(s)"), problems)
    ref = case_ref or new_case_ref(spec)
    properties = {**values, "case_ref": ref, "service": spec.id, "status": spec.initial, "agency": agency,
                  "submitted_at": now, "state_since": now, "due_at": now + timedelta(days=spec.state(spec.initial).due_days),
                  "kode_kel": place["kode_kel"], "nama_kel": place["nama_kel"], "nama_kec": place["nama_kec"],
                  "kib_aset": rules.KIB_OF_KIND[values["jenis"]]}
    insert_features(conn, "projects", [{"type": "Feature", "geometry": geometry, "properties": properties}],
                    actor=actor, source=source)
    _event(conn, spec, ref, now, actor, "submitted", to_state=spec.initial, public=True)
    return ref


# ---------------------------------------------------------------- stages

def advance(bind: Bind, case_ref: str, to: str, raw: Mapping[str, Any], principal: Principal, *,
            note: str | None = None, now: datetime | None = None) -> str:
    """Move a project to the stage `to` with the values that stage needs (STAGE_FIELDS); returns the stage it
    left. Entering `done` hands the works over to SIMBADA as an asset in the same transaction."""
    with transaction(bind, principal.actor) as conn:
        return advance_within(conn, case_ref, to, raw, principal, note=note, now=now or now_utc())


def advance_within(conn: Connection, case_ref: str, to: str, raw: Mapping[str, Any], principal: Principal, *,
                   note: str | None, now: datetime) -> str:
    """advance() inside the caller's transaction (the SiRUP importer moves every row of a file in one)."""
    spec = service_spec(SERVICE)
    row = steps.locked_case(conn, SERVICE, case_ref, principal)
    allowed = spec.transition(row["status"], to)
    if allowed is None:
        targets = ", ".join(t.to for t in spec.transitions_from(row["status"])) or "tidak ada (tahap akhir)"
        raise TransitionNotAllowed(Said(f"proyek pada tahap {row['status']} tidak dapat menjadi {to}; yang "
                                        f"mungkin: {targets}", f"a project in {row['status']} cannot become "
                                        f"{to}; possible: {targets}"))
    if not principal.has_any(allowed.roles):
        raise Forbidden(Said(f"langkah {row['status']} → {to} hanya untuk peran {', '.join(allowed.roles)}",
                             f"the step {row['status']} -> {to} is for {', '.join(allowed.roles)} only"))
    raw = dict(raw)
    as_built, problems = _as_built(raw.pop("geometri", None)) if to == "done" else (None, [])
    values, wrong = typed_fields(STAGE_FIELDS.get(to, ()), raw)
    problems += wrong
    text = (note or "").strip() or None
    if allowed.note_required and not text:
        problems.append(Said("catatan: tuliskan alasannya", "note: say why"))
    extra = _entering(row, to, values, now)
    problems += rules.stage_problems(row["status"], to, {**row, **extra})
    if problems:
        raise FormRejected(Said(f"langkah belum dapat dilakukan: {len(problems)} hal perlu diperbaiki",
                                f"the step cannot be made yet: {len(problems)} problem(s)"), problems)
    if to == "done":
        extra["kode_aset"] = hand_over(conn, {**row, **extra}, principal.actor, as_built)
    steps.move_within(conn, SERVICE, row, to, principal.actor, note=text, extra=extra, at=now)
    return row["status"]


def _entering(row: Mapping[str, Any], to: str, values: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The properties written with the step: its values, and what entering the stage sets."""
    extra = dict(values)
    merged = {**row, **values}
    if to == "construction":
        end = merged.get("jadwal_selesai")
        if end is not None:  # the stage is due at the contract's planned end, not after a generic year
            extra["due_at"] = datetime.combine(end, time(23, 59), tzinfo=WIB).astimezone(UTC)
        extra.setdefault("jumlah_paket", merged.get("jumlah_paket") or 1)
        start = _progress_fields(merged, merged.get("progres_fisik") or 0.0, merged.get("progres_keuangan") or 0.0,
                                 today_wib(now))
        start["progres_tanggal"] = None  # nothing reported yet: the first report may be dated back to the start
        extra.update(start)
    if to == "done":
        extra.setdefault("tanggal_serah_terima", today_wib(now))
        extra["terlambat"], extra["keterangan_terlambat"] = False, None
    return extra


def _as_built(raw: Any) -> tuple[BaseGeometry | None, list[Said]]:
    """The finished works as drawn at handover (GeoJSON: a road's line, a park's area), if drawn."""
    if raw in (None, ""):
        return None, []
    try:
        geometry = shape(json.loads(raw) if isinstance(raw, str) else raw)
    except (ValueError, TypeError, KeyError, AttributeError, GEOSException):
        return None, [Said("gambar hasil pekerjaan: bukan geometri GeoJSON", "as-built drawing: not a GeoJSON geometry")]
    if geometry.is_empty or not geometry.is_valid:
        return None, [Said("gambar hasil pekerjaan: geometri kosong atau tidak sah",
                           "as-built drawing: an empty or invalid geometry")]
    return geometry, []


def hand_over(conn: Connection, project: Mapping[str, Any], actor: str, as_built: BaseGeometry | None) -> str:
    """The finished works registered as a SIMBADA asset (services/assets/register.py) in the caller's
    transaction, with origin "proyek" and the project's code; returns the asset code. The asset is located
    by the as-built drawing when staff drew one, else at the project's point (a building, KIB C); a road or a
    drain (KIB D) is a line or an area, so its handover asks for the drawing (the register says so)."""
    from services.assets.register import register_asset
    from services.assets.rules import AssetRejected

    geometry = as_built if as_built is not None else shape(json.loads(project["geometry_json"]))
    try:
        return register_asset(conn, actor=actor, kib=project.get("kib_aset") or rules.KIB_OF_KIND[project["jenis"]],
                              name=project["nama_proyek"], agency=project["agency"],
                              acquired_year=project["tanggal_serah_terima"].year,
                              acquisition_value=int(round(project.get("nilai_kontrak") or project["pagu"])),
                              geometry=geometry, condition="baik", origin="proyek", origin_ref=project["case_ref"])
    except AssetRejected as exc:
        raise FormRejected(Said("serah terima ke SIMBADA ditolak", "the handover to SIMBADA was refused"),
                           [Said(f"serah terima: {exc}", f"handover: {exc}")]) from None


# ---------------------------------------------------------------- progress

def _progress_fields(project: Mapping[str, Any], physical: float, financial: float, on: date) -> dict[str, Any]:
    start, end = project.get("jadwal_mulai"), project.get("jadwal_selesai")
    planned = rules.planned_progress(start, end, on) if start and end else None
    late, why = rules.delay(physical, planned if planned is not None else 0.0, end, on)
    return {"progres_fisik": physical, "progres_keuangan": financial, "progres_rencana": planned,
            "progres_tanggal": on, "terlambat": late, "keterangan_terlambat": why}


def _percent(value: Any, label: Said) -> tuple[float | None, list[Said]]:
    try:
        number = float(str(value).strip().replace(",", "."))
    except (TypeError, ValueError):
        return None, [Said(f"{label}: harus angka 0–100", f"{label.en}: must be a number 0-100")]
    if not 0.0 <= number <= 100.0:
        return None, [Said(f"{label}: harus 0–100", f"{label.en}: must be 0-100")]
    return round(number, 1), []


def _report_values(report: ProgressReport, today: date) -> tuple[float, float, date, str | None]:
    physical, problems = _percent(report.physical, Said("progres fisik", "physical progress"))
    financial, wrong = _percent(report.financial, Said("progres keuangan", "financial progress"))
    problems += wrong
    on = today
    if report.on not in (None, ""):
        try:
            on = report.on if isinstance(report.on, date) else date.fromisoformat(str(report.on).strip())
        except ValueError:
            problems.append(Said("tanggal progres: harus TTTT-BB-HH", "progress date: must be YYYY-MM-DD"))
    note = (report.note or "").strip() or None
    if note is not None and len(note) > 2000:
        problems.append(Said("catatan: paling banyak 2000 karakter", "note: at most 2000 characters"))
    if report.photo:
        try:
            media.check_photo(report.photo)
        except media.ServiceError as exc:
            problems.append(Said(f"foto tidak sah ({exc})", f"not a valid photo ({exc})"))
    if problems:
        raise FormRejected(Said("laporan progres belum dapat diterima", "the progress report cannot be accepted"),
                           problems)
    return physical, financial, on, note  # type: ignore[return-value]


def report_progress(bind: Bind, case_ref: str, report: ProgressReport, principal: Principal, *,
                    now: datetime | None = None) -> str:
    """Record a progress report of a project under construction; returns its number. Progress only goes up
    (physical and financial) unless the report is a correction with a note; each report is kept as a feature
    of `project_progress` and the project carries the latest, with its planned value and delay flag."""
    now = now or now_utc()
    if not principal.has_any(STAFF_ROLES):
        raise Forbidden(Said("hanya petugas SKPD pemilik proyek yang melaporkan progres",
                             "only staff of the owning agency report progress"))
    physical, financial, on, note = _report_values(report, today_wib(now))
    with transaction(bind, principal.actor) as conn:
        row = steps.locked_case(conn, SERVICE, case_ref, principal)
        if row["status"] != "construction":
            raise TransitionNotAllowed(Said(f"progres dicatat pada tahap pelaksanaan; proyek ini {row['status']}",
                                            f"progress is recorded during construction; this project is {row['status']}"))
        problems = rules.progress_problems(row["progres_fisik"], physical, financial, correction=report.correction,
                                           note=note, on=on, start=row["jadwal_mulai"], today=today_wib(now))
        if not report.correction and (row["progres_keuangan"] or 0) > financial:
            problems.append(Said(f"progres keuangan: tidak boleh turun dari {row['progres_keuangan']:g}% kecuali "
                                 "sebagai koreksi", f"financial progress: may not go down from "
                                 f"{row['progres_keuangan']:g}% unless it is a correction"))
        if not report.correction and row["progres_tanggal"] is not None and on < row["progres_tanggal"]:
            problems.append(Said(f"tanggal progres: sebelum laporan terakhir ({row['progres_tanggal']:%d-%m-%Y})",
                                 f"progress date: before the last report ({row['progres_tanggal'].isoformat()})"))
        geometry = _report_point(conn, row, report, problems)
        if problems:
            raise FormRejected(Said("laporan progres belum dapat diterima", "the progress report cannot be accepted"),
                               problems)
        return _write_report(conn, row, geometry, physical, financial, on, note, report, principal.actor, now)


def _report_point(conn: Connection, row: Mapping[str, Any], report: ProgressReport,
                  problems: list[Said]) -> dict[str, Any]:
    """Where the report was made: the point staff tapped (near the works), else the project's point."""
    if report.lon in (None, "") and report.lat in (None, ""):
        return json.loads(row["geometry_json"])
    geometry, wrong = forms.check_point(report.lon, report.lat)
    if wrong or geometry is None:
        problems.extend(wrong)
        return json.loads(row["geometry_json"])
    lon, lat = geometry["coordinates"]
    distance = conn.execute(engine_queries.select_distance_to_case(),
                            {"lon": lon, "lat": lat, "geometry": row["geometry_json"]}).scalar_one()
    if distance is None or distance > REPORT_RADIUS_M:
        problems.append(Said(f"lokasi laporan: {distance or 0:,.0f} m dari proyek; paling jauh {REPORT_RADIUS_M:,.0f} m",
                             f"report location: {distance or 0:,.0f} m from the project; at most "
                             f"{REPORT_RADIUS_M:,.0f} m"))
    return geometry


def _write_report(conn: Connection, row: Mapping[str, Any], geometry: dict[str, Any], physical: float,
                  financial: float, on: date, note: str | None, report: ProgressReport, actor: str,
                  now: datetime) -> str:
    fields = _progress_fields(row, physical, financial, on)
    number = conn.execute(queries.count_reports(), {"case_ref": row["case_ref"]}).scalar_one() + 1
    laporan_id = f"{row['case_ref']}-{number:03d}"
    stored = media.store_photo(report.photo) if report.photo else None
    try:
        insert_features(conn, "project_progress", [{"type": "Feature", "geometry": geometry, "properties": {
            "laporan_id": laporan_id, "case_ref": row["case_ref"], "agency": row["agency"],
            "kode_kel": row["kode_kel"], "tanggal": on, "dilaporkan": now, "progres_fisik": physical,
            "progres_keuangan": financial, "progres_rencana": fields["progres_rencana"],
            "terlambat": fields["terlambat"], "koreksi": bool(report.correction), "catatan": note,
            "berkas_foto": stored}}], actor=actor, source="staff")
        update_feature(conn, "projects", row["fid"], {"type": "Feature", "properties": fields}, actor=actor,
                       partial=True)
    except BaseException:
        media.remove_photo(stored)
        raise
    return laporan_id


def refresh_delays(bind: Bind, *, now: datetime | None = None) -> int:
    """Recompute the planned value and the delay flag of every project under construction as of today (a
    project past its planned end is late even when nobody reported); returns how many changed."""
    today = today_wib(now)
    changed = 0
    with transaction(bind, "service:proyek") as conn:
        for row in conn.execute(queries.select_construction_cases()).mappings().all():
            fields = _progress_fields(row, row["progres_fisik"] or 0.0, 0.0, today)
            new = {k: fields[k] for k in ("progres_rencana", "terlambat", "keterangan_terlambat")}
            if any(row[k] != v for k, v in new.items()):
                update_feature(conn, "projects", row["fid"], {"type": "Feature", "properties": new},
                               actor="service:proyek", partial=True)
                changed += 1
    return changed


def project_for_staff(bind: Bind, case_ref: str, principal: Principal) -> dict[str, Any]:
    """One project as its agency's staff see it (CaseNotFound for anyone else)."""
    with transaction(bind) as conn:
        row = conn.execute(engine_queries.select_case(service_spec(SERVICE), case_ref)).mappings().one_or_none()
        if row is None or not row_visible(get_registry().get("projects"), principal, row):
            raise CaseNotFound(Said(f"proyek {case_ref} tidak ditemukan", f"no project {case_ref}"))
        return dict(row)
