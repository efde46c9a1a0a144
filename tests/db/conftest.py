"""Fixtures for the persistence tests: every test runs on SQLite (a fresh file under tmp_path)
and, when ``VEMTAS_TEST_POSTGRES_URL`` is set, on PostgreSQL too, in a schema of its own that is
dropped afterwards (parallel runs never meet). With ``VEMTAS_TEST_REQUIRE_SERVICES=1`` an
unreachable PostgreSQL fails the run instead of skipping it."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from adapters.db import migrate
from adapters.db.engine import create_engine
from adapters.db.records import (
    Channel,
    MessageChannel,
    NewApplication,
    NewCardOrder,
    NewDecision,
    NewNotification,
    NotificationKind,
    OutboxMessage,
    OutboxTopic,
    Outcome,
)
from adapters.db.repository import Database, open_database
from tests.services import require_postgres


@dataclass(frozen=True)
class Target:
    """Where a test's database lives."""

    url: str
    schema: str | None = None

    @property
    def dialect(self) -> str:
        return "postgresql" if self.url.startswith("postgresql") else "sqlite"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def target(request: pytest.FixtureRequest, tmp_path: Any) -> AsyncIterator[Target]:
    if request.param == "sqlite":
        yield Target(f"sqlite+aiosqlite:///{tmp_path}/vemtas.db")
        return
    url = await require_postgres()
    schema = f"vemtas_test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(url)
    try:
        async with admin.begin() as connection:
            await connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        yield Target(url, schema)
    finally:
        async with admin.begin() as connection:
            await connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await admin.dispose()


@dataclass
class FakeClock:
    """The repository's clock for event and update times; tests move it by hand."""

    now: datetime = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def db(target: Target, clock: FakeClock) -> AsyncIterator[Database]:
    await migrate.upgrade(target.url, schema=target.schema)
    async with open_database(target.url, schema=target.schema, clock=clock) as database:
        yield database


@dataclass
class Make:
    """Builders for repository inputs with sensible defaults; each call is a new family."""

    clock: FakeClock
    counter: int = field(default=0)

    def _next(self) -> int:
        self.counter += 1
        return self.counter

    def notice(
        self, key: str, kind: NotificationKind = NotificationKind.REGISTERED, text: str = "Salam"
    ) -> OutboxMessage:
        return OutboxMessage(
            topic=OutboxTopic.MESSAGE_SEND,
            payload={"idempotencyKey": f"sms:{key}", "text": text},
            dedupe_key=f"sms:{key}",
            notification=NewNotification(
                channel=MessageChannel.SMS,
                kind=kind,
                recipient="+994501234567",
                language="az",
                text=text,
                idempotency_key=f"sms:{key}",
            ),
        )

    def card_order(self, key: str) -> OutboxMessage:
        return OutboxMessage(
            topic=OutboxTopic.CARD_ORDER,
            # the terms of make.grant(), as resolvers.applications.card_order_message writes them
            payload={
                "applicationId": key,
                "monthlyAmount": "240.00",
                "periodStart": "2026-03-01",
                "periodEnd": "2027-02-28",
            },
            dedupe_key=f"card:{key}",
            card_order=NewCardOrder(idempotency_key=f"card:{key}"),
        )

    def application(
        self,
        key: str | None = None,
        *,
        fins: tuple[str, ...] | None = None,
        household_id: str | None = None,
        district: str | None = "Baku",
        submitted_at: datetime | None = None,
        digest_of: str | None = None,
        notices: int = 1,
        next_attempt_at: datetime | None = None,
    ) -> NewApplication:
        n = self._next()
        key = key or f"key-{n}"
        fins = fins or (f"{n:07d}", f"{n + 500000:07d}")
        submitted_at = submitted_at or self.clock.now
        digest = hashlib.sha256((digest_of or f"input-of-{key}").encode()).hexdigest()
        return NewApplication(
            idempotency_key=key,
            request_digest=digest,
            channel=Channel.ONLINE,
            submitted_by=f"citizen-{fins[0]}",
            submitted_role="citizen",
            representative_fin=fins[0],
            member_fins=fins,
            phone="+994501234567",
            email=None,
            submitted_at=submitted_at,
            registered_on=submitted_at.date(),
            decision_due_on=submitted_at.date() + timedelta(days=20),
            next_attempt_at=next_attempt_at,
            household_id=household_id or f"HH-{n}",
            district=district,
            notices=tuple(self.notice(f"{key}:registered:{i}") for i in range(notices)),
        )

    def grant(
        self,
        amount: Decimal = Decimal("240.00"),
        *,
        period_start: date = date(2026, 3, 1),
        period_end: date = date(2027, 2, 28),
    ) -> NewDecision:
        return NewDecision(
            outcome=Outcome.GRANTED,
            monthly_amount=amount,
            period_start=period_start,
            period_end=period_end,
            record={"outcome": "GRANTED", "monthlyAmount": str(amount)},
            rules_version="2026.1",
            decided_at=self.clock.now,
        )

    def refusal(self) -> NewDecision:
        return NewDecision(
            outcome=Outcome.REFUSED,
            monthly_amount=None,
            period_start=None,
            period_end=None,
            record={"outcome": "REFUSED", "reasons": [{"code": "INCOME_AT_OR_ABOVE_THRESHOLD"}]},
            rules_version="2026.1",
            decided_at=self.clock.now,
        )


@pytest.fixture
def make(clock: FakeClock) -> Make:
    return Make(clock)


async def count(db: Database, table: sa.Table, *where: sa.ColumnElement[bool]) -> int:
    """Rows in ``table`` (for assertions that nothing was written or duplicated)."""
    async with db.engine.connect() as connection:
        value = await connection.scalar(sa.select(sa.func.count()).select_from(table).where(*where))
    return int(value or 0)


@pytest.fixture
def rows() -> Any:
    return count
