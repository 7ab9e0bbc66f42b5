"""Registration checks of PPDB online: the service engine calls `registration_findings` (the
declaration's `checks`) inside the transaction that files the registration.

What only PPDB knows is checked here, before anything is kept: a round of the level is taking
registrations now; the child's NIK and date of birth are well formed and the child is not
registered twice in the round; the schools listed are distinct schools of the round, in the
home's zone (the zoning pathway). Any problem refuses the whole registration (FormRejected:
the engine rolls the transaction back and removes the files).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection

from services.engine.said import FormRejected, Said
from services.ppdb import round_queries as q
from services.ppdb.rules import DEFAULT_RULE, ZoningRule
from services.ppdb.zoning import TO_UTM

CHOICE_FIELDS = ("pilihan_1", "pilihan_2", "pilihan_3")
NIK = re.compile(r"^\d{16}$")
AGE_LIMITS = {"SD": (5, 12), "SMP": (10, 16), "SMA": (13, 21), "SMK": (13, 21)}  # years on the round's opening


def listed_choices(properties: Mapping[str, Any]) -> list[str]:
    """The NPSNs listed, in order, blanks skipped."""
    return [str(properties[f]).strip() for f in CHOICE_FIELDS if str(properties.get(f) or "").strip()]


def registration_findings(conn: Connection, geometry: Mapping[str, Any], properties: Mapping[str, Any],
                          *, rule: ZoningRule = DEFAULT_RULE, now: datetime | None = None) -> dict[str, Any]:
    """The registration's check, shown on the tracking page; FormRejected with every problem found."""
    level = str(properties.get("jenjang") or "")
    round_row = conn.execute(q.SELECT_OPEN_ROUND, {"jenjang": level, "now": now or datetime.now(UTC)}).mappings().first()
    if round_row is None:
        raise FormRejected(Said(f"pendaftaran PPDB jenjang {level} sedang tidak dibuka",
                                f"PPDB registration for {level} is not open now"))
    problems = _child_problems(conn, round_row, properties)
    schools = {r["npsn"]: r for r in conn.execute(q.SELECT_QUOTA_SCHOOLS, {"round_id": round_row["id"]}).mappings()}
    findings, choice_problems = _choice_findings(geometry, listed_choices(properties), schools, level, rule)
    problems += choice_problems
    if problems:
        raise FormRejected(Said(f"pendaftaran belum dapat diterima: {len(problems)} hal perlu diperbaiki",
                                f"the registration cannot be accepted yet: {len(problems)} problem(s)"), problems)
    return {"findings": findings, "verdict": "ok", "summary": {"round_id": round_row["id"]}}


def _child_problems(conn: Connection, round_row: Mapping[str, Any], properties: Mapping[str, Any]) -> list[Said]:
    problems = []
    nik = str(properties.get("nik_anak") or "")
    if not NIK.match(nik):
        problems.append(Said("NIK anak: harus 16 angka", "child's NIK: must be 16 digits"))
    elif conn.execute(q.SELECT_SAME_CHILD, {"round_id": round_row["id"], "nik_anak": nik}).first() is not None:
        problems.append(Said("anak dengan NIK ini sudah terdaftar di gelombang ini",
                             "a child with this NIK is already registered in this round"))
    born = properties.get("tanggal_lahir")  # a date: the engine's form check typed it (services/engine/forms.py)
    if not isinstance(born, date):
        return [*problems, Said("tanggal lahir: tulis sebagai TTTT-BB-HH, misalnya 2014-05-21",
                                "date of birth: write it as YYYY-MM-DD, e.g. 2014-05-21")]
    opening = round_row["opens_at"].date()
    age = opening.year - born.year - ((opening.month, opening.day) < (born.month, born.day))
    low, high = AGE_LIMITS[round_row["jenjang"]]
    if not low <= age <= high:
        problems.append(Said(f"tanggal lahir: usia {age} tahun tidak sesuai jenjang {round_row['jenjang']} "
                             f"({low}–{high} tahun)", f"date of birth: age {age} does not fit {round_row['jenjang']} "
                             f"({low}-{high} years)"))
    return problems


def _choice_findings(geometry: Mapping[str, Any], choices: list[str], schools: Mapping[str, Mapping[str, Any]],
                     level: str, rule: ZoningRule) -> tuple[list[dict[str, Any]], list[Said]]:
    problems: list[Said] = []
    if len(choices) != len(set(choices)):
        problems.append(Said("pilihan sekolah: satu sekolah hanya boleh dipilih sekali",
                             "school choices: list each school once"))
    hx, hy = TO_UTM.transform(*geometry["coordinates"][:2])
    radius = rule.zone_radius_m[level]
    findings = []
    for number, npsn in enumerate(choices, start=1):
        school = schools.get(npsn)
        if school is None:
            problems.append(Said(f"pilihan {number}: NPSN {npsn} bukan sekolah negeri jenjang {level} di gelombang ini",
                                 f"choice {number}: NPSN {npsn} is not a public {level} school of this round"))
            continue
        sx, sy = TO_UTM.transform(school["lon"], school["lat"])
        distance = float(np.hypot(sx - hx, sy - hy))
        if distance > radius:
            problems.append(Said(f"pilihan {number}: {school['nama']} berjarak {distance:,.0f} m, di luar zona "
                                 f"({radius:,.0f} m)", f"choice {number}: {school['nama']} is {distance:,.0f} m "
                                 f"away, outside the zone ({radius:,.0f} m)"))
            continue
        findings.append({"check": "choice", "level": "ok", "npsn": npsn, "distance_m": round(distance, 1),
                         "id": f"Pilihan {number}: {school['nama']} ({npsn}), jarak {distance:,.0f} m, kuota "
                               f"{school['seats']} kursi",
                         "en": f"Choice {number}: {school['nama']} ({npsn}), {distance:,.0f} m away, "
                               f"{school['seats']} seats"})
    return findings, problems
