"""The payment-provider interface: what the platform needs of a gateway, and the registry of gateways.

Shaped on what Indonesian gateways offer (Midtrans Core API, Xendit): a charge for an order
gives a virtual account number and a QRIS payload with an expiry; the gateway notifies the
platform of a settlement by an HTTP callback it signs; a settlement report lists the money
that really moved. A real gateway is one more class with these four methods, registered
with `register_provider` (its HTTP calls happen in create_charge, cancel_charge and settlements; the connection
is passed for providers that keep state in the database, as the sandbox does).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol, runtime_checkable

from sqlalchemy import Connection

from services.engine.payments.model import (
    Charge,
    ChargeRequest,
    PaymentEvent,
    Settlement,
    UnknownProvider,
)


@runtime_checkable
class PaymentProvider(Protocol):
    name: str

    def create_charge(self, conn: Connection, request: ChargeRequest) -> Charge:
        """Open a virtual account and a QRIS code for the order; raises on a refused charge."""

    def cancel_charge(self, conn: Connection, provider_ref: str) -> None:
        """Close the charge's virtual account and QRIS code (a cancelled bill), so payers can no longer pay it."""

    def parse_callback(self, conn: Connection, body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        """Verify the callback's signature over the raw body, then read it.

        Raises BadSignature (wrong or missing signature) or MalformedCallback (unreadable body).
        """

    def settlements(self, conn: Connection, start: datetime, end: datetime) -> list[Settlement]:
        """The gateway's settlement report: every payment settled in [start, end)."""


_PROVIDERS: dict[str, PaymentProvider] = {}


def register_provider(provider: PaymentProvider) -> None:
    _PROVIDERS[provider.name] = provider


def get_provider(name: str) -> PaymentProvider:
    if not _PROVIDERS:
        from services.engine.payments.sandbox import SandboxProvider

        register_provider(SandboxProvider())
    try:
        return _PROVIDERS[name]
    except KeyError:
        raise UnknownProvider(f"unknown payment provider {name!r}; known: {', '.join(sorted(_PROVIDERS))}") from None
