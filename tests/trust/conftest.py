"""The gateway and the mock agencies in-process (as tests/gateway), with the audit log readable:
``stack.audit_rows()`` reads the rows from the same database the gateway writes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.db import Database, migrate, open_database
from adapters.db.audit import AuditEntry, AuditLog, AuditRow
from adapters.registry import open_adapters
from gateway.app import adapter_config, create_app
from gateway.settings import Settings
from mocks.app import create_mock_app
from mocks.identity import issue_token
from mocks.world_io import load_world

WORLD = Path(__file__).parent.parent / "gateway" / "world.yaml"
BASE = "http://mocks.test"

# the world of tests/gateway: three families in three districts
AYNUR, RASHAD = "5ZX3K8P", "7QWE2RT"  # HH-YAS-000001, Yasamal
ELSHAN = "3KLM9NP"  # HH-NSM-000002, Nəsimi
GULNARA = "8XYZ4WV"  # HH-SBL-000003, Səbail


@dataclass
class Stack:
    client: httpx.AsyncClient
    mocks: httpx.AsyncClient
    settings: Settings
    app: Any

    async def query(
        self, query: str, token: str | None, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        body: dict[str, Any] = response.json()
        return body

    async def raw_calls(self) -> dict[str, Any]:
        calls: dict[str, Any] = (await self.mocks.get("/_admin/calls")).json()
        return calls

    async def calls(self) -> dict[str, dict[str, int]]:
        raw = await self.raw_calls()
        return {agency: {op: v["count"] for op, v in ops.items()} for agency, ops in raw.items()}

    async def agency_calls(self) -> int:
        """Calls to every agency but the identity provider."""
        calls = await self.calls()
        return sum(sum(ops.values()) for agency, ops in calls.items() if agency != "identity")

    async def reset_calls(self) -> None:
        await self.mocks.delete("/_admin/calls")

    @property
    def database(self) -> Database:
        database = self.app.state.runtime.database
        assert database is not None
        return database

    async def audit_rows(self) -> list[AuditRow]:
        return [row async for row in AuditLog(self.database).rows()]

    async def audit_entries(self) -> list[AuditEntry]:
        return [row.entry for row in await self.audit_rows()]

    def token(self, role: str, **claims: Any) -> str:
        return issue_token(
            issuer=self.settings.oidc_issuer,
            role=role,
            audience=self.settings.oidc_audience,
            **claims,
        )

    def citizen(self, fin: str) -> str:
        return self.token("citizen", sub=f"citizen-{fin}", fin=fin)

    def caseworker(self, *districts: str, sub: str = "caseworker-7") -> str:
        return self.token("caseworker", sub=sub, districts=districts)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
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
    async with open_adapters(adapter_config(settings), transport=mock_transport) as adapters:
        app = create_app(settings, adapters, jwks_transport=mock_transport)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
            ) as client,
            httpx.AsyncClient(transport=mock_transport, base_url=BASE) as mocks,
        ):
            yield Stack(client=client, mocks=mocks, settings=settings, app=app)


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated SQLite database of its own, for the audit store's own tests."""
    url = f"sqlite+aiosqlite:///{tmp_path}/audit.db"
    await migrate.upgrade(url)
    async with open_database(url) as opened:
        yield opened
