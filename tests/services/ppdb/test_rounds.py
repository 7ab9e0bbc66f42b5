"""PPDB online on the real PostGIS: registration as a case, a round's allocation with its explanations,
quotas never exceeded, re-registration, and the deadline releasing seats to the next in line."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from layers.access import Principal
from services.engine import cases, steps
from services.engine.said import Forbidden, FormRejected, TransitionNotAllowed
from services.ppdb import rounds
from tests.helpers.permits import PDF, citizen

ROUND = "uji-2026-smp"


@pytest.fixture(autouse=True)
def _uploads(upload_dir: Path) -> Path:
    return upload_dir


def disdik(user_id: int = 701) -> Principal:
    return Principal(actor=f"user:{user_id}", roles=frozenset({"staff"}), agencies=frozenset({"DISDIK"}),
                     user_id=user_id)


def _school_with_room(conn: Connection) -> tuple[str, str, float, float]:
    """An SMP negeri A whose surroundings (1 km) lie in Medan, and its nearest SMP negeri B."""
    rows = conn.execute(text("""
        SELECT a.npsn, b.npsn AS other, ST_X(a.geom) AS lon, ST_Y(a.geom) AS lat
        FROM layers.schools a
        JOIN LATERAL (SELECT npsn FROM layers.schools b WHERE b.jenjang = 'SMP' AND b.status = 'Negeri'
                      AND NOT b.lokasi_diragukan AND b.npsn <> a.npsn ORDER BY b.geom <-> a.geom LIMIT 1) b ON true
        WHERE a.jenjang = 'SMP' AND a.status = 'Negeri' AND NOT a.lokasi_diragukan
          AND ST_DWithin(a.geom::geography, (SELECT s.geom FROM layers.schools s WHERE s.npsn = b.npsn)::geography, 1500)
          AND (SELECT count(*) FROM generate_series(0, 315, 45) az JOIN layers.kelurahan k
               ON ST_Intersects(k.geom, ST_Project(a.geom::geography, 1000, radians(az))::geometry)) = 8
        ORDER BY a.npsn LIMIT 1""")).first()
    assert rows is not None
    return rows.npsn, rows.other, rows.lon, rows.lat


def _home(conn: Connection, npsn: str, metres: float, azimuth: float) -> tuple[float, float]:
    return tuple(conn.execute(text("""
        SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Project(geom::geography, :d, radians(:az))::geometry AS p
        FROM layers.schools WHERE npsn = :n) q"""), {"n": npsn, "d": metres, "az": azimuth}).one())


def _open_round(conn: Connection, **kwargs) -> dict:  # noqa: ANN003
    now = cases.now_utc()
    rounds.create_round(conn, round_id=ROUND, level="SMP", opens_at=now - timedelta(hours=1),
                        closes_at=now + timedelta(hours=1), reregister_by=now + timedelta(days=3),
                        principal=disdik(), **kwargs)
    return rounds.round_of(conn, ROUND)


def _register(conn: Connection, user: int, home: tuple[float, float], choices: list[str], born: str,
              nik: str | None = None) -> str:
    fields = {"nama_anak": f"Anak {user}", "nik_anak": nik or f"12710100000{user:05d}", "tanggal_lahir": born,
              "jenjang": "SMP", "nama_pemohon": f"Orang tua {user}", "telp_pemohon": "0812 0000 0000",
              "email_pemohon": f"ortu{user}@example.org"}
    fields.update({f"pilihan_{i}": n for i, n in enumerate(choices, start=1)})
    receipt = cases.submit(conn, "ppdb", cases.Application(fields=fields, lon=home[0], lat=home[1],
                                                            files={"kartu_keluarga": PDF}), citizen(user))
    steps.transition(conn, "ppdb", receipt.case_ref, "verified", disdik())
    return receipt.case_ref


def _status(conn: Connection, ref: str) -> dict:
    return dict(conn.execute(text("SELECT * FROM layers.ppdb_registrations WHERE case_ref = :r"),
                             {"r": ref}).mappings().one())


def test_quotas_come_from_the_schools_capacity_and_the_zonasi_share(conn: Connection) -> None:
    _open_round(conn, zonasi_share=0.25)
    expected = conn.execute(text("""
        SELECT npsn, floor(coalesce(daya_tampung, 256) * 0.25)::int FROM layers.schools
        WHERE jenjang = 'SMP' AND status = 'Negeri' AND NOT lokasi_diragukan""")).all()
    assert {r["npsn"]: r["seats"] for r in rounds.quotas(conn, ROUND)} == dict(expected)


def test_registration_refuses_what_ppdb_alone_knows(conn: Connection) -> None:
    a, b, *_ = _school_with_room(conn)
    home = _home(conn, a, 400, 90)
    with pytest.raises(FormRejected, match="tidak dibuka"):
        _register(conn, 801, home, [a], "2013-03-01")
    _open_round(conn)
    with pytest.raises(FormRejected) as refused:
        _register(conn, 801, home, [a], "2013-13-01")
    assert "Tanggal lahir anak (TTTT-BB-HH): harus tanggal TTTT-BB-HH" in refused.value.problems
    with pytest.raises(FormRejected) as refused:
        _register(conn, 801, home, [a, a, "99999999"], "2005-01-01")
    said = " | ".join(map(str, refused.value.problems))
    assert "hanya boleh dipilih sekali" in said and "NPSN 99999999" in said and "tidak sesuai jenjang SMP" in said
    assert conn.execute(text("SELECT count(*) FROM layers.ppdb_registrations WHERE round_id = :r"),
                        {"r": ROUND}).scalar_one() == 0
    _register(conn, 801, home, [a, b], "2013-03-01", nik="1271010000000001")
    with pytest.raises(FormRejected, match="sudah terdaftar"):
        _register(conn, 802, home, [a], "2013-03-01", nik="1271010000000001")


def test_allocation_explains_each_choice_and_the_deadline_releases_seats_to_the_next_in_line(conn: Connection) -> None:
    a, b, *_ = _school_with_room(conn)
    round_row = _open_round(conn)
    conn.execute(text("UPDATE ppdb.quotas SET seats = CASE npsn WHEN :a THEN 2 WHEN :b THEN 1 ELSE seats END "
                      "WHERE round_id = :r"), {"a": a, "b": b, "r": ROUND})
    same_home = _home(conn, a, 600, 180)
    c3 = _register(conn, 803, same_home, [a, b], "2013-09-09")  # registered first, younger
    c1 = _register(conn, 801, _home(conn, a, 300, 0), [a], "2013-05-05")
    c2 = _register(conn, 802, same_home, [a], "2013-01-01")  # same home as c3, older
    c4 = _register(conn, 804, _home(conn, a, 900, 270), [a], "2013-02-02")
    with pytest.raises(TransitionNotAllowed, match="masih dibuka"):
        rounds.allocate_round(conn, ROUND, disdik())
    unchecked = cases.submit(conn, "ppdb", cases.Application(fields={
        "nama_anak": "Anak 805", "nik_anak": "1271010000000805", "tanggal_lahir": "2013-04-04", "jenjang": "SMP",
        "nama_pemohon": "Orang tua 805", "telp_pemohon": "0812 0000 0000", "pilihan_1": a},
        lon=same_home[0], lat=same_home[1], files={"kartu_keluarga": PDF}), citizen(805)).case_ref
    with pytest.raises(TransitionNotAllowed, match="1 pendaftaran yang berkasnya belum diverifikasi"):
        rounds.allocate_round(conn, ROUND, disdik(), now=round_row["closes_at"] + timedelta(minutes=1))
    steps.transition(conn, "ppdb", unchecked, "rejected", disdik(), note="Kartu Keluarga tidak terbaca")
    with pytest.raises(Forbidden):
        rounds.allocate_round(conn, ROUND, citizen(801), now=round_row["closes_at"])
    report = rounds.allocate_round(conn, ROUND, disdik(), now=round_row["closes_at"] + timedelta(minutes=1))
    assert (report.applicants, report.admitted) == (4, 3)
    assert [_status(conn, r)["status"] for r in (c1, c2, c3, c4)] == ["admitted", "admitted", "admitted", "not_admitted"]
    assert _status(conn, c3)["hasil_npsn"] == b and _status(conn, c3)["hasil_pilihan"] == 2

    explanation = rounds.results_for(conn, c3, citizen(803))[0]["explanation"]
    first, second = explanation["choices"]
    assert first["outcome"] == "full" and first["decided_by"] == "older_first"
    assert first["last_admitted_distance_m"] == pytest.approx(first["distance_m"], abs=0.01)
    assert (first["rank"], first["applicants"], first["seats"]) == (3, 4, 2)
    assert second["outcome"] == "admitted" and explanation["admitted_to"] == b
    assert "usia lebih tua" in _status(conn, c3)["public_note"]
    full = rounds.results_for(conn, c4, citizen(804))[0]["explanation"]["choices"][0]
    assert full["outcome"] == "full" and full["distance_m"] > full["last_admitted_distance_m"]
    with pytest.raises(TransitionNotAllowed, match="sudah dialokasikan"):
        rounds.allocate_round(conn, ROUND, disdik(), now=round_row["closes_at"] + timedelta(minutes=2))

    rounds.reregister(conn, c1, citizen(801))
    after = round_row["reregister_by"] + timedelta(minutes=1)
    with pytest.raises(TransitionNotAllowed, match="sudah lewat"):
        rounds.reregister(conn, c2, citizen(802), now=after)
    released = rounds.release_expired(conn, ROUND, disdik(), now=after)
    assert released.released == 2 and released.admitted == 1  # c2 and c3 did not confirm; c4 takes A's seat
    assert [_status(conn, r)["status"] for r in (c1, c2, c3, c4)] == ["re_registered", "released", "released", "admitted"]
    assert _status(conn, c4)["daftar_ulang_batas"] == after + timedelta(days=3)
    fill = {q["npsn"]: q for q in rounds.quotas(conn, ROUND)}
    assert (fill[a]["filled"], fill[a]["confirmed"], fill[a]["released"]) == (2, 1, 1)
    notices = conn.execute(text("SELECT count(*) FROM notify.outbox WHERE origin = 'ppdb:allocation'")).scalar_one()
    assert notices == 5  # four results of stage 1, c4's offer in stage 2


def test_quotas_are_never_exceeded_and_every_refusal_agrees_with_the_ranking(conn: Connection) -> None:
    a, b, *_ = _school_with_room(conn)
    round_row = _open_round(conn)
    conn.execute(text("UPDATE ppdb.quotas SET seats = 3 WHERE round_id = :r"), {"r": ROUND})
    refs = [_register(conn, 900 + i, _home(conn, a, 100 + 35 * i, (i * 47) % 360), [a, b] if i % 2 else [b, a],
                      f"2013-{1 + i % 12:02d}-{1 + i % 27:02d}") for i in range(20)]
    rounds.allocate_round(conn, ROUND, disdik(), now=round_row["closes_at"] + timedelta(minutes=1))
    for q in rounds.quotas(conn, ROUND):
        assert q["filled"] <= q["seats"]
    assert {q["npsn"]: q["filled"] for q in rounds.quotas(conn, ROUND) if q["npsn"] in (a, b)} == {a: 3, b: 3}
    for ref in refs:
        row = _status(conn, ref)
        choices = rounds.results_for(conn, ref, disdik())[0]["explanation"]["choices"]
        for c in choices:
            if c["outcome"] == "full":
                assert c["distance_m"] >= c["last_admitted_distance_m"] and c["rank"] > c["seats"]
            if c["outcome"] == "admitted":
                assert row["hasil_npsn"] == c["npsn"] and c["rank"] <= c["applicants"]
    with pytest.raises(Exception, match="quotas_check|check constraint"), conn.begin_nested():
        conn.execute(text("UPDATE ppdb.quotas SET seats = 0 WHERE round_id = :r AND npsn = :a"),
                     {"r": ROUND, "a": a})


def test_the_cli_opens_a_round_allocates_it_once_and_lists_its_quotas(isolated_database_url: str) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "DATABASE_URL": isolated_database_url}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "services", "ppdb", *args], env=env, capture_output=True,
                              text=True, timeout=120)

    made = run("round", "--id", "cli-smp", "--level", "SMP", "--opens", "2026-06-01T08:00",
               "--closes", "2026-06-05T16:00", "--reregister-by", "2026-06-10T16:00", "--share", "0.5")
    assert made.returncode == 0 and made.stdout.startswith("round cli-smp: "), made.stderr
    allocated = run("allocate", "--round", "cli-smp")
    assert allocated.returncode == 0 and "round cli-smp stage 1: 0 applicants" in allocated.stdout, allocated.stderr
    again = run("allocate", "--round", "cli-smp")
    assert again.returncode == 1 and "gelombang cli-smp sudah dialokasikan" in again.stderr
    listed = run("quotas", "--round", "cli-smp")
    assert listed.returncode == 0 and "0/" in listed.stdout
