"""The gateway, the worker and every mock agency in-process (``httpx.ASGITransport``, no
sockets), over ``worlds/applications.yaml`` and a fresh database per test: SQLite (a file under
tmp_path) and, when ``VEMTAS_TEST_POSTGRES_URL`` is set, PostgreSQL in a schema of its own
(marked ``postgres``; with ``VEMTAS_TEST_REQUIRE_SERVICES=1`` an unreachable server fails).

The worker does not run by itself here: a test calls ``stack.settle()`` to run its rounds until
there is nothing left to do, so every step happens when the test says so.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import stamina
from starlette.applications import Starlette

from adapters.db import Database, migrate, open_database
from adapters.db.engine import create_engine
from adapters.registry import Adapters, open_adapters
from adapters.resilience import BreakerState
from gateway.app import adapter_config, create_app
from gateway.settings import Settings
from mocks.app import create_mock_app
from mocks.identity import issue_token
from mocks.world import World
from mocks.world_io import load_world
from resolvers.application_policy import ApplicationPolicy
from resolvers.worker import Progress, Worker
from tests.services import require_postgres

WORLDS = Path(__file__).parent / "worlds"
BASE = "http://mocks.test"
TODAY = date(2026, 11, 15)

SUBMIT = """
mutation($input: SubmitApplicationInput!) {
  submitApplication(input: $input) {
    application { id number status channel registeredOn decisionDueOn
      missingData { agency input fin }
      decision { outcome monthlyAmount periodStart periodEnd reasons { code kind } } }
    userErrors { field code message }
  }
}"""

APPLICATION = """
query($id: ID!) {
  application(id: $id) {
    id number status channel submittedAt registeredOn decisionDueOn overdue declaredMembers
    household { id district }
    decision { outcome monthlyAmount periodStart periodEnd reasons { code kind } rulesVersion }
    decisionHistory { outcome monthlyAmount }
    missingData { agency input fin }
    cardOrder { status orderId iban branchAddress pickupFrom }
    notifications { channel kind recipient language text status }
    events { kind detail }
  }
}"""


@dataclass(frozen=True)
class Target:
    url: str
    schema: str | None = None


@asynccontextmanager
async def postgres_schema(url: str) -> AsyncIterator[str]:
    """A schema of its own, dropped afterwards (parallel runs never meet)."""
    schema = f"vemtas_apps_{uuid.uuid4().hex[:16]}"
    admin = create_engine(url)
    try:
        async with admin.begin() as connection:
            await connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        yield schema
    finally:
        async with admin.begin() as connection:
            await connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def target(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Target]:
    if request.param == "sqlite":
        yield Target(f"sqlite+aiosqlite:///{tmp_path}/vemtas.db")
        return
    url = await require_postgres()
    async with postgres_schema(url) as schema:
        yield Target(url, schema)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class WorkerClock:
    """The worker's clock: the real time plus an offset the test moves on (``later``), so a
    back-off or a lease runs out without waiting; and the worker's day."""

    offset: timedelta = timedelta(0)
    day: date = date(2026, 11, 15)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def today(self) -> date:
        return self.day

    def later(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


@dataclass
class Stack:
    client: httpx.AsyncClient
    mocks: httpx.AsyncClient
    settings: Settings
    database: Database
    adapters: Adapters
    worker: Worker
    policy: ApplicationPolicy
    clock: WorkerClock
    app: Starlette

    async def query(
        self, query: str, token: str | None, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        body: dict[str, Any] = response.json()
        return body

    def token(self, role: str, **claims: Any) -> str:
        return issue_token(
            issuer=self.settings.oidc_issuer,
            role=role,
            audience=self.settings.oidc_audience,
            **claims,
        )

    def citizen(self, fin: str) -> str:
        return self.token("citizen", sub=f"citizen-{fin}", fin=fin)

    async def submit(self, token: str, **fields: Any) -> dict[str, Any]:
        """``submitApplication`` and its payload (the test fails on a GraphQL error)."""
        body = await self.query(SUBMIT, token, {"input": fields})
        assert "errors" not in body, body
        payload: dict[str, Any] = body["data"]["submitApplication"]
        return payload

    async def grant(self, n: int) -> tuple[str, dict[str, Any]]:
        """Granted family G<n> applies (by its head): the head's token and the application."""
        token = self.citizen(f"G{n:02d}A1XZ")
        payload = await self.submit(token, idempotencyKey=f"granted-{n}", **granted_family(n))
        assert payload["application"]["status"] == "GRANTED", payload
        application: dict[str, Any] = payload["application"]
        return token, application

    async def application(self, token: str, application_id: str) -> dict[str, Any]:
        body = await self.query(APPLICATION, token, {"id": application_id})
        assert "errors" not in body, body
        found: dict[str, Any] = body["data"]["application"]
        return found

    async def settle(self, rounds: int = 40) -> list[Progress]:
        """Run the worker's rounds until one finds nothing to do (bounded)."""
        done: list[Progress] = []
        for _ in range(rounds):
            progress = await self.worker.run_once()
            done.append(progress)
            if not progress.busy:
                return done
        raise AssertionError(f"the worker was still busy after {rounds} rounds: {done[-3:]}")

    async def orders(self) -> list[dict[str, Any]]:
        orders: list[dict[str, Any]] = (await self.mocks.get("/_admin/bank/orders")).json()[
            "orders"
        ]
        return orders

    async def messages(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = (await self.mocks.get("/_admin/messaging/outbox")).json()[
            "messages"
        ]
        return found

    async def fault(self, agency: str, mode: str, latency_ms: int = 0) -> None:
        r = await self.mocks.put(
            f"/_admin/faults/{agency}",
            json={"mode": mode, "latency_ms": latency_ms, "error_rate": 0.0},
        )
        assert r.status_code in (200, 204), r.text

    async def heal(self) -> None:
        await self.mocks.delete("/_admin/faults")

    async def agency_back(self, agency: str) -> None:
        """Heal the mocks and wait out ``agency``'s circuit breaker cool-down (50 ms of real
        time here), so that the next round's first call to it goes out."""
        await self.heal()
        breaker = self.adapters.breaker(agency)
        for _ in range(500):
            if breaker.state is not BreakerState.OPEN:
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"the {agency} breaker stayed open")

    async def calls(self) -> dict[str, dict[str, int]]:
        """Calls per agency and operation, as the mocks counted them."""
        raw = (await self.mocks.get("/_admin/calls")).json()
        return {agency: {op: v["count"] for op, v in ops.items()} for agency, ops in raw.items()}


def fast_policy(**changes: Any) -> ApplicationPolicy:
    """Short times, so the tests need not wait: failed deliveries are retried at once (and
    dead-lettered after 4 attempts); tests of waiting use longer times and move the worker's
    clock on (``stack.clock.later``)."""
    base = ApplicationPolicy(
        decision_budget=10.0,
        takeover_after=120.0,
        retry_base=0.0,
        retry_cap=0.0,
        outbox_max_attempts=4,
        outbox_lease=30.0,
        outbox_backoff_base=0.0,
    )
    return replace(base, **changes)


def settings_for(tmp_path: Path) -> Settings:
    return replace(
        Settings.from_env({"VEMTAS_CLOCK": TODAY.isoformat()}).with_agency_urls(BASE),
        agency_deadline=2.0,
        var_dir=tmp_path / "var",
    )


@asynccontextmanager
async def open_stack(
    world: World, target: Target, tmp_path: Path, policy: ApplicationPolicy | None = None
) -> AsyncIterator[Stack]:
    settings = replace(settings_for(tmp_path), database_url=target.url)
    policy = policy or fast_policy()
    mock_app = create_mock_app(world, dev=True, base_url=BASE)
    mock_transport = httpx.ASGITransport(app=mock_app, client=("127.0.0.1", 40000))
    await migrate.upgrade(target.url, schema=target.schema)
    async with (
        open_database(target.url, schema=target.schema) as database,
        # the breaker's cool-down runs on the real clock: short, so a healed agency answers
        open_adapters(
            replace(adapter_config(settings), breaker_cooldown=0.05), transport=mock_transport
        ) as adapters,
    ):
        app = create_app(
            settings, adapters, database=database, jwks_transport=mock_transport, policy=policy
        )
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
            ) as client,
            httpx.AsyncClient(transport=mock_transport, base_url=BASE) as mocks,
            # as `vemtas worker` runs it (a direct probe; on SQLite its writes in a thread)
            database.worker_session() as next_due,
        ):
            clock = WorkerClock()
            worker = Worker(
                adapters,
                database,
                policy,
                today=clock.today,
                now=clock.now,
                flag_every=0.0,
                next_due=next_due,
            )
            yield Stack(client, mocks, settings, database, adapters, worker, policy, clock, app)


