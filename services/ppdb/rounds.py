"""A PPDB round: its window and quotas, the allocation staff run, re-registration and released seats.

A round takes registrations of one level between `opens_at` and `closes_at`; its quotas are fixed
when it is created, from the schools layer's capacity times the declared zonasi share. After the
window, staff of the education office run the allocation (deferred acceptance over the verified
registrations' own choices, allocation.py): every registration becomes admitted or not_admitted in
ONE transaction, each with its explanation (explain.py) and a notice. An admitted child's parent
re-registers before the deadline; afterwards staff release the unconfirmed seats, and, when the
round says so, a second stage offers them to the next in line. The database refuses any fill above
a school's seats (ppdb.quotas CHECK), whatever path moved a registration.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from layers.access import Principal
from layers.tables import Bind, reading, transaction
from services.engine import seams
from services.engine.cases import now_utc
from services.engine.said import CaseNotFound, Forbidden, FormRejected, Said, TransitionNotAllowed
from services.engine.steps import locked_case, move_within
from services.ppdb import round_queries as q
from services.ppdb.allocation import Admission, allocate_choices
from services.ppdb.explain import as_text, explanations
from services.ppdb.registration import listed_choices
from services.ppdb.rules import DEFAULT_RULE, ZoningRule
from services.ppdb.zoning import TO_UTM, candidate_schools, check_level

SERVICE = "ppdb"
AGENCY = "DISDIK"
ROUND_ID = re.compile(r"^[A-Za-z0-9_-]{3,40}$")
MAX_NOTE = 2000
WIB = ZoneInfo("Asia/Jakarta")


@dataclass(frozen=True)
class StageReport:
    round_id: str
    stage: int
    applicants: int
    admitted: int
    not_admitted: int
    released: int = 0

    def __str__(self) -> str:
        return (f"round {self.round_id} stage {self.stage}: {self.applicants} applicants, {self.admitted} admitted, "
                f"{self.not_admitted} not admitted, {self.released} seats released")


def _education_staff(principal: Principal) -> None:
    if not (principal.has_any(("admin",)) or (principal.has_any(("staff",)) and AGENCY in principal.agencies)):
        raise Forbidden(Said("hanya petugas Dinas Pendidikan yang boleh menjalankan PPDB",
                             "only Education Office staff may run PPDB"))


def create_round(bind: Bind, *, round_id: str, level: str, opens_at: datetime, closes_at: datetime,
                 reregister_by: datetime, principal: Principal, zonasi_share: float | None = None,
                 second_stage: bool = True, second_reregister_days: int = 3) -> int:
    """Open a round; its quotas are the schools' capacity times the zonasi share. Returns the number of schools."""
    _education_staff(principal)
    if not ROUND_ID.match(round_id or ""):
        raise FormRejected(Said("kode gelombang: 3–40 huruf, angka, - atau _", "round id: 3-40 letters, digits, - or _"))
    if not opens_at < closes_at < reregister_by:
        raise FormRejected(Said("jadwal: pembukaan < penutupan < batas daftar ulang",
                                "schedule: opening < closing < re-registration deadline"))
    rule = ZoningRule(zonasi_share=zonasi_share) if zonasi_share is not None else DEFAULT_RULE
    schools = candidate_schools(bind, check_level(level), rule)
    try:
        with transaction(bind, principal.actor) as conn:
            created = conn.execute(q.INSERT_ROUND, {
                "id": round_id, "jenjang": level, "opens_at": opens_at, "closes_at": closes_at,
                "reregister_by": reregister_by, "zonasi_share": rule.zonasi_share, "second_stage": second_stage,
                "second_reregister_days": second_reregister_days, "created_by": principal.actor}).first()
            if created is None:
                raise TransitionNotAllowed(Said(f"gelombang {round_id} sudah ada", f"round {round_id} exists already"))
            conn.execute(q.INSERT_QUOTA, [{
                "round_id": round_id, "npsn": str(s.npsn), "nama": str(s.nama),
                "capacity": int(s.daya_tampung) if pd.notna(s.daya_tampung) else rule.default_capacity[level],
                "seats": int(s.seats), "lon": s.geometry.x, "lat": s.geometry.y} for s in schools.itertuples()])
    except IntegrityError:
        raise TransitionNotAllowed(Said(f"jadwal gelombang {round_id} bertumpang tindih dengan gelombang {level} lain",
                                        f"round {round_id} overlaps another {level} round")) from None
    return len(schools)


