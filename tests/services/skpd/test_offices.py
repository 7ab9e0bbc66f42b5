"""The seeded offices and WAN links in the database: codes as the seams say, synthetic offices inside
their real kelurahan, cited ones labelled with their source, the attendance machines standing in the
camat and lurah offices, every link joining two offices."""

from __future__ import annotations

import re

from sqlalchemy import Connection, text

from services.skpd.agencies import get_agencies
from services.skpd.seed import AREA_AGENCIES

CODES = re.compile(r"^(SKPD-[A-Z]+|KC-12\.71\.\d{2}|KL-12\.71\.\d{2}\.\d{4}|UPT-[A-Z]+-\d+)$")


def test_codes_and_counts_follow_the_seams(conn: Connection) -> None:
    rows = conn.execute(text("SELECT kode, jenis, agency FROM layers.offices")).all()
    assert all(CODES.match(kode) for kode, _, _ in rows), [k for k, _, _ in rows if not CODES.match(k)]
    kinds = {}
    for _, jenis, _ in rows:
        kinds[jenis] = kinds.get(jenis, 0) + 1
    # One head office per agency of the vocabulary (23 since the library's DISPUSIP), one per kecamatan and kelurahan.
    head_offices = len([a for a in get_agencies() if a.code not in AREA_AGENCIES])
    assert head_offices >= 23
    assert kinds == {"skpd": head_offices, "kecamatan": 21, "kelurahan": 151, "upt": 38}
    assert {a for _, j, a in rows if j == "kecamatan"} == {"KECAMATAN"}
    assert {a for _, j, a in rows if j == "kelurahan"} == {"KELURAHAN"}


def test_synthetic_offices_lie_in_their_kelurahan_and_cited_ones_say_where_from(conn: Connection) -> None:
    outside = conn.execute(text("""
        SELECT o.kode FROM layers.offices o JOIN layers.kelurahan k ON k.kode_kel = o.kode_kel
        WHERE o.source = 'synthetic' AND NOT ST_Covers(k.geom, o.geom)""")).scalars().all()
    assert outside == []
    unplaced = conn.execute(text("SELECT kode FROM layers.offices WHERE source = 'synthetic' AND kode_kel IS NULL"))
    assert unplaced.scalars().all() == []
    sources = dict(conn.execute(text("SELECT lokasi, string_agg(DISTINCT source, ',') FROM layers.offices GROUP BY lokasi")).all())
    assert sources == {"alamat_publik": "alamat-publik", "registri_kemenkes_2019": "kemenkes-2019", "sintetis": "synthetic"}


def test_the_attendance_machines_stand_in_the_camat_and_lurah_offices(conn: Connection) -> None:
    apart = conn.execute(text("""
        SELECT a.kode, a.nama FROM layers.attendance_machines a
        WHERE NOT EXISTS (SELECT 1 FROM layers.offices o WHERE o.jenis IN ('kecamatan', 'kelurahan')
                          AND ST_DWithin(o.geom::geography, a.geom::geography, 1.0))""")).all()
    assert apart == []


def test_every_link_joins_two_offices_along_its_line(conn: Connection) -> None:
    broken = conn.execute(text("""
        SELECT l.kode FROM layers.network_links l
        LEFT JOIN layers.offices a ON a.kode = l.dari LEFT JOIN layers.offices b ON b.kode = l.ke
        WHERE a.kode IS NULL OR b.kode IS NULL
           OR NOT ST_DWithin(ST_StartPoint(ST_GeometryN(l.geom, 1))::geography, a.geom::geography, 1.0)
           OR NOT ST_DWithin(ST_EndPoint(ST_GeometryN(l.geom, ST_NumGeometries(l.geom)))::geography, b.geom::geography, 1.0)
        """)).all()
    assert broken == []
    served = conn.execute(text("SELECT count(DISTINCT ke) FROM layers.network_links")).scalar_one()
    offices = conn.execute(text("SELECT count(*) FROM layers.offices")).scalar_one()
    assert served == offices - 1  # every site but the data centre has its uplink
