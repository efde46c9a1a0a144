"""The gateway wired to the mock agencies in-process (``httpx.ASGITransport``, no sockets), over
a world file of this folder or a generated world. Retries run without back-off sleeps."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import stamina

from adapters.registry import open_adapters
from gateway.app import adapter_config, create_app
from gateway.settings import Settings
from mocks.app import create_mock_app
from mocks.identity import issue_token
from mocks.world import World
from mocks.world_io import load_world

WORLDS = Path(__file__).parent / "worlds"
BASE = "http://mocks.test"
TODAY = date(2026, 11, 15)


class PeakTransport(httpx.AsyncBaseTransport):
    """Wraps a transport and remembers the most requests it had in flight at once."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.in_flight = 0
        self.peak = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            return await self.inner.handle_async_request(request)
        finally:
            self.in_flight -= 1


@dataclass
class Stack:
    client: httpx.AsyncClient
    mocks: httpx.AsyncClient
    settings: Settings
    transport: PeakTransport

    async def query(
        self, query: str, token: str | None, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        body: dict[str, Any] = response.json()
        return body

    async def calls(self) -> dict[str, dict[str, int]]:
        raw = (await self.mocks.get("/_admin/calls")).json()
        return {agency: {op: v["count"] for op, v in ops.items()} for agency, ops in raw.items()}

    async def reset_calls(self) -> None:
        await self.mocks.delete("/_admin/calls")

    async def fault(self, agency: str, mode: str, latency_ms: int = 0) -> None:
        r = await self.mocks.put(
            f"/_admin/faults/{agency}",
            json={"mode": mode, "latency_ms": latency_ms, "error_rate": 0.0},
        )
        assert r.status_code in (200, 204), r.text

    def token(self, role: str, **claims: Any) -> str:
        return issue_token(
            issuer=self.settings.oidc_issuer,
            role=role,
            audience=self.settings.oidc_audience,
            **claims,
        )


@asynccontextmanager
async def open_stack(world: World, settings: Settings) -> AsyncIterator[Stack]:
    """The gateway and every mock agency over ``world``, in-process; the database (the audit
    log) in a temporary folder."""
    with tempfile.TemporaryDirectory() as folder:
        settings = replace(
            settings,
            database_url=f"sqlite+aiosqlite:///{folder}/vemtas.db",
            var_dir=Path(folder) / "var",
        )
        async with _open_stack(world, settings) as stack:
            yield stack


@asynccontextmanager
async def _open_stack(world: World, settings: Settings) -> AsyncIterator[Stack]:
    mock_app = create_mock_app(world, dev=True, base_url=BASE)
    mock_transport = httpx.ASGITransport(app=mock_app, client=("127.0.0.1", 40000))
    peak = PeakTransport(mock_transport)
    async with open_adapters(adapter_config(settings), transport=peak) as adapters:
        app = create_app(settings, adapters, jwks_transport=mock_transport)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
            ) as client,
            httpx.AsyncClient(transport=mock_transport, base_url=BASE) as mocks,
        ):
            yield Stack(client=client, mocks=mocks, settings=settings, transport=peak)


def settings_for(today: date) -> Settings:
    return replace(
        Settings.from_env({"VEMTAS_CLOCK": today.isoformat()}).with_agency_urls(BASE),
        agency_deadline=2.0,
    )


@pytest.fixture(autouse=True)
def _fast_retries() -> Iterator[None]:
    # three attempts, no back-off sleeps: an agency that is down fails fast
    with stamina.set_testing(True, attempts=3):
        yield


@pytest.fixture(scope="session")
def grounds_world() -> World:
    return load_world(WORLDS / "grounds.yaml")


@pytest.fixture
async def stack(grounds_world: World) -> AsyncIterator[Stack]:
    async with open_stack(grounds_world, settings_for(TODAY)) as opened:
        yield opened
