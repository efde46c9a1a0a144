"""The gateway and the mock agencies in-process (as tests/gateway), with a way to open a second
stack on other settings (``open_stack``) and to count the agency calls a request caused."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from adapters.registry import open_adapters
from gateway.app import adapter_config, create_app
from gateway.settings import Settings
from mocks.app import create_mock_app
from mocks.identity import issue_token
from mocks.world_io import load_world

WORLD = Path(__file__).parent.parent / "gateway" / "world.yaml"
BASE = "http://mocks.test"
AYNUR = "5ZX3K8P"  # HH-YAS-000001, Yasamal


@dataclass
class Stack:
    client: httpx.AsyncClient
    mocks: httpx.AsyncClient
    settings: Settings
    app: Starlette

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

    async def agency_calls(self) -> int:
        raw = (await self.mocks.get("/_admin/calls")).json()
        return sum(v["count"] for ops in raw.values() for v in ops.values())

    async def reset_calls(self) -> None:
        await self.mocks.delete("/_admin/calls")

    def token(self, role: str, **claims: Any) -> str:
        return issue_token(
            issuer=self.settings.oidc_issuer,
            role=role,
            audience=self.settings.oidc_audience,
            **claims,
        )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return replace(
        Settings.from_env({"VEMTAS_CLOCK": "2026-11-15"}).with_agency_urls(BASE),
        agency_deadline=2.0,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/vemtas.db",
        var_dir=tmp_path / "var",
    )


@contextlib.asynccontextmanager
async def running_app(
    settings: Settings, jwks_transport: httpx.AsyncBaseTransport | None = None
) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    """The gateway app over the mock agencies in-process (its lifespan not yet entered), and a
    client of the mocks; the identity provider's JWKS from the mocks unless ``jwks_transport``
    answers instead."""
    mock_app = create_mock_app(load_world(WORLD), dev=True, base_url=BASE)
    transport = httpx.ASGITransport(app=mock_app, client=("127.0.0.1", 40000))
    async with (
        open_adapters(adapter_config(settings), transport=transport) as adapters,
        httpx.AsyncClient(transport=transport, base_url=BASE) as mocks,
    ):
        app = create_app(settings, adapters, jwks_transport=jwks_transport or transport)
        yield app, mocks


@contextlib.asynccontextmanager
async def open_stack(settings: Settings) -> AsyncIterator[Stack]:
    async with (
        running_app(settings) as (app, mocks),
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
        ) as client,
    ):
        yield Stack(client=client, mocks=mocks, settings=settings, app=app)


@pytest.fixture
async def stack(settings: Settings) -> AsyncIterator[Stack]:
    async with open_stack(settings) as opened:
        yield opened
