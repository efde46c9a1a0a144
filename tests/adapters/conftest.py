"""Fixtures for the adapter tests: the mock agencies in-process, adapters routed to them,
retries without back-off (stamina's testing mode), and a fake clock for cache freshness."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import stamina

from adapters.base import AdapterConfig, CallContext
from adapters.registry import AGENCIES, OUTBOUND_AGENCIES, Adapters, open_adapters
from mocks.app import create_mock_app
from mocks.world import World
from mocks.world_io import load_world

HERE = Path(__file__).parent
MOCKS = "http://mocks"
CTX = CallContext(user_id="caseworker-17", issue="APP-2026-000123")


@pytest.fixture(autouse=True)
def _fast_retries() -> Iterator[None]:
    # three attempts, no back-off sleeps: retry behaviour stays observable, tests stay fast
    with stamina.set_testing(True, attempts=3):
        yield


@pytest.fixture(scope="session")
def world() -> World:
    return load_world(HERE / "world.yaml")


@dataclass
class FakeClock:
    now: float = 1_000_000.0
    mono: float = 0.0

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self.mono += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(name="make_config")
def make_config_fixture() -> Any:
    return make_config


def make_config(clock: FakeClock, **overrides: Any) -> AdapterConfig:
    base = AdapterConfig(
        agency_urls={key: f"{MOCKS}/{key}" for key in (*AGENCIES, *OUTBOUND_AGENCIES)},
        deadline=2.0,
        ttls={},
        default_ttl=300,
        stale_grace=3600,
        breaker_threshold=4,
        breaker_cooldown=30.0,
        cache_namespace=f"test-{uuid.uuid4().hex[:8]}",
        clock=clock.time,
        monotonic=clock.monotonic,
    )
    return replace(base, **overrides)


@dataclass
class MockAgencies:
    """The mock server in-process, and its test controls."""

    app: Any
    transport: httpx.ASGITransport
    admin: httpx.AsyncClient
    seen: list[httpx.Request] = field(default_factory=list)

    async def calls(self, agency: str) -> dict[str, Any]:
        answer = await self.admin.get("/_admin/calls")
        answer.raise_for_status()
        result: dict[str, Any] = answer.json()[agency]
        return result

    async def count(self, agency: str, operation: str | None = None) -> int:
        calls = await self.calls(agency)
        if operation is not None:
            return int(calls.get(operation, {}).get("count", 0))
        return sum(int(c["count"]) for c in calls.values())

    async def fault(self, agency: str, mode: str, **extra: Any) -> None:
        answer = await self.admin.put(f"/_admin/faults/{agency}", json={"mode": mode, **extra})
        answer.raise_for_status()

    async def heal(self) -> None:
        (await self.admin.delete("/_admin/faults")).raise_for_status()


@pytest.fixture
async def mocks(world: World) -> AsyncIterator[MockAgencies]:
    app = create_mock_app(world, dev=True, base_url=MOCKS)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=MOCKS) as admin:
        yield MockAgencies(app=app, transport=transport, admin=admin)


@pytest.fixture
async def adapters(mocks: MockAgencies, clock: FakeClock) -> AsyncIterator[Adapters]:
    async with open_adapters(make_config(clock), transport=mocks.transport) as opened:
        yield opened
