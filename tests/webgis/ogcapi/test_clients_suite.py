"""Real clients against a live server with the limits the platform ships, and no special headers.

Issue 17: GDAL (ogrinfo, ogr2ogr) and QGIS load every public layer without a refusal
("a QGIS or GDAL session that loads every public layer must not see a 429"); OWSLib reads,
creates, updates and deletes (Part 4) with nothing but its token; QGIS's OAPIF editing
requests are accepted. The live server counts every request (benchmarks/clients/live.py),
the same way benchmarks/bench_clients.py reports them.

QGIS runs in Debian's system python (/usr/bin/python3 with python3-qgis, which ./medan
setup installs); a missing QGIS fails these tests rather than skipping them.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from owslib.ogcapi.features import Features
from sqlalchemy import text
from sqlalchemy.engine import make_url

from benchmarks.bench_clients import QGIS_SCRIPT, SYSTEM_PYTHON, gdal_session, public_counts
from benchmarks.clients.live import RequestLog, serve
from config.settings import WebSettings
from geodata.cluster import drop_database
from layers.db import engine_for
from tests.helpers.database import clone_database, settings_for
from webgis.accounts import manage
from webgis.app import create_app

SHIPPED = WebSettings()  # the production limits, not the suite's generous ones


@pytest.fixture(scope="module")
def live(server_url: str, template_database_url: str) -> Iterator[tuple[str, RequestLog, object]]:
    """The platform on a port of its own, on a database of its own (the edits commit)."""
    url = clone_database(server_url, template_database_url)
    settings = settings_for(url, api_token="test-token",
                            expensive_query_rate_limit=SHIPPED.expensive_query_rate_limit,
                            expensive_query_rate_limit_per_address=SHIPPED.expensive_query_rate_limit_per_address)
    app = create_app(settings)
    with serve(app) as (base, log):
        yield base, log, app
    engine_for(url).dispose()
    drop_database(server_url, make_url(url).database)


def _token(app, role: str = "staff") -> str:  # noqa: ANN001
    """The secret of a new user's API token (staff may write schools)."""
    engine = app.extensions["engine"]
    user = manage.create_user(engine, "test", None, f"t{uuid.uuid4().hex[:12]}", "kata-sandi-yang-panjang",
                              roles=(role,))
    return manage.create_token(engine, "test", None, user, "test").secret


def _refused(entries: list) -> list:
    return [e for e in entries if e[2] >= 400]


@pytest.mark.parametrize("page_size", [None, 10000])
def test_gdal_loads_every_public_layer_with_no_request_refused(live, tmp_path: Path, page_size: int | None) -> None:  # noqa: ANN001
    base, log, app = live
    mark = log.mark()
    outcome = gdal_session(base, tmp_path, page_size)
    entries = log.since(mark)
    assert outcome["ok"], outcome["errors"]
    assert outcome["features"] == public_counts(app.extensions["engine"])
    assert entries and not _refused(entries), _refused(entries)[:5]


def _qgis(base: str) -> dict:
    assert Path(SYSTEM_PYTHON).exists(), f"{SYSTEM_PYTHON} is missing"
    done = subprocess.run([SYSTEM_PYTHON, str(QGIS_SCRIPT), base], capture_output=True, text=True, timeout=900,
                          env={"PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": "/tmp"})
    assert done.returncode == 0, ("QGIS did not run; install python3-qgis (./medan setup does): "
                                  + done.stderr[-1500:])
    return json.loads(done.stdout)


def test_qgis_reads_every_public_layer_with_no_request_refused(live) -> None:  # noqa: ANN001
    base, log, app = live
    mark = log.mark()
    result = _qgis(base)
    entries = log.since(mark)
    collections = result["collections"]
    assert {k: c["valid"] for k, c in collections.items()} == {k: True for k in public_counts(app.extensions["engine"])}
    assert {k: c["features"] for k, c in collections.items()} == public_counts(app.extensions["engine"])
    assert collections["schools"]["fields"]["nama"] in ("String", "string", "QString")
    assert entries and not _refused(entries), _refused(entries)[:5]
    major, minor = (int(p) for p in result["qgis"].split(".")[:2])
    if (major, minor) < (3, 32):
        # QGIS's OAPIF provider edits from 3.32 on (Part 4: POST, PUT, PATCH, DELETE); Debian 12 ships 3.22.
        # When it edits, this says so, and test_qgis_oapif_edit_requests should drive the provider itself.
        assert not any(collections["schools"]["editing"].values()), collections["schools"]["editing"]


