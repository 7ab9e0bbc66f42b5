"""Alarm notifications (issue 21's control room): a new critical alarm and an escalation are
told to the operators on duty by e-mail and SMS, exactly once per event, through the outbox.

On the real path: the poller polls a misbehaving Modbus peer that stops answering, the
alarm store opens the offline alarm (critical) and the lifecycle sweep escalates it; the
notification worker then sends the mail to a local SMTP server (aiosmtpd).
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from config.settings import NotifySettings, SmtpSettings
from devices.alarmlife import Priority, load_policy
from devices.alarmnotify import (
    RecipientsError,
    load_recipients,
    notify_alarm_event,
    parse_recipients,
    queued_for,
)
from devices.alarms import alarm_history, list_alarms
from devices.poller import Poller, PollerConfig, wait_until
from devices.registry import DeviceRecord, read_fleet
from devices.rules import load_rules
from devices.store import PostgisSink
from layers.db import engine_for
from services.engine.notify import RecordingProvider, SmtpProvider, send_due
from tests.helpers.smtp import SMTP_TEST_PORT, smtp_server

WIB = ZoneInfo("Asia/Jakarta")
FAST = PollerConfig(timeout_s=0.3, retries=0, offline_after=2, offline_probe_s=0.3, flush_interval_s=0.1,
                    idle_write_s=0.2)


def _wib(text_: str) -> datetime:
    return datetime.fromisoformat(text_).replace(tzinfo=WIB)


def test_the_operators_on_duty_follow_the_declared_shifts() -> None:
    recipients = load_recipients()

    def told(layer: str, severity: str, at: datetime) -> list[tuple[str, str]]:
        return [(o.id, c) for o, c in recipients.on_duty(layer, severity, at)]

    monday_morning = _wib("2026-12-07T10:00:00")  # a Monday
    assert told("atcs_intersections", "critical", monday_morning) == [
        ("kendali_pagi", "email"), ("kendali_pagi", "sms"), ("dishub_atcs", "email"), ("dishub_atcs", "whatsapp")]
    assert told("street_lights", "critical", monday_morning) == [
        ("kendali_pagi", "email"), ("kendali_pagi", "sms"), ("pju_dinas", "email"), ("pju_dinas", "sms")]
    assert told("street_lights", "warning", monday_morning) == [("kendali_pagi", "email"), ("kendali_pagi", "sms")]
    assert told("cctv", "info", monday_morning) == []  # no route covers info
    # The night shift runs past midnight: Saturday 02:00 belongs to Friday's night shift.
    assert told("atcs_intersections", "critical", _wib("2026-12-12T02:00:00")) == [
        ("kendali_malam", "email"), ("kendali_malam", "sms")]
    assert told("cctv", "critical", _wib("2026-12-07T19:00:00")) == [("kendali_malam", "email"), ("kendali_malam", "sms")]
    assert told("cctv", "critical", _wib("2026-12-07T18:59:59")) == [("kendali_pagi", "email"), ("kendali_pagi", "sms")]
    # The same instant in UTC is the same shift.
    assert told("cctv", "critical", datetime(2026, 12, 7, 3, 0, tzinfo=UTC)) == told("cctv", "critical", monday_morning)


@pytest.mark.parametrize(("change", "says"), [
    (lambda d: d["routes"][0].update(operators=["nobody"]), "unknown or missing operators"),
    (lambda d: d["routes"][0].update(priorities=["urgent"]), "priorities must be among"),
    (lambda d: d["routes"][0].update(channels=["pager"]), "channels must be among"),
    (lambda d: d["operators"]["kendali_pagi"].update(sms="0811"), "is not a valid address"),
    (lambda d: d["operators"]["kendali_pagi"]["on_duty"][0].update(days=["senin"]), "days must be among"),
    (lambda d: d["operators"]["kendali_pagi"]["on_duty"][0].update({"from": "7 pagi"}), "not a time of day"),
])
def test_a_wrong_recipients_declaration_is_refused_with_its_reason(change, says: str) -> None:  # noqa: ANN001
    import yaml

    from devices.alarmnotify import RECIPIENTS_FILE

    doc = yaml.safe_load(RECIPIENTS_FILE.read_text(encoding="utf-8"))
    change(doc)
    with pytest.raises(RecipientsError, match=says):
        parse_recipients(doc)


def _expected(layer: str, at: datetime) -> set[tuple[str, str]]:
    """Who the shipped declaration names for a critical street-light alarm at `at`, worked out
    by hand from its shifts (control room 07-19 / 19-07 WIB, PJU crew weekdays 07:30-16:00)."""
    local = at.astimezone(WIB)
    hhmm = local.hour * 60 + local.minute
    room = "kendali.pagi@medan.go.id" if 7 * 60 <= hhmm < 19 * 60 else "kendali.malam@medan.go.id"
    phone = "+6281100000101" if room.startswith("kendali.pagi") else "+6281100000102"
    told = {("email", room), ("sms", phone)}
    if local.weekday() < 5 and 7 * 60 + 30 <= hhmm < 16 * 60:
        told |= {("email", "pju.perkim@medan.go.id"), ("sms", "+6281100000301")}
    return told


def _light_on(engine, port: int) -> DeviceRecord:  # noqa: ANN001
    light = next(r for r in read_fleet(engine) if r.model == "lpju_solar_v1")
    return dataclasses.replace(light, host="127.0.0.1", port=port, unit=1, interval_s=0.1)


def _outbox(engine, alarm_id: int) -> list[dict]:  # noqa: ANN001
    with engine.connect() as conn:
        return [dict(r) for r in queued_for(conn, alarm_id)]


def test_a_critical_alarm_and_its_escalation_reach_the_operators_on_duty_once(
        isolated_database_url, peer, ports) -> None:  # noqa: ANN001
    (port,) = ports(1)
    engine = engine_for(isolated_database_url)
    gateway = peer(port)
    gateway.behave(1, "silent")
    light = _light_on(engine, port)
    rules = {"lpju_solar_v1": [dataclasses.replace(r, for_s=0.5) for r in load_rules()["lpju_solar_v1"]
                               if r.id == "offline"]}
    policy = load_policy()
    policy = dataclasses.replace(policy, sweep_every_s=0.2, priorities={
        **policy.priorities, "critical": dataclasses.replace(policy.priorities["critical"], escalate_after_s=1.0)})
    assert isinstance(policy.priorities["critical"], Priority) and policy.priorities["critical"].notify_on_open
    sink = PostgisSink(engine, devices=[light], rules=rules)
    sink.lifecycle = policy
    poller = Poller([light.config()], sink, FAST)

    def escalated() -> list[dict]:
        return [a for a in list_alarms(engine, device=light.device_id) if a["escalated_at"] is not None]

    async def nobody_answers() -> None:
        await poller.start()
        try:
            assert await wait_until(escalated, 10)
            await asyncio.sleep(1.0)  # five more sweeps: no second escalation, no second message
        finally:
            await poller.stop()

    asyncio.run(nobody_answers())
    (alarm,) = escalated()
    history = alarm_history(engine, alarm["id"])
    assert [e["event"] for e in history] == ["open", "escalate"]
    with engine.connect() as conn:
        events = conn.execute(text("SELECT id, event, at FROM devices.alarm_history WHERE alarm_id = :id ORDER BY id"),
                              {"id": alarm["id"]}).all()
    queued = _outbox(engine, alarm["id"])
    by_event = {e.event: {(q["channel"], q["recipient"]) for q in queued if q["id"] in _ids_of(engine, e.id)}
                for e in events}
    assert by_event == {e.event: _expected("street_lights", e.at) for e in events}
    assert len(queued) == sum(len(v) for v in by_event.values())  # once per event, operator and channel

    # A retry of the same event (a replayed transaction) queues nothing more.
    with engine.begin() as conn:
        for e in events:
            assert notify_alarm_event(conn, e.id, alarm["id"], e.event) == []
    assert len(_outbox(engine, alarm["id"])) == len(queued)

    providers = {"email": SmtpProvider(SmtpSettings(host="127.0.0.1", port=SMTP_TEST_PORT, timeout_s=3)),
                 "sms": RecordingProvider(engine, "sms"), "whatsapp": RecordingProvider(engine, "whatsapp")}
    mails_expected = sum(1 for q in queued if q["channel"] == "email")
    with smtp_server() as inbox:
        report = send_due(engine, providers=providers, settings=NotifySettings())
        mails = inbox.wait_for(mails_expected)
    assert sorted(report.sent) == sorted(q["id"] for q in queued)
    assert len(mails) == mails_expected
    subjects = sorted(m["Subject"] for m in mails)
    assert any(s.startswith("[KRITIS] Alarm baru: street_lights/") for s in subjects)
    assert any(s.startswith("[KRITIS] Alarm belum ditanggapi (eskalasi): street_lights/") for s in subjects)
    assert all(f"ALM-{alarm['id']:06d}" in m.get_content() for m in mails)
    with engine.connect() as conn:
        sms = conn.execute(text("SELECT body FROM notify.recorded_messages WHERE channel = 'sms'")).scalars().all()
    assert len(sms) == sum(1 for q in queued if q["channel"] == "sms")
    assert all(len(body) <= 320 and body.startswith("[KRITIS]") for body in sms)


def _ids_of(engine, history_id: int) -> set[int]:  # noqa: ANN001
    with engine.connect() as conn:
        return set(conn.execute(text("SELECT id FROM notify.outbox WHERE dedupe_key LIKE :key"),
                                {"key": f"alarm-event:{history_id}:%"}).scalars())


def test_a_warning_alarm_is_not_told_until_it_escalates(engine) -> None:  # noqa: ANN001
    """notify_on_open is critical's only (the shipped policy): a new warning queues nothing."""
    with engine.connect() as conn:
        transaction = conn.begin()
        alarm_id = conn.execute(text(
            "INSERT INTO devices.alarms (device_id, layer, code, model, rule, severity, state, message, opened_at) "
            "VALUES ('cctv/CCTV-T1', 'cctv', 'CCTV-T1', 'cctv_ipcam_v1', 'video_lost', 'warning', 'open', "
            "'Video hilang', now()) RETURNING id")).scalar_one()
        from devices.alarms import history_event

        history_event(conn, alarm_id, "open", "devices:poller", "Video hilang")
        assert queued_for(conn, alarm_id) == []
        history_event(conn, alarm_id, "escalate", "devices:poller", "unacknowledged 1800 s")
        told = queued_for(conn, alarm_id)
        transaction.rollback()
    now = datetime.now(UTC)
    assert {(q["channel"], q["recipient"]) for q in told} == {
        (c, o.contacts[c]) for o, c in load_recipients().on_duty("cctv", "warning", now)}
    assert told  # the control room is always on duty for warnings
