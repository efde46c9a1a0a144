"""The gateway wired to the real mock agencies in-process, shared by the suites that query it
(gateway, eligibility, trust, hardening).

The gateway's adapters and its JWKS client talk to the mock server through
``httpx.ASGITransport``, so every agency call has real HTTP semantics without sockets; the
mock's own call counters (``/_admin/calls``) show which agencies a request reached.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette

from adapters.db import Database
from adapters.registry import open_adapters
from gateway.app import adapter_config, create_app
from gateway.settings import Settings
from mocks.app import create_mock_app
from mocks.identity import issue_token
from mocks.world import World
from mocks.world_io import load_world

BASE = "http://mocks.test"
# three families in three districts: the world of most gateway-level tests
GATEWAY_WORLD = Path(__file__).parent / "gateway" / "world.yaml"


def stack_settings(today: date, folder: Path | None = None) -> Settings:
    """Every agency under the in-process mock server, ``today`` pinned; with ``folder``, the
    database (applications, the audit log) and var/ live there."""
    settings = replace(
        Settings.from_env({"VEMTAS_CLOCK": today.isoformat()}).with_agency_urls(BASE),
        agency_deadline=2.0,
    )
    if folder is None:
        return settings
    return replace(
        settings, database_url=f"sqlite+aiosqlite:///{folder}/vemtas.db", var_dir=folder / "var"
    )


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
    app: Starlette
    transport: PeakTransport

    async def post(
        self, body: dict[str, Any], token: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.client.post("/graphql", json=body, headers=headers)
        return response.status_code, response.json()

    async def query(
        self, query: str, token: str | None = None, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return (await self.post({"query": query, "variables": variables or {}}, token))[1]

    async def raw_calls(self) -> dict[str, Any]:
        calls: dict[str, Any] = (await self.mocks.get("/_admin/calls")).json()
        return calls

    async def calls(self) -> dict[str, dict[str, int]]:
        raw = await self.raw_calls()
        return {agency: {op: v["count"] for op, v in ops.items()} for agency, ops in raw.items()}

    async def total_calls(self, agency: str) -> int:
        return sum((await self.calls())[agency].values())

    async def agency_calls(self) -> int:
        """Calls to every agency but the identity provider."""
        calls = await self.calls()
        return sum(sum(ops.values()) for agency, ops in calls.items() if agency != "identity")

    async def reset_calls(self) -> None:
        await self.mocks.delete("/_admin/calls")

    async def fault(self, agency: str, mode: str, latency_ms: int = 0) -> None:
        r = await self.mocks.put(
            f"/_admin/faults/{agency}",
            json={"mode": mode, "latency_ms": latency_ms, "error_rate": 0.0},
        )
        assert r.status_code in (200, 204), r.text

    def in_flight_peak(self) -> int:
        return self.transport.peak

    @property
    def database(self) -> Database:
        database: Database | None = self.app.state.runtime.database
        assert database is not None
        return database

    def token(self, role: str, **claims: Any) -> str:
        return issue_token(
            issuer=self.settings.oidc_issuer,
            role=role,
            audience=self.settings.oidc_audience,
            **claims,
        )


@contextlib.asynccontextmanager
async def running_app(
    settings: Settings,
    world: World | None = None,
    jwks_transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient, PeakTransport]]:
    """The gateway app over the mock agencies in-process (its lifespan not yet entered), a
    client of the mocks, and the transport the adapters use; the identity provider's JWKS from
    the mocks unless ``jwks_transport`` answers instead."""
    mock_app = create_mock_app(world or load_world(GATEWAY_WORLD), dev=True, base_url=BASE)
    transport = httpx.ASGITransport(app=mock_app, client=("127.0.0.1", 40000))
    peak = PeakTransport(transport)
    async with (
        open_adapters(adapter_config(settings), transport=peak) as adapters,
        httpx.AsyncClient(transport=transport, base_url=BASE) as mocks,
    ):
        app = create_app(settings, adapters, jwks_transport=jwks_transport or transport)
        yield app, mocks, peak


@contextlib.asynccontextmanager
async def open_stack(settings: Settings, world: World | None = None) -> AsyncIterator[Stack]:
    """The gateway, started, and every mock agency over ``world`` (default: the gateway world)."""
    async with (
        running_app(settings, world) as (app, mocks, peak),
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
        ) as client,
    ):
        yield Stack(client=client, mocks=mocks, settings=settings, app=app, transport=peak)
