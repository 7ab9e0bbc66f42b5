"""Counts per kelurahan: to the declared roles only, never a point or a person, small counts suppressed
and no total that would give one back (the published table checked against the true one)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import Engine, text

from services.kelurahan_counts import disclosure
from tests.helpers.accounts import PASSWORD, build_app, login
from tests.helpers.database import own_database
from webgis.accounts import manage


@pytest.fixture(scope="module")
def counts_app(server_url: str, template_database_url: str) -> Iterator[Flask]:
    from layers.db import engine_for
    from services.kelurahan_counts.seed import seed

    with own_database(server_url, template_database_url) as url:
        assert seed(engine_for(url)) == 151 * 3 * 2
        yield build_app(url)


def _token(engine: Engine, role: str) -> str:
    user = manage.create_user(engine, "test", None, f"k{role}{uuid.uuid4().hex[:6]}", PASSWORD, roles=[role])
    return manage.create_token(engine, "test", None, user, "t", roles=[role]).secret


def test_only_the_declared_roles_read_the_counts(counts_app: Flask) -> None:
    engine = counts_app.extensions["engine"]
    url = "/api/statistik/kelurahan?indikator=imunisasi_dasar_lengkap&tahun=2025&f=json"
    client = counts_app.test_client()
    assert client.get(url).status_code == 401
    for role, status in (("citizen", 403), ("operator", 403), ("staff", 200), ("planner", 200), ("admin", 200)):
        response = client.get(url, headers={"Authorization": f"Bearer {_token(engine, role)}"})
        assert response.status_code == status, role
    planner = _token(engine, "planner")
    assert client.get("/api/statistik/kelurahan?indikator=rekam_medis", headers={
        "Authorization": f"Bearer {planner}"}).status_code == 404
    page = counts_app.test_client()
    assert page.get("/statistik/kelurahan").status_code == 302  # to the login
    user = manage.create_user(engine, "test", None, f"warga{uuid.uuid4().hex[:6]}", PASSWORD, roles=["citizen"])
    login(page, user.username)
    assert page.get("/statistik/kelurahan").status_code == 403


def _true(engine: Engine, indicator: str, year: int) -> dict[str, tuple[int, int, str]]:
    with engine.connect() as conn:
        return {r.kode_kel: (r.jumlah, r.sasaran, r.kode_kec) for r in conn.execute(text(
            "SELECT c.kode_kel, c.jumlah, c.sasaran, k.kode_kec FROM kelcounts.counts c JOIN layers.kelurahan k "
            "USING (kode_kel) WHERE indikator = :i AND tahun = :y"), {"i": indicator, "y": year})}


@pytest.mark.parametrize("indicator", ["imunisasi_dasar_lengkap", "partisipasi_sd", "partisipasi_smp"])
def test_no_published_figure_reveals_a_count_under_10(counts_app: Flask, indicator: str) -> None:
    engine = counts_app.extensions["engine"]
    headers = {"Authorization": f"Bearer {_token(engine, 'planner')}"}
    for year in (2025, 2026):
        data = counts_app.test_client().get(f"/api/statistik/kelurahan?indikator={indicator}&tahun={year}",
                                            headers=headers).get_json()
        true = _true(engine, indicator, year)
        assert len(data["features"]) == 151
        assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in data["features"])  # never points
        suppressed = 0
        for f in data["features"]:
            p = f["properties"]
            count, target, _ = true[p["kode_kel"]]
            for shown, value in ((p["jumlah"], count), (p["sasaran"], target)):
                assert shown is None or not disclosure.small(shown)  # nothing 1..9 is ever shown
                assert shown is None or shown == value
            if p["jumlah"] is not None and p["sasaran"] is not None:
                assert not disclosure.small(target - count)  # the complement cannot be subtracted out
            suppressed += p["jumlah"] is None
        assert suppressed > 0  # the seed's small kelurahan exercise the rule
        for district in data["kecamatan"]:
            cells = [(c, s) for c, s, kec in true.values() if kec == district["kode_kec"]]
            if district["jumlah"] is not None:
                assert district["jumlah"] == sum(c for c, _ in cells)
                if district["sasaran"] is not None:
                    assert not disclosure.small(district["sasaran"] - district["jumlah"])
            published = [f["properties"] for f in data["features"] if f["properties"]["kode_kec"] == district["kode_kec"]]
            hidden = [true[p["kode_kel"]][0] for p in published if p["jumlah"] is None and true[p["kode_kel"]][0]]
            if district["jumlah"] is not None and hidden:
                assert disclosure.total_is_safe(hidden)  # the total narrows no hidden cell
