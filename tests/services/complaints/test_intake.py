"""Intake on the service level: tagging from the spatial core, duplicates, photos, device alarms."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from layers import engine_for, read_layer
from services.complaints import intake, open_report_for_alarm
from services.complaints.records import now_utc
from services.engine import media
from services.errors import ServiceError
from tests.helpers.complaints import image_bytes


@pytest.fixture(scope="module")
def engine(complaints_url: str):  # noqa: ANN201
    return engine_for(complaints_url)


def _light(engine) -> tuple[str, float, float]:  # noqa: ANN001
    lights = read_layer(engine, "street_lights", limit=1)
    return lights["kode"].iloc[0], lights.geometry.iloc[0].x, lights.geometry.iloc[0].y


def test_tags_kelurahan_risk_agency_and_the_nearest_device(engine) -> None:  # noqa: ANN001
    code, lon, lat = _light(engine)
    receipt = intake.submit(engine, intake.Submission(service_code="LAMPU_JALAN", long=lon + 0.0002, lat=lat,
                                                      attributes={"KONDISI": "berkedip"}))
    tags = receipt.tags
    assert tags.nearest_device == code and 15 < tags.device_distance_m < 30  # 0.0002° of longitude ≈ 22 m
    assert tags.agency == "DPKPPR" and tags.risk_class in ("rendah", "sedang", "tinggi")
    with engine.connect() as conn:
        kel = conn.execute(text("SELECT kode_kel FROM layers.kelurahan WHERE ST_Intersects(geom, "
                                "ST_SetSRID(ST_MakePoint(:x, :y), 4326))"), {"x": lon + 0.0002, "y": lat}).scalar()
    assert tags.kode_kel == kel
    # Road damage names no device layer: nothing is tagged however close a light is.
    road = intake.submit(engine, intake.Submission(service_code="JALAN_RUSAK", long=lon, lat=lat,
                                                   attributes={"JENIS_KERUSAKAN": "lubang"}))
    assert road.tags.nearest_device is None and road.tags.agency == "DSDABMBK"


def test_the_agency_follows_the_area(engine) -> None:  # noqa: ANN001
    belawan = read_layer(engine, "kelurahan", where={"nama_kec": "Medan Belawan"}, limit=1).geometry.iloc[0]
    point = belawan.representative_point()
    flood = intake.submit(engine, intake.Submission(service_code="BANJIR", long=point.x, lat=point.y,
                                                    attributes={"KEDALAMAN_CM": "30"}))
    assert flood.tags.nama_kec == "Medan Belawan" and flood.tags.agency == "BPBD"


def test_duplicates_only_within_the_window(engine) -> None:  # noqa: ANN001
    lon, lat = 98.6600, 3.5700
    first = intake.submit(engine, intake.Submission(service_code="SAMPAH", long=lon, lat=lat,
                                                    attributes={"HARI_TIDAK_DIANGKUT": "3"}))
    found = intake.suggest_duplicates(engine, "SAMPAH", lon + 0.0003, lat)  # ~33 m
    assert [d["service_request_id"] for d in found] == [first.service_request_id]
    assert intake.suggest_duplicates(engine, "SAMPAH", lon + 0.0003, lat, now=now_utc() + timedelta(days=31)) == []
    assert intake.suggest_duplicates(engine, "SAMPAH", lon + 0.0006, lat) == []  # ~67 m


def test_attribute_values_are_checked_by_datatype() -> None:
    flood = intake.category_for("BANJIR")
    clean, problems = flood.check_attributes({"KEDALAMAN_CM": "12.5", "SEJAK": "2026-11-29T06:00:00+07:00"})
    assert clean == {"KEDALAMAN_CM": 12.5, "SEJAK": "2026-11-29T06:00:00+07:00"} and problems == []
    _, problems = flood.check_attributes({"KEDALAMAN_CM": "400", "SEJAK": "kemarin"})
    assert len(problems) == 2 and "maximum" in problems[0] and "ISO 8601" in problems[1]
    waste = intake.category_for("SAMPAH")
    clean, problems = waste.check_attributes({"HARI_TIDAK_DIANGKUT": "2", "JENIS_SAMPAH": ["organik", "b3"]})
    assert clean["JENIS_SAMPAH"] == ["b3", "organik"] and problems == []


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_real_images_pass_the_content_check(fmt: str) -> None:
    assert media.check_photo(image_bytes(fmt)) == fmt


def test_an_image_with_a_false_signature_is_refused() -> None:
    png = image_bytes("PNG")
    with pytest.raises(media.BadPhoto):
        media.check_photo(b"\xff\xd8\xff" + png[3:])  # JPEG magic on PNG content
    with pytest.raises(media.BadPhoto):
        media.check_photo(png[: len(png) // 2])  # truncated


def test_a_device_alarm_opens_one_report_linked_to_the_device(engine) -> None:  # noqa: ANN001
    code, lon, lat = _light(engine)
    alarm = {"kode": "ALM-990001", "device_layer": "street_lights", "device_code": code, "rule": "lamp_off",
             "severity": "critical", "message": "Lampu tidak menyala pada malam hari"}
    rid = open_report_for_alarm(engine, alarm)
    assert rid is not None and open_report_for_alarm(engine, alarm) == rid
    with engine.connect() as conn:
        row = conn.execute(text("SELECT device_alarm, nearest_device, service_code, ST_X(geom) AS x "
                                "FROM layers.complaints WHERE service_request_id = :r"), {"r": rid}).mappings().one()
    assert row["device_alarm"] == "ALM-990001" and row["nearest_device"] == code
    assert row["service_code"] == "LAMPU_JALAN" and row["x"] == pytest.approx(lon)
    assert open_report_for_alarm(engine, {**alarm, "kode": "ALM-990002", "severity": "info"}) is None
    assert open_report_for_alarm(engine, {**alarm, "kode": "ALM-990003", "device_layer": "cctv"}) is None


def test_outside_medan_is_refused_before_anything_is_written(engine) -> None:  # noqa: ANN001
    with engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM layers.complaints")).scalar_one()
    with pytest.raises(ServiceError, match="outside Kota Medan"):
        intake.submit(engine, intake.Submission(service_code="SAMPAH", long=98.0, lat=3.59,
                                                attributes={"HARI_TIDAK_DIANGKUT": "3"}))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM layers.complaints")).scalar_one() == before
