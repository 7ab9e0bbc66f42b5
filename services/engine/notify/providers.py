"""Who carries a message: SMTP for e-mail, a MessageProvider per SMS/WhatsApp gateway.

A provider's `send` returns the provider's reference of the accepted message, or raises
`ProviderUnavailable` (down, timeout, a temporary refusal: the worker retries later) or
`MessageRejected` (the provider will never take this message, e.g. SMTP 550 "no such
mailbox": dead at once, the reason kept). The built-in `RecordingProvider` is the
SMS/WhatsApp provider of a city without a gateway contract yet: it keeps each message
in notify.recorded_messages. A real gateway is one more class named in the settings
(WEBGIS_NOTIFY_SMS_PROVIDER="package.module:Factory", called with the engine).
"""

from __future__ import annotations

import email.policy
import importlib
import smtplib
import ssl
from collections.abc import Callable, Mapping
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Protocol, runtime_checkable

from sqlalchemy import Engine, text

from config.settings import NotifySettings, SmtpSettings
from services.engine.notify.outbox import Message


class ProviderUnavailable(Exception):
    """The provider cannot take the message now; try again later."""


class MessageRejected(Exception):
    """The provider refuses this message for good; retrying cannot help."""


@runtime_checkable
class MessageProvider(Protocol):
    """Sends one message of its channel; returns the provider's reference for it."""

    def send(self, message: Message) -> str: ...


class SmtpProvider:
    """E-mail through the SMTP server of the settings (smtplib, a connection per message: alarms and case steps are a few a minute)."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.tls == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_s,
                                                    context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=s.timeout_s)
            if s.tls == "starttls":
                client.starttls(context=ssl.create_default_context())
        if s.user:
            client.login(s.user, s.password)
        return client

    def email(self, message: Message) -> EmailMessage:
        # Headers up to the subject's 200 characters stay on one line: folded at 78, a long
        # subject broke right after "Subject:" and readers showed it with a leading space.
        mail = EmailMessage(policy=email.policy.default.clone(max_line_length=300))
        mail["From"] = self.settings.sender
        mail["To"] = message.recipient
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False)
        domain = parseaddr(self.settings.sender)[1].rpartition("@")[2] or "localhost"
        # The same outbox row always has the same Message-ID: a resend after a worker died
        # mid-send is recognisable as the same mail by the receiving side.
        mail["Message-ID"] = f"<outbox-{message.id}@{domain}>"
        mail.set_content(message.body)
        return mail

    def send(self, message: Message) -> str:
        mail = self.email(message)
        try:
            with self._connect() as client:
                client.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _text in exc.recipients.values()]
            _raise_for_code(min(codes) if codes else 550, f"recipient refused: {exc.recipients}")
        except smtplib.SMTPAuthenticationError as exc:
            # A configuration fault: retried, so mail flows once the settings are fixed.
            raise ProviderUnavailable(f"SMTP login refused ({exc.smtp_code})") from None
        except smtplib.SMTPResponseException as exc:
            _raise_for_code(exc.smtp_code, f"SMTP {exc.smtp_code} {_text(exc.smtp_error)}")
        except (smtplib.SMTPException, OSError) as exc:  # refused, reset, timed out, hung up
            raise ProviderUnavailable(f"SMTP server {self.settings.host}:{self.settings.port} "
                                      f"unreachable: {type(exc).__name__}: {exc}") from None
        return mail["Message-ID"]


def _text(error: bytes | str) -> str:
    return error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)


def _raise_for_code(code: int, detail: str) -> None:
    """RFC 5321: 5xx is a permanent refusal, 4xx a temporary one."""
    if 500 <= code < 600:
        raise MessageRejected(detail)
    raise ProviderUnavailable(detail)


class RecordingProvider:
    """The built-in SMS/WhatsApp provider: keeps messages in notify.recorded_messages."""

    def __init__(self, engine: Engine, channel: str) -> None:
        self.engine, self.channel = engine, channel

    def send(self, message: Message) -> str:
        try:
            with self.engine.begin() as conn:
                conn.execute(text(
                    "INSERT INTO notify.recorded_messages (channel, recipient, body, outbox_id) "
                    "VALUES (:channel, :recipient, :body, :id) ON CONFLICT (outbox_id) DO NOTHING"),
                    {"channel": self.channel, "recipient": message.recipient, "body": message.body,
                     "id": message.id})
        except Exception as exc:  # the database is this provider's gateway: down means retry
            raise ProviderUnavailable(f"recording {self.channel} failed: {type(exc).__name__}") from None
        return f"recorded:{self.channel}:{message.id}"


def _factory(path: str) -> Callable[[Engine], MessageProvider]:
    module, _, name = path.partition(":")
    if not module or not name:
        raise ValueError(f"a provider is 'record' or 'package.module:Factory', not {path!r}")
    return getattr(importlib.import_module(module), name)


def providers_from_settings(engine: Engine, smtp: SmtpSettings,
                            notify: NotifySettings) -> Mapping[str, MessageProvider]:
    """The provider of each channel, as the settings declare them."""
    chosen: dict[str, MessageProvider] = {"email": SmtpProvider(smtp)}
    for channel, name in (("sms", notify.sms_provider), ("whatsapp", notify.whatsapp_provider)):
        chosen[channel] = RecordingProvider(engine, channel) if name == "record" else _factory(name)(engine)
    return chosen