def _locked_round(conn: Connection, round_id: str) -> dict[str, Any]:
    row = conn.execute(q.LOCK_ROUND, {"id": round_id}).mappings().one_or_none()
    if row is None:
        raise CaseNotFound(Said(f"gelombang {round_id} tidak ada", f"no round {round_id}"))
    return dict(row)


def allocate_round(bind: Bind, round_id: str, principal: Principal, *, now: datetime | None = None,
                   rule: ZoningRule = DEFAULT_RULE) -> StageReport:
    """Run the round's allocation once, after its window closed; every verified registration is placed or not."""
    _education_staff(principal)
    now = now or now_utc()
    with transaction(bind, principal.actor) as conn:
        round_row = _locked_round(conn, round_id)
        if round_row["allocated_at"] is not None:
            raise TransitionNotAllowed(Said(f"gelombang {round_id} sudah dialokasikan", f"round {round_id} was allocated"))
        if now < round_row["closes_at"]:
            raise TransitionNotAllowed(Said("pendaftaran gelombang ini masih dibuka; alokasi setelah ditutup",
                                            "this round still takes registrations; allocate after it closes"))
        unchecked = conn.execute(q.COUNT_UNVERIFIED, {"round_id": round_id}).scalar_one()
        if unchecked:
            raise TransitionNotAllowed(Said(f"masih ada {unchecked} pendaftaran yang berkasnya belum diverifikasi atau "
                                            "ditolak; selesaikan dulu", f"{unchecked} registration(s) still await the "
                                            "document check (verify or reject them first)"))
        registrations = [dict(r) for r in conn.execute(q.select_registrations(("verified",)),
                                                       {"round_id": round_id}).mappings()]
        schools = _round_schools(conn, round_id)
        report = _stage(conn, round_row, registrations, schools, principal, stage=1,
                        deadline=round_row["reregister_by"], now=now, rule=rule)
        conn.execute(q.MARK_ALLOCATED, {"id": round_id, "at": now, "by": principal.actor})
    return report


def _round_schools(conn: Connection, round_id: str, free_seats: dict[str, int] | None = None) -> pd.DataFrame:
    schools = pd.DataFrame([dict(r) for r in conn.execute(q.SELECT_QUOTA_SCHOOLS, {"round_id": round_id}).mappings()],
                           columns=["npsn", "nama", "seats", "lon", "lat"])
    schools["x"], schools["y"] = TO_UTM.transform(schools["lon"].to_numpy(float), schools["lat"].to_numpy(float))
    if free_seats is not None:
        schools["seats"] = schools["npsn"].map(free_seats).fillna(0).astype(int)
    return schools


def _stage(conn: Connection, round_row: dict[str, Any], registrations: list[dict[str, Any]], schools: pd.DataFrame,
           principal: Principal, *, stage: int, deadline: datetime, now: datetime, rule: ZoningRule) -> StageReport:
    if not registrations:
        return StageReport(round_row["id"], stage, 0, 0, 0)
    people = pd.DataFrame({
        "id": [r["case_ref"] for r in registrations], "lon": [r["lon"] for r in registrations],
        "lat": [r["lat"] for r in registrations], "birth_date": [str(r["tanggal_lahir"]) for r in registrations],
        "registered_at": [r["submitted_at"] for r in registrations],
        "choices": [listed_choices(r) for r in registrations]})
    admission = allocate_choices(people, schools, round_row["jenjang"], rule)
    ranked = people.assign(birth_date=pd.to_datetime(people["birth_date"]),
                           registered_at=pd.to_datetime(people["registered_at"], utc=True)).set_index("id")
    explained = explanations(admission.applications, ranked, admission.seats,
                             dict(zip(schools["npsn"], schools["nama"], strict=True)), rule)
    admitted = _record(conn, round_row, admission, explained, principal, stage=stage, deadline=deadline, now=now)
    _store_fill(conn, round_row["id"], admission)
    conn.execute(q.REFRESH_FILL, {"round_id": round_row["id"]})
    return StageReport(round_row["id"], stage, len(registrations), admitted, len(registrations) - admitted)