@pytest.fixture(autouse=True)
def _fast_retries() -> Iterator[None]:
    # three attempts, no back-off sleeps: an agency that is down fails fast
    with stamina.set_testing(True, attempts=3):
        yield


@pytest.fixture(scope="session")
def world() -> World:
    return load_world(WORLDS / "applications.yaml")


@pytest.fixture
async def stack(world: World, target: Target, tmp_path: Path) -> AsyncIterator[Stack]:
    async with open_stack(world, target, tmp_path) as opened:
        yield opened


def granted_family(n: int) -> dict[str, Any]:
    """The input for granted family G<n>, submitted by its head."""
    return {
        "representativeFin": f"G{n:02d}A1XZ",
        "representativeIdCard": f"AA7{n:02d}0001",
        "members": [f"G{n:02d}A1XZ", f"G{n:02d}A2XZ"],
        "phone": f"+9945012{n:05d}",
        "email": f"family{n}@example.az",
    }


def granted_family_by_spouse(n: int, *, phone: str = "+994501234000") -> dict[str, Any]:
    """The input for granted family G<n>, submitted by the spouse (a second application of
    the family, with a key and a phone of its own)."""
    return {
        "representativeFin": f"G{n:02d}A2XZ",
        "representativeIdCard": f"AA7{n:02d}0002",
        "members": [f"G{n:02d}A1XZ", f"G{n:02d}A2XZ"],
        "phone": phone,
    }


