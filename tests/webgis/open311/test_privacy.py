"""Personal data never reaches a public response or the public layer."""

from __future__ import annotations

from tests.helpers.complaints import post_report

SECRET_TEXT = "Rumah Bapak Hendra Sitompul no. 17 kebanjiran"
PERSONAL = {"email": "hendra.sitompul@example.org", "phone": "+62 812 3456 7890",
            "first_name": "Hendra", "last_name": "Sitompul", "address_string": "Jl. Mawar No. 17"}


def _leaks(body: bytes) -> list[str]:
    text = body.decode()
    # Whole pieces of the phone number only: four digits alone also occur in coordinates.
    return [v for v in [SECRET_TEXT, "Sitompul", "hendra", "812 3456", "3456 7890", "Mawar"] if v in text]


def test_public_responses_and_layer_hold_no_personal_data(web) -> None:  # noqa: ANN001
    response = post_report(web, service_code="BANJIR", lat="3.5951234", long="98.6723456",
                           description=SECRET_TEXT, **{"attribute[KEDALAMAN_CM]": "40", "attribute[KONDISI]": None},
                           **PERSONAL)
    rid = response.get_json()[0]["service_request_id"]
    public_urls = [f"/open311/v2/requests/{rid}.json", f"/open311/v2/requests/{rid}.xml",
                   "/open311/v2/requests.json", "/open311/v2/requests.xml",
                   f"/open311/v2/requests/{rid}/history.json",
                   "/open311/v2/duplicates.json?service_code=BANJIR&lat=3.5951&long=98.6723",
                   "/collections/complaints_public/items?limit=1000", "/collections/complaints_public/items?f=json"]
    for url in public_urls:
        got = web.get(url)
        assert got.status_code == 200, url
        assert _leaks(got.data) == [], url
    (record,) = web.get(f"/open311/v2/requests/{rid}.json").get_json()
    assert record["description"] is None and record["media_url"] is None
    # The point is snapped to the ~50 m grid, not the one sent.
    assert (record["lat"], record["long"]) != (3.5951234, 98.6723456)
    assert abs(record["lat"] - 3.5951234) < 0.00025 and abs(record["long"] - 98.6723456) < 0.00025
    assert round(record["lat"] / 0.00045, 6) == round(record["lat"] / 0.00045)


def test_the_staff_layer_is_not_public(web) -> None:  # noqa: ANN001
    for url in ("/collections/complaints/items", "/collections/complaints/items?f=json"):
        assert web.get(url).status_code in (401, 403, 404)


def test_staff_keys_see_the_full_report_of_their_agency(web, staff_token) -> None:  # noqa: ANN001
    response = post_report(web, description=SECRET_TEXT, **PERSONAL)
    rid = response.get_json()[0]["service_request_id"]
    key = staff_token("staff", agencies=("DPKPPR",))
    (record,) = web.get(f"/open311/v2/requests/{rid}.json?api_key={key}").get_json()
    assert record["description"] == SECRET_TEXT and record["address"] == "Jl. Mawar No. 17"
    other = staff_token("staff", agencies=("DLH",))
    assert web.get(f"/open311/v2/requests/{rid}.json?api_key={other}").status_code == 404
