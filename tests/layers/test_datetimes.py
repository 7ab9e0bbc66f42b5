"""Timestamps of mixed precision and time zone pass every datetime path: reads, exports, downloads.

A report filed through the web form is stamped with microseconds
(2026-03-01 08:15:30.123456+07) while seed rows and imports carry whole
seconds, and rows arrive with different offsets. PostgreSQL prints each value
as short as it can, so one COPY holds both shapes; a parser that infers one
format from the first row fails on the next. Every layer with a datetime
property gets such rows here, and each path must read them as the same
instants in UTC.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from flask.testing import FlaskClient
from psycopg2 import sql
from sqlalchemy import text
from sqlalchemy.engine import make_url

from geodata.cluster import drop_database
from layers import export_layer, read_layer
from layers.db import engine_for
from layers.registry import get_registry
from layers.schema import LAYER_SCHEMA
from tests.helpers.complaints import post_report
from tests.helpers.database import clone_database, settings_for

# What the database is given (mixed precision, offsets and spelling) and the UTC instant each stands for.
MIXED = [
    ("2026-03-01 08:15:30.123456+07", "2026-03-01T01:15:30.123456+00:00"),
    ("2026-03-01T01:15:31Z", "2026-03-01T01:15:31+00:00"),
    ("2026-02-28 20:15:32.5-05:00", "2026-03-01T01:15:32.500000+00:00"),
]
DATETIME_LAYERS = sorted(spec.id for spec in get_registry()
                         if any(p.type == "datetime" for p in spec.properties))


def datetime_columns(layer_id: str) -> list[str]:
    return [p.name for p in get_registry().get(layer_id).properties if p.type == "datetime"]


def instants(values: pd.Series) -> list[str]:
    return [pd.Timestamp(v).isoformat() for v in values]


@pytest.fixture(scope="module")
def mixed_times_url(server_url: str, template_database_url: str) -> Iterator[str]:
    """A clone in which the first three rows of every datetime layer carry MIXED in each datetime column.

    A layer the database derives from another (complaints_public) refuses writes of its own: it gets
    the stamps through its source's rows, which it mirrors in the same order."""
    url = clone_database(server_url, template_database_url)
    engine = engine_for(url)
    with engine.begin() as connection:
        cursor = connection.connection.dbapi_connection.cursor()
        for layer_id in DATETIME_LAYERS:
            if get_registry().get(layer_id).derived_from:
                continue
            table = sql.Identifier(LAYER_SCHEMA, layer_id)
            cursor.execute(sql.SQL("SELECT fid FROM {} ORDER BY fid LIMIT 3").format(table))
            fids = [row[0] for row in cursor.fetchall()]
            assert len(fids) == 3, f"{layer_id} has fewer than three seed rows to stamp"
            for fid, (given, _utc) in zip(fids, MIXED, strict=True):
                assignments = sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(c))
                                                 for c in datetime_columns(layer_id))
                cursor.execute(sql.SQL("UPDATE {} SET {} WHERE fid = %s").format(table, assignments),
                               [given] * len(datetime_columns(layer_id)) + [fid])
    yield url
    engine.dispose()
    drop_database(server_url, make_url(url).database)


@pytest.fixture(scope="module")
def mixed_times_client(mixed_times_url: str) -> FlaskClient:
    from webgis.app import create_app

    return create_app(settings_for(mixed_times_url, api_token="test-token")).test_client()


@pytest.mark.parametrize("layer_id", DATETIME_LAYERS)
def test_read_layer_takes_mixed_precision_and_zones(mixed_times_url: str, layer_id: str) -> None:
    frame = read_layer(engine_for(mixed_times_url), layer_id, include_private=True)
    for column in datetime_columns(layer_id):
        assert str(frame[column].dt.tz) == "UTC"
        assert instants(frame[column].iloc[:3]) == [utc for _given, utc in MIXED], column


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "csv"])
@pytest.mark.parametrize("layer_id", DATETIME_LAYERS)
def test_export_keeps_every_instant(mixed_times_url: str, layer_id: str, fmt: str, tmp_path: Path) -> None:
    path = tmp_path / f"{layer_id}.{fmt}"
    export_layer(engine_for(mixed_times_url), layer_id, path, include_private=True)
    column = datetime_columns(layer_id)[0]
    if fmt == "csv":
        written = pd.Series([row[column] for row in csv.DictReader(path.open())][:3])
        expected = [utc for _given, utc in MIXED]
    else:
        # GeoPackage's DATETIME (and OGR's, hence GeoJSON written by it) counts milliseconds.
        written = pyogrio.read_dataframe(path)[column].iloc[:3]
        expected = [pd.Timestamp(utc).floor("ms").isoformat() for _given, utc in MIXED]
    assert [pd.Timestamp(v).tz_convert("UTC").isoformat() for v in written] == expected


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "csv"])
@pytest.mark.parametrize("layer_id", DATETIME_LAYERS)
def test_the_catalogue_downloads_them(mixed_times_client: FlaskClient, layer_id: str, fmt: str) -> None:
    response = mixed_times_client.get(f"/katalog/{layer_id}.{fmt}", headers={"Authorization": "Bearer test-token"})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    if fmt == "geojson":
        first = json.loads(response.get_data())["features"][0]["properties"]
        assert pd.Timestamp(first[datetime_columns(layer_id)[0]]) == pd.Timestamp(MIXED[0][1]).floor("ms")


def test_a_report_filed_on_the_web_form_leaves_the_public_downloads_working(
        web: FlaskClient, complaints_url: str) -> None:
    """The case as it was found: seed rows in whole seconds, then one report stamped with microseconds."""
    assert post_report(web).status_code == 200
    with engine_for(complaints_url).connect() as connection:
        stamps = connection.execute(text(
            "SELECT requested_datetime::text FROM layers.complaints_public ORDER BY fid")).scalars().all()
    assert any("." in s for s in stamps) and any("." not in s for s in stamps)
    for fmt in ("geojson", "gpkg", "csv"):
        assert web.get(f"/katalog/complaints_public.{fmt}").status_code == 200, fmt
    rows = list(csv.DictReader(io.StringIO(web.get("/katalog/complaints_public.csv").get_data(as_text=True))))
    assert len(rows) == len(stamps)
