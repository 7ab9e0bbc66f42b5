"""The photo sent with a report: on its tracking page and in Open311's media_url, resized and
without location metadata, for whoever may see the report and nobody else.

Before: the tracking page showed no photo and Open311 answered `media_url: null`.
"""

from __future__ import annotations

import io
import re
from typing import Any

from PIL import ExifTags, Image
from sqlalchemy import text

from services.engine.media import WEB_MAX_SIDE
from tests.helpers.complaints import INSIDE, post_report

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
GPS = ExifTags.IFD.GPSInfo


def camera_jpeg(size: tuple[int, int] = (3000, 2000)) -> bytes:
    """A phone camera's JPEG: 6 MP with the GPS position of the house it was taken at, and a rotation."""
    image = Image.new("RGB", size, (120, 90, 60))
    image.paste((230, 230, 230), (0, 0, size[0] // 3, size[1]))  # a light band on the left
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCam"
    exif[ExifTags.Base.Orientation] = 6  # taken sideways: shown turned 90° clockwise
    gps = exif.get_ifd(GPS)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (3.0, 35.0, 42.72)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (98.0, 40.0, 20.16)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80, exif=exif)
    data = buffer.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS)  # it does carry a GPS position
    return data


def file_from_the_form(web: Any, photo: bytes) -> str:
    token = CSRF_FIELD.search(web.get("/lapor").get_data(as_text=True)).group(1)
    data = {"service_code": "LAMPU_JALAN", "lat": INSIDE["lat"], "long": INSIDE["long"],
            "attr-LAMPU_JALAN-KONDISI": "mati", "description": "Lampu gang mati.", "csrf_token": token,
            "media": (io.BytesIO(photo), "IMG_0001.jpg")}
    response = web.post("/lapor", data=data, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return re.search(r"/lapor/(MDN-[0-9A-Z]+)", response.headers["Location"]).group(1)


def test_the_photo_is_on_the_tracking_page_resized_and_without_location(web) -> None:  # noqa: ANN001
    rid = file_from_the_form(web, camera_jpeg())
    page = web.get(f"/lapor/{rid}").get_data(as_text=True)
    assert f'src="/lapor/{rid}/foto"' in page
    served = web.get(f"/lapor/{rid}/foto")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert "no-cache" in served.headers["Cache-Control"]
    image = Image.open(io.BytesIO(served.data))
    assert max(image.size) <= WEB_MAX_SIDE
    assert image.size == (853, 1280)  # upright: the sideways 3000 x 2000 turned, then scaled down
    assert image.getpixel((image.width - 5, 5))[0] > 200  # the light band is now at the top
    exif = image.getexif()
    assert not exif.get_ifd(GPS) and len(exif) == 0
    assert b"Exif" not in served.data and b"PhoneCam" not in served.data and b"http://ns.adobe.com/xap" not in served.data
    assert len(served.data) < 300_000
    # The same copy again (made once, kept): 304 when the browser has it.
    again = web.get(f"/lapor/{rid}/foto", headers={"If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304


def test_open311_gives_a_media_url_that_resolves_for_whoever_may_see_the_report(web) -> None:  # noqa: ANN001
    response = post_report(web, media=(io.BytesIO(camera_jpeg((1600, 1200))), "foto.jpg"))
    rid = response.get_json()[0]["service_request_id"]
    (record,) = web.get(f"/open311/v2/requests/{rid}.json").get_json()
    assert record["media_url"] == f"http://localhost/lapor/{rid}/foto"
    listed = {r["service_request_id"]: r for r in web.get("/open311/v2/requests.json").get_json()}
    assert listed[rid]["media_url"] == record["media_url"]
    assert f"<media_url>http://localhost/lapor/{rid}/foto</media_url>" in web.get(
        f"/open311/v2/requests/{rid}.xml").get_data(as_text=True)
    photo = web.get(record["media_url"].replace("http://localhost", ""))
    assert photo.status_code == 200 and not Image.open(io.BytesIO(photo.data)).getexif().get_ifd(GPS)


def test_a_report_without_a_photo_has_none(web) -> None:  # noqa: ANN001
    rid = post_report(web).get_json()[0]["service_request_id"]
    (record,) = web.get(f"/open311/v2/requests/{rid}.json").get_json()
    assert record["media_url"] is None
    assert web.get(f"/lapor/{rid}/foto").status_code == 404
    assert "report-photo" not in web.get(f"/lapor/{rid}").get_data(as_text=True)


def test_who_may_not_see_the_report_cannot_fetch_its_photo(web, complaints_app, staff_token) -> None:  # noqa: ANN001
    rid = post_report(web, media=(io.BytesIO(camera_jpeg((800, 600))), "foto.jpg")).get_json()[0]["service_request_id"]
    assert web.get(f"/lapor/{rid}/foto").status_code == 200
    # The photo as sent (with its EXIF) is for the agency's staff only, as before.
    other_agency = {"Authorization": f"Bearer {staff_token('staff', agencies=('DLH',))}"}
    assert web.get(f"/open311/staff/requests/{rid}/media", headers=other_agency).status_code in (403, 404)
    assert web.get(f"/open311/staff/requests/{rid}/media").status_code == 401
    # Taken off the record (the database derives the public record from it): its public photo goes with it.
    engine = complaints_app.extensions["engine"]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM layers.complaints WHERE service_request_id = :id"), {"id": rid})
    assert web.get(f"/lapor/{rid}/foto").status_code == 404
    assert web.get(f"/open311/v2/requests/{rid}.json").status_code == 404
    for bad in ("MDN-NOPE0000", "../../etc/passwd", "MDN-" + "A" * 40):
        assert web.get(f"/lapor/{bad}/foto").status_code == 404