def _record(conn: Connection, round_row: dict[str, Any], admission: Admission, explained: dict[str, dict[str, Any]],
            principal: Principal, *, stage: int, deadline: datetime, now: datetime) -> int:
    admitted = 0
    for placement in admission.placements.to_dict("records"):
        case_ref = placement["id"]
        placed = pd.notna(placement["npsn"])
        explanation = {"stage": stage, **explained.get(case_ref, {"choices": [], "admitted_to": None})}
        row = locked_case(conn, SERVICE, case_ref, principal)
        if placed:
            admitted += 1
            extra = {"hasil_npsn": placement["npsn"], "hasil_pilihan": int(placement["choice"]),
                     "hasil_jarak_m": round(float(placement["distance_m"]), 1), "daftar_ulang_batas": deadline,
                     "due_at": deadline}
            move_within(conn, SERVICE, row, "admitted", principal.actor, note=_note(explanation, deadline), extra=extra,
                        at=now)
        elif row["status"] != "not_admitted":  # a second stage leaves those it cannot place as they were
            move_within(conn, SERVICE, row, "not_admitted", principal.actor, note=_note(explanation, None), at=now)
        conn.execute(q.UPSERT_RESULT, {
            "round_id": round_row["id"], "case_ref": case_ref, "stage": stage, "npsn": placement["npsn"] if placed else None,
            "choice": None if pd.isna(placement["choice"]) else int(placement["choice"]),
            "distance_m": None if pd.isna(placement["distance_m"]) else float(placement["distance_m"]),
            "explanation": json.dumps(explanation, ensure_ascii=False), "at": now})
        if placed or stage == 1:
            seams.notify(conn, recipient=row.get("email_pemohon"),
                         subject=f"PPDB {case_ref}: hasil seleksi tahap {stage}",
                         body=_note(explanation, deadline if placed else None),
                         dedupe_key=f"ppdb:{round_row['id']}:{case_ref}:stage{stage}", origin="ppdb:allocation")
    return admitted


def _note(explanation: dict[str, Any], deadline: datetime | None) -> str:
    text = as_text(explanation, "id")
    if deadline is not None:
        wib = deadline.astimezone(WIB)
        text += f"\nDaftar ulang paling lambat {wib:%d-%m-%Y %H:%M} WIB; lewat dari itu kursi dilepas."
    english = as_text(explanation, "en")
    both = f"{text}\n\n{english}"
    return (both if len(both) <= MAX_NOTE else text)[:MAX_NOTE]


def _store_fill(conn: Connection, round_id: str, admission: Admission) -> None:
    applications = admission.applications
    for npsn, rows in applications.groupby("npsn"):
        admitted = rows.loc[rows["admitted"], "distance_m"]
        conn.execute(q.UPDATE_QUOTA_FILL, {"round_id": round_id, "npsn": npsn, "applicants": len(rows),
                                           "last_distance_m": float(admitted.max()) if len(admitted) else None})


