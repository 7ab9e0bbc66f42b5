"""Allocating applicants to schools by distance: reproducible, stable, explainable.

Each applicant lists schools (their own choices, or the nearest schools whose
zone contains their home). Schools rank applicants by distance, ties broken by
the declared rule (older first, then earlier registration, then applicant id).
Seats are filled by applicant-proposing deferred acceptance, so no applicant
is refused by a school that admitted someone it ranks lower: the outcome is
stable and does not depend on input order.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
import pandas as pd

from config.settings import MEDAN_EXTENT
from layers.tables import Bind
from services.errors import ServiceError
from services.ppdb.rules import DEFAULT_RULE, ZoningRule
from services.ppdb.zoning import TO_UTM, candidate_schools, check_level

MEDAN_TIME_ZONE = "Asia/Jakarta"  # WIB: a registration time without an offset is Medan's clock
ZONE_SUFFIX = r"(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$"
CHUNK = 4096  # applicants per distance block: bounds memory at ~CHUNK x schools floats


@dataclass(frozen=True)
class Admission:
    admitted: dict[str, list[str]]  # npsn -> applicant ids in rank order
    placements: pd.DataFrame  # one row per applicant: id, npsn (or None), choice, distance_m, reason
    seats: dict[str, int]
    # One row per application made (id, npsn, choice, distance_m, school_rank: 1 = first in that school's
    # order, admitted): what an explanation is drawn from (services/ppdb/explain.py).
    applications: pd.DataFrame | None = None

    @property
    def unplaced(self) -> list[str]:
        return self.placements.loc[self.placements["npsn"].isna(), "id"].tolist()


def _validated(applicants: pd.DataFrame) -> pd.DataFrame:
    missing = {"id", "lon", "lat"} - set(applicants.columns)
    if missing:
        raise ServiceError(f"applicants need columns id, lon, lat (missing {sorted(missing)})")
    frame = applicants.copy()
    frame["id"] = frame["id"].astype(str)
    problems = []
    duplicated = frame["id"][frame["id"].duplicated()].unique().tolist()
    if duplicated:
        problems.append(f"applicant ids appear twice: {duplicated[:5]}")
    no_location = frame.loc[frame["lon"].isna() | frame["lat"].isna(), "id"].tolist()
    if no_location:
        problems.append(f"applicants with no location: {no_location[:5]}")
    x0, y0, x1, y1 = MEDAN_EXTENT
    outside = frame.loc[~(frame["lon"].between(x0, x1) & frame["lat"].between(y0, y1))
                        & frame["lon"].notna() & frame["lat"].notna(), "id"].tolist()
    if outside:
        problems.append(f"applicants living outside Medan: {outside[:5]}")
    if problems:
        raise ServiceError("the applicant list has problems; nothing was allocated", problems)
    frame["birth_date"] = pd.to_datetime(frame["birth_date"], format="ISO8601") if "birth_date" in frame else pd.NaT
    frame["registered_at"] = registration_instants(frame["registered_at"]) if "registered_at" in frame else pd.NaT
    return frame.reset_index(drop=True)


def registration_instants(values: pd.Series) -> pd.Series:
    """Registration times as naive UTC, comparable across sources.

    The web form stamps microseconds and an offset, a school's spreadsheet whole
    minutes in local time: any ISO 8601 precision is taken, an offset is honoured,
    and a time without one is read as WIB.
    """
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").dt.tz_localize(None)
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return values.dt.tz_localize(MEDAN_TIME_ZONE).dt.tz_convert("UTC").dt.tz_localize(None)
    text = values.astype("string").str.strip()
    zoned = text.str.contains(ZONE_SUFFIX, regex=True).fillna(False).to_numpy(dtype=bool)
    instants = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us, UTC]")
    if zoned.any():
        instants[zoned] = pd.to_datetime(text[zoned], format="ISO8601", utc=True)
    if (~zoned).any():
        local = pd.to_datetime(text[~zoned], format="ISO8601")
        instants[~zoned] = local.dt.tz_localize(MEDAN_TIME_ZONE).dt.tz_convert("UTC")
    return instants.dt.tz_localize(None)


def _choice_pairs(frame: pd.DataFrame, schools: pd.DataFrame, level: str, rule: ZoningRule) -> pd.DataFrame:
    """(applicant, school, choice number, distance) for every application made."""
    ax, ay = TO_UTM.transform(frame["lon"].to_numpy(float), frame["lat"].to_numpy(float))
    sx, sy = schools["x"].to_numpy(), schools["y"].to_numpy()
    k = min(rule.choices_per_applicant, len(schools))
    radius = rule.zone_radius_m[level]
    parts = []
    for start in range(0, len(frame), CHUNK):
        stop = min(start + CHUNK, len(frame))
        distance = np.hypot(ax[start:stop, None] - sx[None, :], ay[start:stop, None] - sy[None, :])
        nearest = np.argsort(distance, axis=1, kind="stable")[:, :k]
        rows = np.repeat(np.arange(start, stop), k)
        cols = nearest.ravel()
        dist = distance[rows - start, cols]
        keep = dist <= radius
        parts.append(pd.DataFrame({"applicant": rows[keep], "school": cols[keep],
                                   "choice": np.tile(np.arange(1, k + 1), stop - start)[keep],
                                   "distance_m": dist[keep]}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["applicant", "school", "choice", "distance_m"])


def _school_ranks(pairs: pd.DataFrame, frame: pd.DataFrame, rule: ZoningRule) -> np.ndarray:
    """An integer rank of each pair within its school: lower is admitted first."""
    keys = [frame["id"].to_numpy()[pairs["applicant"]]]  # last resort: applicant id
    for breaker in reversed(rule.tie_breakers):
        column = "birth_date" if breaker == "older_first" else "registered_at"
        values = frame[column].to_numpy()[pairs["applicant"]]
        keys.append(np.where(pd.isna(values), np.datetime64("9999-12-31"), values).astype("datetime64[ns]"))
    keys.append(pairs["distance_m"].round(3).to_numpy())
    keys.append(pairs["school"].to_numpy())
    order = np.lexsort(keys)
    ranks = np.empty(len(pairs), dtype=np.int64)
    ranks[order] = np.arange(len(pairs))
    return ranks


def allocate(applicants: pd.DataFrame, schools: pd.DataFrame, level: str, rule: ZoningRule = DEFAULT_RULE) -> Admission:
    """Allocate applicants (id, lon, lat[, birth_date, registered_at]) to schools (npsn, x, y, seats)."""
    check_level(level)
    frame = _validated(applicants)
    pairs = _choice_pairs(frame, schools, level, rule).sort_values(["applicant", "choice"], kind="stable")
    pairs = pairs.reset_index(drop=True)
    return _run(frame, schools, pairs, rule)


def allocate_choices(applicants: pd.DataFrame, schools: pd.DataFrame, level: str,
                     rule: ZoningRule = DEFAULT_RULE) -> Admission:
    """Allocate applicants who listed their own schools: `choices` holds NPSNs in order of preference
    (at most rule.choices_per_applicant); a school not among `schools` is not applied to."""
    check_level(level)
    frame = _validated(applicants)
    if "choices" not in frame:
        raise ServiceError("applicants need a column choices (NPSNs in order of preference)")
    pairs = _listed_pairs(frame, schools, rule).sort_values(["applicant", "choice"], kind="stable")
    return _run(frame, schools, pairs.reset_index(drop=True), rule)


def _listed_pairs(frame: pd.DataFrame, schools: pd.DataFrame, rule: ZoningRule) -> pd.DataFrame:
    index_of = {str(n): i for i, n in enumerate(schools["npsn"].astype(str))}
    ax, ay = TO_UTM.transform(frame["lon"].to_numpy(float), frame["lat"].to_numpy(float))
    sx, sy = schools["x"].to_numpy(), schools["y"].to_numpy()
    rows = []
    for a, listed in enumerate(frame["choices"]):
        seen: set[int] = set()
        for number, npsn in enumerate(list(listed)[:rule.choices_per_applicant], start=1):
            school = index_of.get(str(npsn))
            if school is None or school in seen:
                continue
            seen.add(school)
            rows.append((a, school, number, float(np.hypot(ax[a] - sx[school], ay[a] - sy[school]))))
    return pd.DataFrame(rows, columns=["applicant", "school", "choice", "distance_m"]).astype(
        {"applicant": np.int64, "school": np.int64, "choice": np.int64, "distance_m": float})


def _run(frame: pd.DataFrame, schools: pd.DataFrame, pairs: pd.DataFrame, rule: ZoningRule) -> Admission:
    pairs["rank"] = _school_ranks(pairs, frame, rule)
    held = _deferred_acceptance(pairs, schools["seats"].to_numpy(), len(frame))
    admission = _admission(frame, schools, pairs, held)
    return Admission(admission.admitted, admission.placements, admission.seats,
                     _applications(frame, schools, pairs, held))


def _applications(frame: pd.DataFrame, schools: pd.DataFrame, pairs: pd.DataFrame,
                  held: list[list[tuple[int, int]]]) -> pd.DataFrame:
    admitted_pairs = {p for heap in held for _, p in heap}
    school_rank = pairs.groupby("school")["rank"].rank(method="first").astype(int)
    return pd.DataFrame({
        "id": frame["id"].to_numpy()[pairs["applicant"].to_numpy()],
        "npsn": schools["npsn"].astype(str).to_numpy()[pairs["school"].to_numpy()],
        "choice": pairs["choice"].to_numpy(), "distance_m": pairs["distance_m"].round(3).to_numpy(),
        "school_rank": school_rank.to_numpy(), "admitted": [i in admitted_pairs for i in range(len(pairs))],
    })


def _deferred_acceptance(pairs: pd.DataFrame, seats: np.ndarray, n_applicants: int) -> list[list[tuple[int, int]]]:
    by_applicant: list[list[int]] = [[] for _ in range(n_applicants)]
    for index, applicant in enumerate(pairs["applicant"].to_numpy()):
        by_applicant[applicant].append(index)
    school_of = pairs["school"].to_numpy()
    rank_of = pairs["rank"].to_numpy()
    applicant_of = pairs["applicant"].to_numpy()
    held: list[list[tuple[int, int]]] = [[] for _ in range(len(seats))]  # max-heaps of (-rank, pair)
    next_choice = [0] * n_applicants
    free = [a for a in range(n_applicants) if by_applicant[a]]
    while free:
        applicant = free.pop()
        if next_choice[applicant] >= len(by_applicant[applicant]):
            continue
        pair = by_applicant[applicant][next_choice[applicant]]
        next_choice[applicant] += 1
        school = school_of[pair]
        heap = held[school]
        if len(heap) < seats[school]:
            heapq.heappush(heap, (-rank_of[pair], pair))
        elif heap and -heap[0][0] > rank_of[pair]:
            _, bumped = heapq.heapreplace(heap, (-rank_of[pair], pair))
            free.append(int(applicant_of[bumped]))
        else:
            free.append(applicant)
    return held


def _admission(frame: pd.DataFrame, schools: pd.DataFrame, pairs: pd.DataFrame,
               held: list[list[tuple[int, int]]]) -> Admission:
    # Plain arrays, not DataFrame.at: a scalar pandas lookup per admitted applicant was
    # four fifths of the allocation's time (benchmarks/bench_ppdb.py).
    npsn = schools["npsn"].astype(str).to_numpy()
    ids = frame["id"].to_numpy()
    applicant_of = pairs["applicant"].to_numpy()
    school_of, choice_of, distance_of = (pairs[c].to_numpy() for c in ("school", "choice", "distance_m"))
    admitted: dict[str, list[str]] = {}
    placed: dict[int, int] = {}
    for school, heap in enumerate(held):
        chosen = [p for _, p in sorted(heap, key=lambda item: -item[0])]
        admitted[npsn[school]] = [ids[applicant_of[p]] for p in chosen]
        for p in chosen:
            placed[int(applicant_of[p])] = p
    applied = set(applicant_of.tolist())
    rows = []
    for a, applicant_id in enumerate(ids):
        p = placed.get(a)
        if p is not None:
            rows.append((applicant_id, npsn[school_of[p]], int(choice_of[p]), round(float(distance_of[p]), 1),
                         "admitted"))
        else:
            reason = "all chosen schools full" if a in applied else "no school of this level within the zone"
            rows.append((applicant_id, None, None, None, reason))
    placements = pd.DataFrame(rows, columns=["id", "npsn", "choice", "distance_m", "reason"])
    return Admission(admitted, placements, dict(zip(npsn, schools["seats"].astype(int), strict=True)))


def allocate_applicants(bind: Bind, applicants: pd.DataFrame, level: str, rule: ZoningRule = DEFAULT_RULE) -> Admission:
    """Allocate against the schools layer as it is now."""
    return allocate(applicants, candidate_schools(bind, level, rule), level, rule)
