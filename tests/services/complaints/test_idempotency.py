"""A report sent twice with the same idempotency key is filed once (issue 20 item 11: a report kept
offline on a phone is replayed when the connection returns, and a weak connection may lose an answer)."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import text

from layers import engine_for
from services.complaints import intake
from services.errors import ServiceError
from tests.helpers.complaints import INSIDE, image_bytes


@pytest.fixture(scope="module")
def engine(complaints_url: str):  # noqa: ANN201
    return engine_for(complaints_url)


def _submission(key: str, **extra: object) -> intake.Submission:
    return intake.Submission(service_code="LAMPU_JALAN", lat=INSIDE["lat"], long=INSIDE["long"],
                             attributes={"KONDISI": "mati"}, description="Lampu mati (uji kunci).",
                             idempotency_key=key, **extra)


def _reports(engine, key: str) -> list[str]:  # noqa: ANN001
    with engine.connect() as conn:
        return list(conn.execute(text(
            "SELECT c.service_request_id FROM layers.complaints c JOIN complaints.submission_keys k "
            "USING (service_request_id) WHERE k.idempotency_key = :k"), {"k": key}).scalars())


def _count(engine) -> int:  # noqa: ANN001
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM layers.complaints")).scalar_one()


def test_the_same_key_twice_files_one_report_and_answers_its_number(engine, upload_dir) -> None:  # noqa: ANN001
    key = str(uuid.uuid4())
    before, photos_before = _count(engine), len(list(upload_dir.rglob("*.jpg")))
    first = intake.submit(engine, _submission(key, photo=image_bytes("JPEG")))
    again = intake.submit(engine, _submission(key, photo=image_bytes("JPEG")))
    assert not first.replayed and again.replayed
    assert again.service_request_id == first.service_request_id and again.token == first.token
    assert again.service_notice == first.service_notice and again.tags == first.tags
    assert _count(engine) == before + 1 and _reports(engine, key) == [first.service_request_id]
    assert len(list(upload_dir.rglob("*.jpg"))) == photos_before + 1  # the replay's photo is not kept


def test_two_arrivals_at_once_file_one_report(engine) -> None:  # noqa: ANN001
    key = uuid.uuid4().hex
    before = _count(engine)
    barrier, receipts, errors = threading.Barrier(4), [], []

    def send() -> None:
        barrier.wait()
        try:
            receipts.append(intake.submit(engine, _submission(key)))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len({r.service_request_id for r in receipts}) == 1 and sum(not r.replayed for r in receipts) == 1
    assert _count(engine) == before + 1


def test_different_keys_file_different_reports(engine) -> None:  # noqa: ANN001
    one, two = (intake.submit(engine, _submission(uuid.uuid4().hex)) for _ in range(2))
    assert one.service_request_id != two.service_request_id


@pytest.mark.parametrize("key", ["short", "x" * 65, "bad key with spaces!!", "'; DROP TABLE x; --aaaa"])
def test_a_malformed_key_is_refused_and_nothing_is_stored(engine, key: str) -> None:  # noqa: ANN001
    before = _count(engine)
    with pytest.raises(ServiceError, match="idempotency_key"):
        intake.submit(engine, _submission(key))
    assert _count(engine) == before


def test_without_a_key_every_submission_files(engine) -> None:  # noqa: ANN001
    before = _count(engine)
    intake.submit(engine, _submission(""))
    intake.submit(engine, _submission(""))
    assert _count(engine) == before + 2
