"""Fixtures for the outbound agencies: the mock server in-process (``bank`` and ``messaging``
over ``httpx.ASGITransport``), its test controls, and the two adapters routed to it."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import stamina
import uvicorn

from adapters.bank import BankAdapter, open_bank
from adapters.messaging import MessagingAdapter, open_messaging
from mocks.app import create_mock_app
from mocks.world import World

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
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            mocks.transport.app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
    )
    task = asyncio.create_task(server.serve())
    for _ in range(250):
        if server.started:
            break
        await asyncio.sleep(0.02)
    assert server.started
    try:
        yield Route(f"http://127.0.0.1:{port}", None)
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
