"""Fixtures for the outbound agencies: the mock server in-process (``bank`` and ``messaging``
over ``httpx.ASGITransport``), its test controls, and the two adapters routed to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import stamina

from adapters.bank import BankAdapter, open_bank
from adapters.messaging import MessagingAdapter, open_messaging
from mocks.app import create_mock_app
from mocks.world import World
from tests.loopback import serving

from .support import MOCKS, Mocks, Route


@pytest.fixture(autouse=True)
def _fast_retries() -> Iterator[None]:
    # three attempts, no back-off sleeps: retries stay observable, tests stay fast
    with stamina.set_testing(True, attempts=3):
        yield


@pytest.fixture
async def mocks() -> AsyncIterator[Mocks]:
    app = create_mock_app(World(households=()), dev=True, base_url=MOCKS)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 1234))
    async with httpx.AsyncClient(transport=transport, base_url=MOCKS) as http:
        yield Mocks(transport=transport, http=http)


@pytest.fixture(params=["in-process", "network"])
async def route(request: pytest.FixtureRequest, mocks: Mocks) -> AsyncIterator[Route]:
    """How the adapters reach the mock server: in-process (``ASGITransport``), and over the
    network transport the worker uses (aiohttp on loopback, the same mock app under uvicorn),
    which must answer and fail the same."""
    if request.param == "in-process":
        yield Route(MOCKS, mocks.transport)
        return
    async with serving(mocks.transport.app) as base:
        yield Route(base, None)


@pytest.fixture
async def bank(route: Route) -> AsyncIterator[BankAdapter]:
    async with open_bank(route.config(), transport=route.transport) as adapter:
        yield adapter


@pytest.fixture
async def quick_bank(route: Route) -> AsyncIterator[BankAdapter]:
    """A bank adapter with a short deadline, for hanging and throttling agencies."""
    async with open_bank(route.config(deadline=0.3), transport=route.transport) as adapter:
        yield adapter


@pytest.fixture
async def messaging(route: Route) -> AsyncIterator[MessagingAdapter]:
    async with open_messaging(route.config(), transport=route.transport) as adapter:
        yield adapter


@pytest.fixture
async def quick_messaging(route: Route) -> AsyncIterator[MessagingAdapter]:
    async with open_messaging(route.config(deadline=0.3), transport=route.transport) as adapter:
        yield adapter
