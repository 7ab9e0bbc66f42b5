"""The notification outbox against a real PostGIS and a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from config.settings import NotifySettings, SmtpSettings
from services.engine.notify import (
    BadMessage,
    Message,
    ProviderUnavailable,
    RecordingProvider,
    SmtpProvider,
    background_commands,
    enqueue,
    requeue_dead,
    run_worker,
    send_due,
)
from tests.helpers.smtp import SMTP_TEST_PORT, smtp_server

SETTINGS = NotifySettings(max_attempts=3, backoff_base_s=10, backoff_max_s=60, poll_every_s=0.1, lease_s=30)


@pytest.fixture
def outbox(engine: Engine) -> Engine:
    """The session database with an empty outbox (these tests commit, as the worker must see rows)."""
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE notify.outbox, notify.attempts, notify.recorded_messages RESTART IDENTITY"))
    return engine


def _providers(engine: Engine, sms: object | None = None) -> dict:
    return {"email": SmtpProvider(SmtpSettings(host="127.0.0.1", port=SMTP_TEST_PORT, timeout_s=3)),
            "sms": sms or RecordingProvider(engine, "sms"), "whatsapp": RecordingProvider(engine, "whatsapp")}


def _row(engine: Engine, outbox_id: int) -> dict:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT * FROM notify.outbox WHERE id = :id"), {"id": outbox_id}).mappings().one())


def _attempts(engine: Engine, outbox_id: int) -> list[tuple[int, str, str]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT attempt, outcome, detail FROM notify.attempts WHERE outbox_id = :id ORDER BY id"), {"id": outbox_id})]


def _mail(conn, key: str | None = None, to: str = "operator@medan.go.id") -> int | None:  # noqa: ANN001
    return enqueue(conn, channel="email", recipient=to, subject="Alarm ATCS Simpang Pos",
                   body="Lampu hijau arah utara padam sejak 16:02 WIB.", dedupe_key=key, origin="test")


def test_a_queued_mail_reaches_the_smtp_server(outbox: Engine) -> None:
    with outbox.begin() as conn:
        outbox_id = _mail(conn, "alarm:1:open")
    with smtp_server() as inbox:
        report = send_due(outbox, providers=_providers(outbox), settings=SETTINGS)
        mails = inbox.wait_for(1)
    assert report.sent == [outbox_id]
    assert len(mails) == 1
    assert mails[0]["To"] == "operator@medan.go.id" and mails[0]["Subject"] == "Alarm ATCS Simpang Pos"
    assert "padam sejak 16:02 WIB" in mails[0].get_content()
    assert mails[0]["Message-ID"] == f"<outbox-{outbox_id}@medan.go.id>"
    row = _row(outbox, outbox_id)
    assert row["status"] == "sent" and row["attempts"] == 1 and row["sent_at"] is not None
    assert _attempts(outbox, outbox_id) == [(1, "sent", f"<outbox-{outbox_id}@medan.go.id>")]


def test_a_rolled_back_cause_queues_nothing(outbox: Engine) -> None:
    with outbox.connect() as conn:
        transaction = conn.begin()
        assert _mail(conn) is not None
        transaction.rollback()
    with smtp_server() as inbox:
        report = send_due(outbox, providers=_providers(outbox), settings=SETTINGS)
    assert report.handled == 0 and inbox.mails == []


def test_a_dedupe_key_queues_once(outbox: Engine) -> None:
    with outbox.begin() as conn:
        first = _mail(conn, "alarm:7:escalate:operator@medan.go.id")
        assert _mail(conn, "alarm:7:escalate:operator@medan.go.id") is None
    with outbox.begin() as conn:  # and in a later transaction, after it was sent
        with smtp_server() as inbox:
            send_due(outbox, providers=_providers(outbox), settings=SETTINGS)
            inbox.wait_for(1)
        assert _mail(conn, "alarm:7:escalate:operator@medan.go.id") is None
    assert first is not None and len(inbox.mails) == 1


def test_smtp_server_down_then_up_delivers_once_after_the_back_off(outbox: Engine) -> None:
    with outbox.begin() as conn:
        outbox_id = _mail(conn)
    start = datetime.now(UTC)
    report = send_due(outbox, now=start, providers=_providers(outbox), settings=SETTINGS)  # nobody listens
    assert report.retried == [outbox_id]
    row = _row(outbox, outbox_id)
    assert row["status"] == "pending" and "unreachable" in row["last_error"]
    assert 9 <= (row["next_attempt_at"] - start).total_seconds() <= 11  # 10 s back-off ±10 %
    with smtp_server() as inbox:
        early = send_due(outbox, now=start + timedelta(seconds=5), providers=_providers(outbox), settings=SETTINGS)
        assert early.handled == 0  # not before its back-off
        later = send_due(outbox, now=start + timedelta(seconds=12), providers=_providers(outbox), settings=SETTINGS)
        mails = inbox.wait_for(1)
    assert later.sent == [outbox_id] and len(mails) == 1
    assert [a[1] for a in _attempts(outbox, outbox_id)] == ["retry", "sent"]


class FlakyGateway:
    """An SMS gateway that is down for its first `down_for` calls, then takes messages."""

    def __init__(self, engine: Engine, down_for: int) -> None:
        self.calls, self.down_for = 0, down_for
        self.recorder = RecordingProvider(engine, "sms")

    def send(self, message: Message) -> str:
        self.calls += 1
        if self.calls <= self.down_for:
            raise ProviderUnavailable("gateway answered 503 Service Unavailable")
        return self.recorder.send(message)


def test_sms_provider_down_then_up_backs_off_and_loses_nothing(outbox: Engine) -> None:
    with outbox.begin() as conn:
        ids = [enqueue(conn, channel="sms", recipient=f"+62812000000{i}", subject="", body=f"Alarm {i}")
               for i in range(3)]
    start = datetime.now(UTC)
    gateway = FlakyGateway(outbox, down_for=3)
    assert send_due(outbox, now=start, providers=_providers(outbox, gateway), settings=SETTINGS).retried == ids
    waits = [(_row(outbox, i)["next_attempt_at"] - start).total_seconds() for i in ids]
    assert all(9 <= w <= 11 for w in waits)
    report = send_due(outbox, now=start + timedelta(seconds=12), providers=_providers(outbox, gateway), settings=SETTINGS)
    assert report.sent == ids
    with outbox.connect() as conn:
        recorded = conn.execute(text("SELECT recipient, body FROM notify.recorded_messages ORDER BY outbox_id")).all()
    assert [tuple(r) for r in recorded] == [(f"+62812000000{i}", f"Alarm {i}") for i in range(3)]


def test_a_message_is_dead_after_the_last_attempt_with_its_reason(outbox: Engine) -> None:
    with outbox.begin() as conn:
        outbox_id = enqueue(conn, channel="sms", recipient="+6281200000009", subject="", body="Alarm")
    now = datetime.now(UTC)
    gateway = FlakyGateway(outbox, down_for=100)
    waits = []
    for _ in range(3):
        send_due(outbox, now=now, providers=_providers(outbox, gateway), settings=SETTINGS)
        row = _row(outbox, outbox_id)
        waits.append((row["next_attempt_at"] - now).total_seconds())
        now = row["next_attempt_at"] + timedelta(seconds=1)
    row = _row(outbox, outbox_id)
    assert row["status"] == "dead" and row["attempts"] == 3
    assert row["last_error"] == "gave up after 3 attempts: gateway answered 503 Service Unavailable"
    assert 9 <= waits[0] <= 11 and 18 <= waits[1] <= 22  # doubling back-off
    assert [a[1] for a in _attempts(outbox, outbox_id)] == ["retry", "retry", "dead"]
    with outbox.begin() as conn:
        assert requeue_dead(conn, outbox_id)
    send_due(outbox, providers=_providers(outbox), settings=SETTINGS)
    assert _row(outbox, outbox_id)["status"] == "sent"


def test_a_mailbox_the_server_refuses_is_dead_at_once(outbox: Engine) -> None:
    with outbox.begin() as conn:
        outbox_id = _mail(conn, to="nobody@medan.go.id")
    with smtp_server() as inbox:
        inbox.refuse.add("nobody@medan.go.id")
        report = send_due(outbox, providers=_providers(outbox), settings=SETTINGS)
    assert report.dead == [outbox_id]
    row = _row(outbox, outbox_id)
    assert row["status"] == "dead" and "550" in row["last_error"] and "no such mailbox" in row["last_error"]


def test_a_worker_that_died_while_sending_leaves_the_message_due_at_the_lease_end(outbox: Engine) -> None:
    from services.engine.notify.outbox import claim_due

    with outbox.begin() as conn:
        outbox_id = _mail(conn)
    now = datetime.now(UTC)
    with outbox.begin() as conn:
        assert [m.id for m in claim_due(conn, now, 10, lease_s=30)] == [outbox_id]  # and then it "died"
    with smtp_server() as inbox:
        assert send_due(outbox, now=now + timedelta(seconds=5), providers=_providers(outbox), settings=SETTINGS).handled == 0
        report = send_due(outbox, now=now + timedelta(seconds=31), providers=_providers(outbox), settings=SETTINGS)
        inbox.wait_for(1)
    assert report.sent == [outbox_id] and len(inbox.mails) == 1 and _row(outbox, outbox_id)["attempts"] == 2


@pytest.mark.parametrize(("channel", "recipient", "subject", "body", "wrong"), [
    ("fax", "+6281234567890", "", "x", "channel"),
    ("email", "not an address", "s", "x", "recipient"),
    ("email", "a@b.id\r\nBcc: all@medan.go.id", "s", "x", "recipient"),
    ("email", "a@b.id", "line\r\nBcc: all@medan.go.id", "x", "subject"),
    ("email", "a@b.id", "", "x", "subject"),
    ("sms", "081234567890", "", "x", "recipient"),
    ("whatsapp", "+6281234567890", "", "  ", "body"),
])
def test_a_bad_message_is_refused_and_nothing_is_queued(outbox: Engine, channel: str, recipient: str,
                                                        subject: str, body: str, wrong: str) -> None:
    with outbox.begin() as conn, pytest.raises(BadMessage) as refused:
        enqueue(conn, channel=channel, recipient=recipient, subject=subject, body=body)
    assert refused.value.status == 400 and wrong in str(refused.value)
    with outbox.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM notify.outbox")).scalar_one() == 0


def test_the_worker_loop_sends_what_is_queued_while_it_runs(outbox: Engine) -> None:
    stop = threading.Event()
    with smtp_server() as inbox:
        worker = threading.Thread(target=run_worker, args=(outbox,),
                                  kwargs={"stop_event": stop, "providers": _providers(outbox), "settings": SETTINGS})
        worker.start()
        try:
            with outbox.begin() as conn:
                _mail(conn, "loop-1")
            mails = inbox.wait_for(1, timeout=10)
        finally:
            stop.set()
            worker.join(timeout=10)
    assert len(mails) == 1 and not worker.is_alive()


def test_medan_run_starts_the_worker() -> None:
    from webgis.services import background_commands as everything

    commands = dict(everything("postgresql://webgis@127.0.0.1:54329/medan"))
    assert commands["notification worker"][-3:] == ["services", "notify", "run"]
    assert dict(background_commands("postgresql://x:secret@db/medan"))["notification worker"][1:] == [
        "-m", "services", "notify", "run"]
