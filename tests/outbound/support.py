"""What the outbound tests share: the case, the order, the mock server's test controls."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

import httpx

from adapters.bank import CardOrderRequest
from adapters.base import AdapterConfig, CallContext

MOCKS = "http://mocks.test"
CTX = CallContext(user_id="service:outbox-worker", issue="APP-2026-000123")
ORDER = CardOrderRequest(
    application_id="APP-2026-000123",
    fin="5ZX3K8P",
    first_name="Aynur",
    last_name="Məmmədova",
    district="Yasamal",
    monthly_amount=Decimal("285.50"),
    period_start=date(2026, 11, 1),
    period_end=date(2027, 10, 31),
)
PHONE = "+994501234567"


def xroad(**extra: str) -> dict[str, str]:
    """X-Road headers for a raw call to the mock (and any extra header)."""
    return {
        "X-Road-Client": "AZ/GOV/MLSPP/vemtas",
        "X-Road-Id": str(uuid.uuid4()),
        "X-Road-UserId": "service:outbox-worker",
        "X-Road-Issue": "APP-2026-000123",
        **extra,
    }


@dataclass
class Mocks:
    """The mock server in-process; ``http`` talks to it as a loopback client."""

    transport: httpx.ASGITransport
    http: httpx.AsyncClient

    async def fault(self, agency: str, mode: str) -> None:
        (await self.http.put(f"/_admin/faults/{agency}", json={"mode": mode})).raise_for_status()

    async def heal(self) -> None:
        (await self.http.delete("/_admin/faults")).raise_for_status()

    async def count(self, agency: str, operation: str) -> int:
        calls = (await self.http.get("/_admin/calls")).json()[agency]
        return int(calls.get(operation, {}).get("count", 0))

    async def last_call(self, agency: str, operation: str) -> dict[str, Any]:
        calls = (await self.http.get("/_admin/calls")).json()[agency]
        last: dict[str, Any] = calls[operation]["last"][-1]
        return last

    async def orders(self) -> list[dict[str, Any]]:
        answer = await self.http.get("/_admin/bank/orders")
        answer.raise_for_status()
        orders: list[dict[str, Any]] = answer.json()["orders"]
        return orders

    async def outbox(self) -> list[dict[str, Any]]:
        answer = await self.http.get("/_admin/messaging/outbox")
        answer.raise_for_status()
        messages: list[dict[str, Any]] = answer.json()["messages"]
        return messages

    async def hold_delivery(self, hold: bool) -> None:
        answer = await self.http.put("/_admin/messaging/delivery", json={"hold": hold})
        answer.raise_for_status()


class FakeMonotonic:
    now = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass(frozen=True)
class Route:
    """Where the adapters find the mock server: its base URL, and the transport to it
    (``None``: the network's, as in production)."""

    base: str
    transport: httpx.AsyncBaseTransport | None

    def config(self, **overrides: Any) -> AdapterConfig:
        urls = {"bank": f"{self.base}/bank", "messaging": f"{self.base}/messaging"}
        return make_config(agency_urls=urls, **overrides)


def make_config(**overrides: Any) -> AdapterConfig:
    config = AdapterConfig(
        agency_urls={"bank": f"{MOCKS}/bank", "messaging": f"{MOCKS}/messaging"},
        deadline=2.0,
        breaker_threshold=50,
        monotonic=FakeMonotonic(),
    )
    return replace(config, **overrides)