@pytest.fixture
def owslib_headers() -> Iterator[None]:
    """OWSLib 0.35's API.__init__ updates the module's REQUEST_HEADERS dict in place, so a token given
    to one Features() would go with every later one in this process (other tests' anonymous reads)."""
    import owslib.ogcapi

    saved = dict(owslib.ogcapi.REQUEST_HEADERS)
    yield
    owslib.ogcapi.REQUEST_HEADERS.clear()
    owslib.ogcapi.REQUEST_HEADERS.update(saved)


def test_owslib_reads_creates_updates_and_deletes_with_only_its_token(live, owslib_headers) -> None:  # noqa: ANN001
    """OWSLib's collection_item_create/update/delete send no If-Match (issue 17 item 6)."""
    base, log, app = live
    secret = _token(app)
    api = Features(base, headers={"Authorization": f"Bearer {secret}"})
    mark = log.mark()
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [98.671, 3.591]},
               "properties": {"npsn": "T" + uuid.uuid4().hex[:7], "nama": "SD OWSLib", "jenjang": "SD",
                              "status": "Swasta"}}
    assert api.collection_item_create("schools", feature)
    location = api.response_headers["Location"]
    fid = location.rsplit("/", 1)[1]
    assert api.collection_item("schools", fid)["properties"]["nama"] == "SD OWSLib"
    changed = {**feature, "properties": {**feature["properties"], "nama": "SD OWSLib Baru"}}
    assert api.collection_item_update("schools", fid, json.dumps(changed))
    assert api.collection_item("schools", fid)["properties"]["nama"] == "SD OWSLib Baru"
    assert api.collection_item_delete("schools", fid)
    assert requests.get(location, timeout=30).status_code == 404
    assert not _refused(log.since(mark)[:-1])  # all but the final 404 check
    with app.extensions["engine"].connect() as conn:
        history = conn.execute(text(
            "SELECT op, actor, (old->>'version')::int FROM core.feature_history WHERE layer = 'schools' "
            "AND fid = :fid ORDER BY id"), {"fid": int(fid)}).all()
    assert [(op, version) for op, _, version in history] == [("insert", None), ("update", 1), ("delete", 2)]
    assert len({actor for _, actor, _ in history}) == 1 and history[0][1].startswith("token:")


def test_qgis_oapif_edit_requests_are_accepted(live) -> None:  # noqa: ANN001
    """The requests QGIS 3.32+'s OAPIF provider sends to edit (src/providers/wfs/oapif: an OPTIONS
    on the items URL for the Allow header, then POST application/geo+json, PATCH
    application/merge-patch+json for attributes and for the geometry, PUT application/geo+json,
    DELETE; none carries If-Match), with the token its "API header" authentication sends."""
    base, _, app = live
    secret = _token(app)
    auth = {"Authorization": f"Bearer {secret}"}
    items = f"{base}collections/schools/items"
    allow = requests.options(items, timeout=30).headers["Allow"]
    assert "POST" in allow
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [98.672, 3.592]},
               "properties": {"npsn": "Q" + uuid.uuid4().hex[:7], "nama": "SD QGIS", "jenjang": "SD", "status": "Negeri"}}
    created = requests.post(items, data=json.dumps(feature), timeout=30,
                            headers={**auth, "Content-Type": "application/geo+json"})
    assert created.status_code == 201, created.text
    item = created.headers["Location"]
    assert {"PUT", "PATCH", "DELETE"} <= set(requests.options(item, timeout=30).headers["Allow"].split(", "))
    merge = {**auth, "Content-Type": "application/merge-patch+json"}
    assert requests.patch(item, data=json.dumps({"properties": {"alamat": "Jl. QGIS 1"}}), headers=merge,
                          timeout=30).status_code == 204
    assert requests.patch(item, data=json.dumps({"geometry": {"type": "Point", "coordinates": [98.673, 3.593]}}),
                          headers=merge, timeout=30).status_code == 204
    replaced = {**feature, "id": item.rsplit("/", 1)[1], "properties": {**feature["properties"], "nama": "SD QGIS 2"}}
    assert requests.put(item, data=json.dumps(replaced), headers={**auth, "Content-Type": "application/geo+json"},
                        timeout=30).status_code == 204
    got = requests.get(item, timeout=30).json()
    assert got["properties"]["nama"] == "SD QGIS 2" and got["geometry"]["coordinates"] == [98.672, 3.592]
    assert requests.delete(item, headers=auth, timeout=30).status_code == 204
    assert requests.get(item, timeout=30).status_code == 404