def granted_household(n: int, *, pension: str = "100.00") -> dict[str, Any]:
    """Granted family G<n> of the world file as the mocks' ``/_admin/world`` takes it, the
    spouse's pension ``pension`` a month (100.00 as in the file: granted; 500.00 puts the family
    above the threshold). The district alternates as in the file: odd Nəsimi, even Yasamal."""
    income = {"from": "2025-01", "until": "2026-12"}
    nasimi = n % 2 == 1 or n > 40  # G41 and on: Nəsimi
    return {
        "id": f"HH-G{n:02d}",
        "district": "Nəsimi" if nasimi else "Yasamal",
        "address": f"{'Füzuli' if nasimi else 'Şərifzadə'} küç. {n}, mənzil 2, Bakı",
        "members": [
            {
                "fin": f"G{n:02d}A1XZ",
                "id_card": f"AA7{n:02d}0001",
                "first_name": "Anar",
                "last_name": "Quliyev",
                "birth_date": "1980-05-01",
                "sex": "M",
                "relation": "head",
                "contracts": [
                    {
                        "employer_voen": "1400000001",
                        "from": "2020-01-01",
                        "until": None,
                        "monthly_wage": "240.00",
                    }
                ],
                "income": [{"source": "wage", "monthly": "240.00", **income}],
            },
            {
                "fin": f"G{n:02d}A2XZ",
                "id_card": f"AA7{n:02d}0002",
                "first_name": "Fidan",
                "last_name": "Quliyeva",
                "birth_date": "1982-03-03",
                "sex": "F",
                "relation": "spouse",
                "disability": {"percent": 60, "group": 2, "child": False, "until": None},
                "income": [{"source": "pension", "monthly": pension, **income}],
            },
        ],
    }
