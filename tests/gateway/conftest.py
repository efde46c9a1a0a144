"""The gateway wired to the real mock agencies in-process: the gateway's adapters and its JWKS
client talk to the mock server through `httpx.ASGITransport`, so every agency call is real HTTP
semantics without sockets. `calls()` reads the mock's own call counters."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.registry import open_adapters
from gateway.app import adapter_config, create_app
from gateway.settings import Settings
from mocks.app import create_mock_app
from mocks.identity import issue_token
from mocks.world_io import load_world

WORLD = Path(__file__).parent / "world.yaml"
BASE = "http://mocks.test"


@dataclass
class Stack:
    client: httpx.AsyncClient
    mocks: httpx.AsyncClient
    settings: Settings
    in_flight_peak: Callable[[], int]

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

    async def total_calls(self, agency: str) -> int:
        return sum((await self.calls())[agency].values())

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


class CountingTransport(httpx.AsyncBaseTransport):
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


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # the database (applications, the audit log) and var/ in a fresh folder per test
    return replace(
        Settings.from_env({"VEMTAS_CLOCK": "2026-11-15"}).with_agency_urls(BASE),
        agency_deadline=2.0,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/vemtas.db",
        var_dir=tmp_path / "var",
    )


@pytest.fixture
async def stack(settings: Settings) -> AsyncIterator[Stack]:
    mock_app = create_mock_app(load_world(WORLD), dev=True, base_url=BASE)
    mock_transport = httpx.ASGITransport(app=mock_app, client=("127.0.0.1", 40000))
    counting = CountingTransport(mock_transport)
    async with open_adapters(adapter_config(settings), transport=counting) as adapters:
        app = create_app(settings, adapters, jwks_transport=mock_transport)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
            ) as client,
            httpx.AsyncClient(transport=mock_transport, base_url=BASE) as mocks,
        ):
            yield Stack(
                client=client,
                mocks=mocks,
                settings=settings,
                in_flight_peak=lambda: counting.peak,
            )


Query = Callable[[str, str | None], Awaitable[dict[str, Any]]]
TODAY = date(2026, 11, 15)
