"""GeoReport v2 responses checked field by field against the specification, in JSON and XML."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from tests.helpers.complaints import INSIDE, post_report

W3C = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")
SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
ATTRIBUTE_FIELDS = ["variable", "code", "datatype", "required", "datatype_description", "order", "description"]
REQUEST_FIELDS = ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"]
CODES = {"JALAN_RUSAK", "BANJIR", "LAMPU_JALAN", "SAMPAH", "LAMPU_LALU_LINTAS", "BANGUNAN_LIAR"}


def xml_of(response) -> ET.Element:  # noqa: ANN001
    assert response.content_type == "text/xml; charset=utf-8"
    assert response.data.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.data)


def test_services_json(web) -> None:  # noqa: ANN001
    response = web.get("/open311/v2/services.json")
    assert response.status_code == 200 and response.content_type == "application/json; charset=utf-8"
    services = response.get_json()
    assert {s["service_code"] for s in services} == CODES
    for service in services:
        assert list(service) == SERVICE_FIELDS
        assert service["metadata"] is True and service["type"] == "realtime"
        assert service["service_name"] and isinstance(service["keywords"], str)


def test_services_xml(web) -> None:  # noqa: ANN001
    root = xml_of(web.get("/open311/v2/services.xml"))
    assert root.tag == "services"
    children = root.findall("service")
    assert {s.findtext("service_code") for s in children} == CODES
    for service in children:
        assert [c.tag for c in service] == SERVICE_FIELDS
        assert service.findtext("metadata") == "true" and service.findtext("type") == "realtime"


def test_service_definition_json_and_xml(web) -> None:  # noqa: ANN001
    definition = web.get("/open311/v2/services/JALAN_RUSAK.json").get_json()
    assert list(definition) == ["service_code", "attributes"] and definition["service_code"] == "JALAN_RUSAK"
    first = definition["attributes"][0]
    assert list(first) == [*ATTRIBUTE_FIELDS, "values"]
    assert first["variable"] is True and first["datatype"] == "singlevaluelist" and first["required"] is True
    assert first["order"] == 1 and {"key": "lubang", "name": "Berlubang"} in first["values"]
    flood = web.get("/open311/v2/services/BANJIR.json?lang=en").get_json()["attributes"][0]
    assert flood["datatype"] == "number" and flood["datatype_description"] == "0–300" and "values" not in flood

    root = xml_of(web.get("/open311/v2/services/JALAN_RUSAK.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "JALAN_RUSAK"
    attribute = root.find("attributes/attribute")
    assert [c.tag for c in attribute] == [*ATTRIBUTE_FIELDS, "values"]
    assert attribute.findtext("variable") == "true" and attribute.findtext("order") == "1"
    assert attribute.find("values/value/key").text == "lubang" and attribute.find("values/value/name").text


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_request_answers_id_token_and_notice(web, fmt: str) -> None:  # noqa: ANN001
    response = post_report(web, fmt=fmt)
    assert response.status_code == 200, response.data
    if fmt == "json":
        (created,) = response.get_json()
    else:
        root = xml_of(response)
        assert root.tag == "service_requests"
        created = {c.tag: c.text for c in root.find("request")}
    assert list(created) == ["service_request_id", "token", "service_notice", "account_id"]
    assert re.match(r"^MDN-[2-9A-HJ-NP-Z]{8}$", created["service_request_id"])
    assert "DPKPPR" in created["service_notice"] and created["account_id"] is None
    token = web.get(f"/open311/v2/tokens/{created['token']}.{fmt}")
    if fmt == "json":
        assert token.get_json() == [{"service_request_id": created["service_request_id"], "token": created["token"]}]
    else:
        entry = xml_of(token).find("request")
        assert entry.findtext("service_request_id") == created["service_request_id"]


def test_get_request_json_fields(web) -> None:  # noqa: ANN001
    (created,) = post_report(web).get_json()
    (record,) = web.get(f"/open311/v2/requests/{created['service_request_id']}.json").get_json()
    assert list(record) == REQUEST_FIELDS
    assert record["status"] == "open" and record["service_code"] == "LAMPU_JALAN"
    assert record["service_name"] == "Lampu jalan mati" and record["agency_responsible"] == "DPKPPR"
    for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert W3C.match(record[name]), (name, record[name])
    assert record["requested_datetime"].endswith("+07:00")
    assert isinstance(record["lat"], float) and isinstance(record["long"], float)
    assert record["address"].startswith("Kel. Silalas")


def test_get_request_xml_fields(web) -> None:  # noqa: ANN001
    (created,) = post_report(web).get_json()
    root = xml_of(web.get(f"/open311/v2/requests/{created['service_request_id']}.xml"))
    (request,) = root.findall("request")
    assert [c.tag for c in request] == REQUEST_FIELDS
    assert request.findtext("status") == "open" and W3C.match(request.findtext("requested_datetime"))
    assert float(request.findtext("lat")) == pytest.approx(float(INSIDE["lat"]), abs=0.001)


def test_list_filters_and_defaults(web) -> None:  # noqa: ANN001
    (created,) = post_report(web).get_json()
    recent = web.get("/open311/v2/requests.json").get_json()
    assert created["service_request_id"] in {r["service_request_id"] for r in recent}
    # Default window: the last 90 days, so the seed's reports from August 2026 are outside it.
    assert all(r["requested_datetime"] >= "2026-09-01" for r in recent)
    august = web.get("/open311/v2/requests.json?start_date=2026-08-01T00:00:00Z&end_date=2026-08-31T23:59:59Z").get_json()
    assert august and all(r["requested_datetime"].startswith("2026-08") for r in august)
    closed = web.get("/open311/v2/requests.json?status=closed&start_date=2026-01-01T00:00:00Z").get_json()
    assert closed and {r["status"] for r in closed} == {"closed"}
    lights = web.get("/open311/v2/requests.json?service_code=LAMPU_JALAN,SAMPAH").get_json()
    assert {r["service_code"] for r in lights} <= {"LAMPU_JALAN", "SAMPAH"}
    two = web.get("/open311/v2/requests.json?service_request_id=MDN-SEED0001,MDN-SEED0002&status=open").get_json()
    assert {r["service_request_id"] for r in two} == {"MDN-SEED0001", "MDN-SEED0002"}  # overrides other arguments


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(("path", "status"), [
    ("/open311/v2/services/NOPE.{fmt}", 404),
    ("/open311/v2/requests/MDN-NOTHERE.{fmt}", 404),
    ("/open311/v2/tokens/unknown.{fmt}", 404),
    ("/open311/v2/requests.{fmt}?status=pending", 400),
    ("/open311/v2/requests.{fmt}?start_date=2026-01-01T00:00:00", 400),  # a time needs its zone (W3C-DTF)
    ("/open311/v2/requests.{fmt}?start_date=2026-02-30", 400),
    ("/open311/v2/services.{fmt}?jurisdiction_id=sfgov.org", 404),
    ("/open311/v2/requests.{fmt}?api_key=wrong", 403),
])
def test_errors_are_a_list_of_code_and_description(web, fmt: str, path: str, status: int) -> None:  # noqa: ANN001
    response = web.get(path.format(fmt=fmt))
    assert response.status_code == status
    if fmt == "json":
        errors = response.get_json()
        assert isinstance(errors, list) and errors
        assert all(list(e) == ["code", "description"] and e["code"] == status and e["description"] for e in errors)
    else:
        root = xml_of(response)
        assert root.tag == "errors"
        for error in root.findall("error"):
            assert [c.tag for c in error] == ["code", "description"] and error.findtext("code") == str(status)


def test_discovery(web) -> None:  # noqa: ANN001
    document = web.get("/open311/v2/discovery.json").get_json()
    assert list(document) == ["changeset", "contact", "key_service", "jurisdiction_id", "endpoints"]
    (endpoint,) = document["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2") and set(endpoint["formats"]) == {"text/xml", "application/json"}
    root = xml_of(web.get("/open311/v2/discovery.xml"))
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]