def reregister(bind: Bind, case_ref: str, principal: Principal, *, now: datetime | None = None) -> None:
    """The parent confirms the seat (daftar ulang) before the deadline; refused after it."""
    now = now or now_utc()
    if not principal.has_any(("citizen",)):
        raise Forbidden(Said("daftar ulang dilakukan oleh pendaftar sendiri", "only the applicant re-registers"))
    with transaction(bind, principal.actor) as conn:
        row = locked_case(conn, SERVICE, case_ref, principal)
        if row["status"] != "admitted":
            raise TransitionNotAllowed(Said(f"pendaftaran berstatus {row['status']}; daftar ulang hanya untuk yang "
                                            "diterima", f"the registration is {row['status']}; only admitted ones "
                                            "re-register"))
        if row["daftar_ulang_batas"] is not None and now > row["daftar_ulang_batas"]:
            raise TransitionNotAllowed(Said("batas daftar ulang sudah lewat; kursi dilepas",
                                            "the re-registration deadline has passed; the seat is released"))
        move_within(conn, SERVICE, row, "re_registered", principal.actor, note="Daftar ulang diterima.", at=now)
        conn.execute(q.REFRESH_FILL, {"round_id": row["round_id"]})


def release_expired(bind: Bind, round_id: str, principal: Principal, *, now: datetime | None = None,
                    rule: ZoningRule = DEFAULT_RULE) -> StageReport:
    """Release the seats not confirmed by their deadline; a round with a second stage offers them to the
    next in line (the not admitted, by the same ranking), who get their own deadline."""
    _education_staff(principal)
    now = now or now_utc()
    with transaction(bind, principal.actor) as conn:
        round_row = _locked_round(conn, round_id)
        if round_row["allocated_at"] is None:
            raise TransitionNotAllowed(Said("gelombang ini belum dialokasikan", "this round has not been allocated"))
        expired = [r for r in conn.execute(q.select_registrations(("admitted",)), {"round_id": round_id}).mappings()
                   if r["daftar_ulang_batas"] is not None and r["daftar_ulang_batas"] < now]
        for r in expired:
            row = locked_case(conn, SERVICE, r["case_ref"], principal)
            move_within(conn, SERVICE, row, "released", principal.actor, at=now,
                        note="Batas daftar ulang lewat tanpa konfirmasi; kursi dilepas.")
        conn.execute(q.REFRESH_FILL, {"round_id": round_id})
        conn.execute(q.MARK_RELEASED, {"id": round_id, "at": now})
        report = StageReport(round_id, 2, 0, 0, 0, released=len(expired))
        if expired and round_row["second_stage"]:
            free = {s["npsn"]: int(s["seats"]) - int(s["filled"]) for s in quotas(conn, round_id)}
            waiting = [dict(r) for r in conn.execute(q.select_registrations(("not_admitted",)),
                                                     {"round_id": round_id}).mappings()]
            deadline = now + timedelta(days=round_row["second_reregister_days"])
            stage = _stage(conn, round_row, waiting, _round_schools(conn, round_id, free), principal, stage=2,
                           deadline=deadline, now=now, rule=rule)
            report = StageReport(round_id, 2, stage.applicants, stage.admitted, stage.not_admitted, len(expired))
    return report


def quotas(bind: Bind, round_id: str) -> list[dict[str, Any]]:
    """Seats per school of a round and their fill (public: no applicant in it)."""
    with reading(bind) as conn:
        return [dict(r) for r in conn.execute(q.SELECT_QUOTAS, {"round_id": round_id}).mappings()]


def rounds(bind: Bind) -> list[dict[str, Any]]:
    with reading(bind) as conn:
        return [dict(r) for r in conn.execute(q.SELECT_ROUNDS).mappings()]


def round_of(bind: Bind, round_id: str) -> dict[str, Any]:
    with reading(bind) as conn:
        row = conn.execute(q.SELECT_ROUND, {"id": round_id}).mappings().one_or_none()
    if row is None:
        raise CaseNotFound(Said(f"gelombang {round_id} tidak ada", f"no round {round_id}"))
    return dict(row)


def results_for(bind: Bind, case_ref: str, principal: Principal) -> list[dict[str, Any]]:
    """A registration's results per stage with their explanation, for whoever may read the registration."""
    with transaction(bind, principal.actor) as conn:
        row = locked_case(conn, SERVICE, case_ref, principal)
        if not row.get("round_id"):
            return []
        return [dict(r) for r in conn.execute(q.SELECT_RESULTS, {"round_id": row["round_id"],
                                                                  "case_ref": case_ref}).mappings()]
