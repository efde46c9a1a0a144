"""The application repository: every read and write of applications, decisions, events, card
orders, notifications and the outbox, on SQLite or PostgreSQL.

Each method is one short transaction and returns frozen dataclasses (:mod:`adapters.db.records`).
A state change and everything that follows from it (its event, the outbox messages that carry it
out of the process, the card order and notification rows they will complete) are written
together or not at all; see docs/persistence.md for the life of an application and of an outbox
item.

    async with open_database(settings.database_url) as db:
        result = await db.register_application(new)
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.db import delivery
from adapters.db.delivery import Completion, Due, check_effect
from adapters.db.direct import (
    NextDue,
    PostgresProbe,
    Result,
    SqliteProbe,
    SqliteWriter,
    sqlite_file,
)
from adapters.db.engine import WRITE, create_engine
from adapters.db.errors import (
    ApplicationNotFound,
    DuplicateKey,
    GrantConflict,
    IdempotencyConflict,
    InvalidCursor,
    RequeueRefused,
    StaleApplication,
    translate_errors,
)
from adapters.db.records import (
    UNDECIDED,
    ApplicationFilter,
    ApplicationRow,
    ApplicationStatus,
    CardOrdered,
    CardOrderRow,
    CardOrderStatus,
    CardTermsChanged,
    Channel,
    DeadLetter,
    DecisionRow,
    DeliveryKind,
    EventKind,
    EventRow,
    MessageChannel,
    MessageSent,
    MissingItem,
    NewApplication,
    NewDecision,
    NotificationKind,
    NotificationRow,
    NotificationStatus,
    OutboxEffect,
    OutboxItem,
    OutboxMessage,
    OutboxStatus,
    Outcome,
    Page,
    RegisterResult,
    Requeued,
)
from adapters.db.tables import (
    application_events,
    application_members,
    applications,
    card_orders,
    decisions,
    notifications,
    outbox,
    registration_counters,
)

NUMBER_PREFIX = "TSA"
MAX_PAGE_SIZE = 100
MAX_ERROR_LENGTH = 500

Clock = Callable[[], datetime]

#: Statements a caller adds to a write transaction (a method's ``audit_rows``): run with the
#: transaction's connection as its last step before the commit (the audit log's rows of the
#: reads the change rests on: :meth:`adapters.db.audit.AuditLog.carried`). A method that
#: returns has committed them with its change; one that raises has written neither.
LastStatements = Callable[[AsyncConnection], Awaitable[object]]

# The statements of registration, assessment and decision, built once (building them per call
# cost more CPU than running them); the values are bound when they run
_UNDECIDED = [status.value for status in UNDECIDED]
_DECIDED = [ApplicationStatus.GRANTED.value, ApplicationStatus.REFUSED.value]
_BY_KEY = sa.select(applications).where(applications.c.idempotency_key == sa.bindparam("key"))
_INSERT_APPLICATION = sa.insert(applications).returning(applications)
_INSERT_MEMBERS = sa.insert(application_members)
_INSERT_EVENT = sa.insert(application_events)
_INSERT_DECISION = sa.insert(decisions)
_NEXT_NUMBER = {
    dialect: insert(registration_counters)
    .on_conflict_do_update(
        index_elements=["year"],
        set_={"last_number": registration_counters.c.last_number + 1},
    )
    .returning(registration_counters.c.last_number)
    for dialect, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}
_BEGIN_ASSESSMENT = {  # by whether the registry's family is given
    with_family: sa.update(applications)
    .where(applications.c.id == sa.bindparam("b_id"), applications.c.status.in_(_UNDECIDED))
    .values(
        status=ApplicationStatus.ASSESSING.value,
        attempts=applications.c.attempts + 1,
        next_attempt_at=sa.bindparam("b_retry_at"),
        household_id=sa.func.coalesce(sa.bindparam("b_household_id"), applications.c.household_id),
        district=sa.func.coalesce(sa.bindparam("b_district"), applications.c.district),
        version=applications.c.version + 1,
        updated_at=sa.bindparam("b_now"),
        **({"household_fins": sa.bindparam("b_household_fins")} if with_family else {}),
    )
    .returning(applications)
    for with_family in (True, False)
}
_ADD_MEMBERS = {
    dialect: insert(application_members).on_conflict_do_nothing()
    for dialect, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}
_AWAITING_DATA = {  # by whether the expected version is given
    versioned: sa.update(applications)
    .where(
        applications.c.id == sa.bindparam("b_id"),
        applications.c.status.in_(_UNDECIDED),
        *([applications.c.version == sa.bindparam("b_version")] if versioned else []),
    )
    .values(
        status=ApplicationStatus.AWAITING_DATA.value,
        missing_data=sa.bindparam("b_missing"),
        next_attempt_at=sa.bindparam("b_next_attempt_at"),
        version=applications.c.version + 1,
        updated_at=sa.bindparam("b_now"),
    )
    .returning(applications)
    for versioned in (True, False)
}


def _deciding(statuses: list[str]) -> sa.Update:
    # the conditional update is the optimistic lock (and, on PostgreSQL, takes the row lock
    # that makes a concurrent decider wait, then find the version changed)
    return (
        sa.update(applications)
        .where(
            applications.c.id == sa.bindparam("b_id"),
            applications.c.version == sa.bindparam("b_version"),
            applications.c.status.in_(statuses),
        )
        .values(
            status=sa.bindparam("b_outcome"),
            missing_data=sa.bindparam("b_missing"),
            next_attempt_at=None,
            version=applications.c.version + 1,
            updated_at=sa.bindparam("b_now"),
        )
        .returning(applications)
    )


_DECIDE = _deciding(_UNDECIDED)
_REASSESS = _deciding([*_UNDECIDED, *_DECIDED])
_SUPERSEDE = (
    sa.update(decisions)
    .where(
        decisions.c.application_id == sa.bindparam("b_application_id"),
        decisions.c.superseded.is_(False),
    )
    .values(superseded=True)
    .returning(decisions.c.sequence)
)

# the application's latest card order (Database.card_order, and inside a re-grant's transaction)
_LATEST_CARD_ORDER = (
    sa.select(card_orders)
    .where(card_orders.c.application_id == sa.bindparam("b_application_id"))
    .order_by(card_orders.c.created_at.desc(), card_orders.c.id.desc())
    .limit(1)
)

# PostgreSQL: the advisory locks (transaction-scoped, taken in the array's order) under which
# a family's grants are recorded one at a time (Database._only_grant)
_LOCK_FAMILY = sa.select(sa.func.pg_advisory_xact_lock(sa.column("k"))).select_from(
    sa.func.unnest(sa.bindparam("keys", type_=postgresql.ARRAY(sa.BigInteger))).alias("k")
)


def _lock_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key for a household id or a FIN."""
    digest = hashlib.blake2b(name.encode(), digest_size=8, person=b"vemtas-grant").digest()
    return int.from_bytes(digest, "big", signed=True)


def _grant_covering(
    household_id: str | None,
    member_fins: Sequence[str],
    month: date,
    excluding_application_id: str | None,
) -> sa.Select[Any] | None:
    """``EXISTS`` a current grant of ours for this household or for an application declaring
    one of ``member_fins``, overlapping the calendar month of ``month`` (None: nobody to ask
    about)."""
    whose: list[sa.ColumnElement[bool]] = []
    if household_id is not None:
        whose.append(applications.c.household_id == household_id)
    if member_fins:
        whose.append(
            applications.c.id.in_(
                sa.select(application_members.c.application_id).where(
                    application_members.c.fin.in_(list(member_fins))
                )
            )
        )
    if not whose:
        return None
    month_start = month.replace(day=1)
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    month_end = next_month - timedelta(days=1)
    conditions = [
        decisions.c.outcome == Outcome.GRANTED.value,
        decisions.c.superseded.is_(False),
        decisions.c.period_start <= month_end,
        decisions.c.period_end >= month_start,
        sa.or_(*whose),
    ]
    if excluding_application_id is not None:
        conditions.append(applications.c.id != excluding_application_id)
    return sa.select(
        sa.exists(
            sa.select(decisions.c.id)
            .join(applications, applications.c.id == decisions.c.application_id)
            .where(*conditions)
        )
    )


# notifications enqueued at the same instant are listed in the order of an application's life
_KIND_RANK = sa.case(
    {kind.value: rank for rank, kind in enumerate(NotificationKind)},
    value=notifications.c.kind,
    else_=len(NotificationKind),
)


def utc_now() -> datetime:
    return datetime.now(UTC)


def _new_id() -> str:
    return str(uuid.uuid4())


def registration_number(year: int, sequence: int) -> str:
    """``TSA-2026-000123``: the year of registration and the year's running number."""
    return f"{NUMBER_PREFIX}-{year}-{sequence:06d}"


@asynccontextmanager
async def open_database(
    url: str | URL, *, schema: str | None = None, clock: Clock = utc_now
) -> AsyncIterator[Database]:
    """A :class:`Database` for ``url`` (the schema must be migrated: ``vemtas db upgrade`` or
    :func:`adapters.db.migrate.upgrade`); the engine's connections are closed on exit.

    Nothing is connected yet when this returns, so a gateway starts while its database is away;
    :meth:`Database.ping` tells whether it is back."""
    engine = create_engine(url, schema=schema)
    try:
        yield Database(engine, clock=clock)
    finally:
        await engine.dispose()


class Database:
    """The engine and the repository operations over it. Build it with :func:`open_database`.

    Every method raises :class:`~adapters.db.errors.DatabaseUnavailable` when the database cannot
    be reached or does not answer in time; a mutation that raises it wrote nothing."""

    def __init__(self, engine: AsyncEngine, *, clock: Clock = utc_now) -> None:
        self.engine = engine
        self._clock = clock
        self._postgres = engine.dialect.name == "postgresql"
        self._writer_lock: asyncio.Lock | contextlib.nullcontext[None] = (
            contextlib.nullcontext() if self._postgres else asyncio.Lock()
        )

    # --- transactions ---------------------------------------------------------------------------

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[AsyncConnection]:
        with translate_errors():
            async with self.engine.connect() as connection, connection.begin():
                yield connection

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncConnection]:
        # SQLite has one writer at a time: queue this process's writers here rather than in
        # SQLite's busy handler, which sleeps in growing steps (up to 100 ms) while it waits
        async with self._writer_lock, self._write_transaction() as connection:
            yield connection

    @asynccontextmanager
    async def _write_transaction(self) -> AsyncIterator[AsyncConnection]:
        with translate_errors():
            async with self.engine.connect() as connection:
                # SQLite: BEGIN IMMEDIATE (see adapters.db.engine)
                connection = await connection.execution_options(**{WRITE: True})
                async with connection.begin():
                    yield connection

    async def ping(self) -> None:
        """Raise :class:`~adapters.db.errors.DatabaseUnavailable` unless the database answers."""
        async with self._read() as connection:
            await connection.execute(sa.text("SELECT 1"))

    # --- registration ---------------------------------------------------------------------------

    async def register_application(
        self, new: NewApplication, *, audit_rows: LastStatements | None = None
    ) -> RegisterResult:
        """Register ``new`` once per idempotency key.

        The same key with the same ``request_digest`` gives back the application registered
        first (``created=False``); with another digest it raises
        :class:`~adapters.db.errors.IdempotencyConflict`. Concurrent calls with one key create
        one row and all get it (the unique key decides; the losers read the winner's row).
        The application, its members, the REGISTERED event, ``new.notices`` and
        ``audit_rows`` are written in one transaction; ``audit_rows`` also when the key was
        registered before (nothing else is written then), never with a conflict."""
        try:
            async with self._write() as connection:
                row = await _first(connection, _BY_KEY, {"key": new.idempotency_key})
                if row is not None:  # SQLite: writers are serialized, we see the winner
                    existing = _same_input(_application(row), new)
                    if audit_rows is not None:
                        await audit_rows(connection)
                    return RegisterResult(existing, created=False)
                created = await self._insert_application(connection, new)
                if audit_rows is not None:
                    await audit_rows(connection)
        except DuplicateKey:
            # PostgreSQL: another transaction committed the key while ours was in flight
            existing_row = await self._by_idempotency_key(new.idempotency_key)
            if existing_row is None:
                raise
            existing = _same_input(existing_row, new)
            if audit_rows is not None:
                async with self._write() as connection:
                    await audit_rows(connection)
            return RegisterResult(existing, created=False)
        return RegisterResult(created, created=True)

    async def _insert_application(
        self, connection: AsyncConnection, new: NewApplication
    ) -> ApplicationRow:
        now = self._clock()
        sequence = await self._next_number(connection, new.registered_on.year)
        application_id = _new_id()
        number = registration_number(new.registered_on.year, sequence)
        row = await _one(
            connection,
            _INSERT_APPLICATION,
            {
                "id": application_id,
                "number": number,
                "idempotency_key": new.idempotency_key,
                "request_digest": new.request_digest,
                "status": ApplicationStatus.REGISTERED.value,
                "channel": new.channel.value,
                "submitted_by": new.submitted_by,
                "submitted_role": new.submitted_role,
                "representative_fin": new.representative_fin,
                "household_id": new.household_id,
                "district": new.district,
                "member_fins": list(new.member_fins),
                "phone": new.phone,
                "email": new.email,
                "submitted_at": new.submitted_at,
                "registered_on": new.registered_on,
                "decision_due_on": new.decision_due_on,
                "missing_data": [],
                "next_attempt_at": new.next_attempt_at,
                "attempts": 0,
                "flagged_overdue": False,
                "updated_at": now,
                "version": 1,
            },
        )
        fins = dict.fromkeys((new.representative_fin, *new.member_fins))
        await connection.execute(
            _INSERT_MEMBERS, [{"application_id": application_id, "fin": fin} for fin in fins]
        )
        await self._event(
            connection,
            application_id,
            EventKind.REGISTERED,
            at=new.submitted_at,
            detail={**new.registered_detail, "number": number, "channel": new.channel.value},
        )
        created = _application(row)
        notices = list(new.notices)
        if new.render_notices is not None:
            notices += new.render_notices(created)
        await self._enqueue(connection, application_id, notices, decision_id=None, now=now)
        return created

    async def _next_number(self, connection: AsyncConnection, year: int) -> int:
        # One counter row per year, incremented in the registering transaction: numbers are
        # unique and, because a rolled-back registration rolls its increment back, gap-free.
        statement = _NEXT_NUMBER["postgresql" if self._postgres else "sqlite"]
        number = await connection.scalar(statement, {"year": year, "last_number": 1})
        return int(number)

    async def application_by_idempotency_key(self, key: str) -> ApplicationRow | None:
        """The application registered under ``key`` (the submitter-scoped key), if any."""
        return await self._by_idempotency_key(key)

    async def _by_idempotency_key(self, key: str) -> ApplicationRow | None:
        async with self._read() as connection:
            row = await _first(connection, _BY_KEY, {"key": key})
        return None if row is None else _application(row)

    # --- assessment -----------------------------------------------------------------------------

    async def begin_assessment(
        self,
        application_id: str,
        *,
        retry_at: datetime,
        household_id: str | None = None,
        district: str | None = None,
        household_fins: Sequence[str] | None = None,
        audit_rows: LastStatements | None = None,
    ) -> ApplicationRow:
        """Mark an undecided application ASSESSING (one more attempt) and record the household,
        district and the registry's family (``household_fins``: who may read it, added to the
        application's people) once known. ``retry_at`` is when the worker takes over if this
        attempt never finishes. Raises :class:`~adapters.db.errors.StaleApplication` if it was
        decided. ``audit_rows`` are written last in the same transaction."""
        now = self._clock()
        params = {
            "b_id": application_id,
            "b_retry_at": retry_at,
            "b_household_id": household_id,
            "b_district": district,
            "b_now": now,
        }
        with_family = household_fins is not None
        if household_fins is not None:
            params["b_household_fins"] = list(household_fins)
        async with self._write() as connection:
            row = await self._change_undecided(
                connection, application_id, _BEGIN_ASSESSMENT[with_family], params, None
            )
            if household_fins:
                await connection.execute(
                    _ADD_MEMBERS[connection.dialect.name],
                    [{"application_id": application_id, "fin": fin} for fin in household_fins],
                )
            await self._event(
                connection,
                application_id,
                EventKind.ASSESSMENT_STARTED,
                at=now,
                detail={"attempt": row.attempts},
            )
            if audit_rows is not None:
                await audit_rows(connection)
        return row

    async def mark_awaiting_data(
        self,
        application_id: str,
        missing: Sequence[MissingItem],
        next_attempt_at: datetime,
        *,
        expected_version: int | None = None,
        audit_rows: LastStatements | None = None,
    ) -> ApplicationRow:
        """The assessment lacked ``missing``: AWAITING_DATA, to be retried by the worker from
        ``next_attempt_at``. Refused (StaleApplication) once decided, or if ``expected_version``
        is given and the application changed since. ``audit_rows`` are written last in the
        same transaction."""
        now = self._clock()
        items = [asdict(item) for item in missing]
        params = {
            "b_id": application_id,
            "b_missing": items,
            "b_next_attempt_at": next_attempt_at,
            "b_version": expected_version,
            "b_now": now,
        }
        statement = _AWAITING_DATA[expected_version is not None]
        async with self._write() as connection:
            row = await self._change_undecided(
                connection, application_id, statement, params, expected_version
            )
            await self._event(
                connection,
                application_id,
                EventKind.AWAITING_DATA,
                at=now,
                detail={"missing": items, "nextAttemptAt": next_attempt_at.isoformat()},
            )
            if audit_rows is not None:
                await audit_rows(connection)
        return row

    async def _change_undecided(
        self,
        connection: AsyncConnection,
        application_id: str,
        statement: sa.Update,
        params: Mapping[str, Any],
        expected_version: int | None,
    ) -> ApplicationRow:
        row = await _first(connection, statement, params)
        if row is None:
            raise await self._why_not(connection, application_id, expected_version)
        return _application(row)

    async def _why_not(
        self, connection: AsyncConnection, application_id: str, expected_version: int | None
    ) -> Exception:
        current = await _first(
            connection,
            sa.select(applications.c.version, applications.c.status).where(
                applications.c.id == application_id
            ),
        )
        if current is None:
            return ApplicationNotFound(application_id)
        version, status = int(current.version), ApplicationStatus(current.status)
        if expected_version is not None and version != expected_version:
            return StaleApplication(application_id, expected_version, version)
        if status.decided:
            return StaleApplication(
                application_id, expected_version, version, "the application is already decided"
            )
        return StaleApplication(application_id, expected_version, version)

    async def record_decision(
        self,
        application_id: str,
        decision: NewDecision,
        outbox_messages: Sequence[OutboxMessage],
        expected_version: int,
        *,
        reassessment: bool = False,
        audit_rows: LastStatements | None = None,
        card_ready: Callable[[CardOrderRow], Sequence[OutboxMessage]] | None = None,
    ) -> ApplicationRow:
        """Record ``decision`` and everything that follows from it, in one transaction: the
        decision row, the status (GRANTED or REFUSED), the DECIDED event, and
        ``outbox_messages`` (the card order for a grant, the decision notices) with their
        PENDING card order and notification rows, and last ``audit_rows``. All or nothing.

        A decision is made once: raises :class:`~adapters.db.errors.StaleApplication` if the
        application's version is no longer ``expected_version`` (someone else changed or decided
        it), or if it is already decided and this is not a ``reassessment``. A grant is recorded
        only while the family has no other current grant of ours covering the month: raises
        :class:`~adapters.db.errors.GrantConflict` otherwise. A reassessment
        keeps the earlier decisions, marked superseded, and adds a REASSESSED event.

        ``card_ready`` renders the card-pickup notices of a card order the bank has made; a
        grant with it enqueues them when the card order is ORDERED at that point of the
        transaction (their keys are per application: notices already enqueued are not again)."""
        _check_decision(decision)
        now = self._clock()
        async with self._write() as connection:
            row = await _first(
                connection,
                _REASSESS if reassessment else _DECIDE,
                {
                    "b_id": application_id,
                    "b_version": expected_version,
                    "b_outcome": decision.outcome.value,
                    "b_missing": [],
                    "b_now": now,
                },
            )
            if row is None:
                raise await self._why_not(connection, application_id, expected_version)
            if decision.outcome is Outcome.GRANTED:
                await self._only_grant(connection, row)
            # the current decision is the one not superseded, and it has the highest sequence;
            # an undecided application (the only kind a non-reassessment may decide) has none
            superseded: list[int] = []
            reconciled: delivery.Reconciled | None = None
            if reassessment:
                result = await connection.execute(_SUPERSEDE, {"b_application_id": application_id})
                superseded = [int(sequence) for sequence in result.scalars()]
                if superseded:  # before the new decision's own messages are enqueued
                    granted = decision.outcome is Outcome.GRANTED
                    reconciled = await connection.run_sync(
                        delivery.reconcile_outbox, application_id, granted, now
                    )
            sequence = max(superseded, default=0) + 1
            decision_id = _new_id()
            await connection.execute(
                _INSERT_DECISION,
                {
                    "id": decision_id,
                    "application_id": application_id,
                    "sequence": sequence,
                    "outcome": decision.outcome.value,
                    "monthly_amount": decision.monthly_amount,
                    "period_start": decision.period_start,
                    "period_end": decision.period_end,
                    "record": decision.record,
                    "rules_version": decision.rules_version,
                    "decided_at": decision.decided_at,
                    "superseded": False,
                },
            )
            events = [
                {
                    "application_id": application_id,
                    "at": decision.decided_at,
                    "kind": EventKind.DECIDED.value,
                    "detail": {
                        "outcome": decision.outcome.value,
                        "sequence": sequence,
                        "monthlyAmount": _money_text(decision),
                    },
                }
            ]
            if superseded:
                assert reconciled is not None
                reassessed = {
                    "supersedes": sorted(superseded),
                    "sequence": sequence,
                    "withdrawn": reconciled.withdrawn,
                    "restored": reconciled.restored,
                }
                events.insert(
                    0,
                    {
                        "application_id": application_id,
                        "at": decision.decided_at,
                        "kind": EventKind.REASSESSED.value,
                        "detail": reassessed,
                    },
                )
            await connection.execute(_INSERT_EVENT, events if superseded else events[0])
            if card_ready is not None and decision.outcome is Outcome.GRANTED:
                # a card the bank made while the family was refused went without its pickup
                # notices: a grant sends them, looking at the card order here, in its own
                # transaction, where a worker recording the bank's answer cannot slip past it
                card = await self._ordered_card(connection, application_id)
                if card is not None:
                    outbox_messages = [*outbox_messages, *card_ready(card)]
            if superseded:  # the card ordered under an earlier decision pays what this says
                change = await connection.run_sync(
                    delivery.terms_change, application_id, sequence, _terms(decision)
                )
                if change is not None:
                    outbox_messages = [*outbox_messages, change]
            await self._enqueue(
                connection, application_id, outbox_messages, decision_id=decision_id, now=now
            )
            if audit_rows is not None:
                await audit_rows(connection)
        return _application(row)

    async def due_for_retry(
        self, now: datetime, limit: int, *, lease_seconds: float = 120.0
    ) -> list[ApplicationRow]:
        """Undecided applications whose ``next_attempt_at`` has come (awaiting data, or left
        REGISTERED/ASSESSING by a crash), oldest first. They are leased: their
        ``next_attempt_at`` moves ``lease_seconds`` on, so that another worker does not take
        them, and a worker that dies loses nothing (the lease runs out)."""
        until = now + timedelta(seconds=lease_seconds)
        async with self._write() as connection:
            rows = (
                await connection.execute(
                    delivery.LEASE_DUE_APPLICATIONS, {"now": now, "limit": limit, "b_until": until}
                )
            ).all()
        found = [_application(row) for row in rows]
        return sorted(found, key=lambda a: (a.submitted_at, a.id))

    async def flag_overdue(self, today: date, within_days: int) -> list[ApplicationRow]:
        """Flag undecided applications whose decision is due within ``within_days`` of
        ``today`` (or overdue), once each, with a FLAGGED_OVERDUE event; returns those flagged
        now."""
        now = self._clock()
        due_by = today + timedelta(days=within_days)
        async with self._write() as connection:
            rows = (
                await connection.execute(delivery.FLAG_OVERDUE, {"b_due_by": due_by, "b_now": now})
            ).all()
            flagged = sorted((_application(row) for row in rows), key=lambda a: a.number)
            if flagged:
                events = [
                    delivery.event_row(
                        application.id,
                        EventKind.FLAGGED_OVERDUE,
                        now,
                        {"decisionDueOn": application.decision_due_on.isoformat()},
                    )
                    for application in flagged
                ]
                await connection.execute(delivery.INSERT_EVENTS, events)
        return flagged

    # --- outbox ---------------------------------------------------------------------------------
    # The statements are built once (adapters/db/delivery.py). The worker's transactions are
    # synchronous bodies over a connection: run through the engine (``run_sync``) or, during a
    # worker session on a SQLite file, whole in the session's writer thread (one hop to the
    # driver per transaction instead of several per statement: adapters/db/direct.py).

    _sqlite_writer: SqliteWriter | None = None

    @asynccontextmanager
    async def worker_session(self) -> AsyncIterator[NextDue]:
        """For the lifetime of a worker: yields what answers :meth:`next_due` for it, asked
        every round: a direct read (adapters/db/direct.py) instead of a transaction through
        the pool. On a SQLite file, meanwhile, the worker's write transactions (claims,
        completions, failures) run whole in a thread of their own over a synchronous
        connection, still queued behind this process's other writers: the same statements,
        the same transactions."""
        if self._postgres:
            postgres = PostgresProbe(self.engine, self.next_due)
            try:
                yield postgres
            finally:
                await postgres.close()
            return
        path = sqlite_file(self.engine)
        if path is None or self._sqlite_writer is not None:
            yield self.next_due
            return
        writer = SqliteWriter(path)
        probe = SqliteProbe(path, self.next_due)
        self._sqlite_writer = writer
        try:
            yield probe
        finally:
            del self._sqlite_writer
            probe.close()
            writer.close()

    async def _transaction(self, body: Callable[..., Result], *args: Any) -> Result:
        """``body(connection, *args)`` in one write transaction (see the section's comment)."""
        writer = self._sqlite_writer
        if writer is not None:
            async with self._writer_lock:
                return await writer.run(body, *args)
        async with self._write() as connection:
            return await connection.run_sync(body, *args)

    async def _enqueue(
        self,
        connection: AsyncConnection,
        application_id: str | None,
        messages: Iterable[OutboxMessage],
        *,
        decision_id: str | None,
        now: datetime,
    ) -> None:
        pairs = [(application_id, message) for message in messages]
        if pairs:
            await connection.run_sync(self._enqueue_rows, pairs, decision_id, now)

    def _enqueue_rows(
        self,
        connection: sa.Connection,
        messages: Iterable[tuple[str | None, OutboxMessage]],
        decision_id: str | None,
        now: datetime,
    ) -> None:
        # enqueuing is idempotent on the dedupe key: messages already in the outbox (or twice in
        # this batch) are skipped with their effect rows
        batch: dict[str, tuple[str | None, OutboxMessage]] = {}
        for application_id, message in messages:
            batch.setdefault(message.dedupe_key, (application_id, message))
        if not batch:
            return
        known = set(connection.execute(delivery.KNOWN_DEDUPE_KEYS, {"keys": list(batch)}).scalars())
        orders: list[dict[str, Any]] = []
        notices: list[dict[str, Any]] = []
        items: list[dict[str, Any]] = []
        for application_id, message in batch.values():
            if message.dedupe_key in known:
                continue
            card_order_id = notification_id = None
            has_effect = message.card_order is not None or message.notification is not None
            if has_effect and application_id is None:
                raise ValueError("a card order or notification belongs to an application")
            if message.card_order is not None:
                card_order_id = _new_id()
                orders.append(
                    {
                        "id": card_order_id,
                        "application_id": application_id,
                        "decision_id": decision_id,
                        "idempotency_key": message.card_order.idempotency_key,
                        "status": CardOrderStatus.PENDING.value,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            if message.notification is not None:
                notification = message.notification
                notification_id = _new_id()
                notices.append(
                    {
                        "id": notification_id,
                        "application_id": application_id,
                        "channel": notification.channel.value,
                        "kind": notification.kind.value,
                        "recipient": notification.recipient,
                        "language": notification.language,
                        "text": notification.text,
                        "idempotency_key": notification.idempotency_key,
                        "status": NotificationStatus.PENDING.value,
                        "created_at": now,
                    }
                )
            items.append(
                {
                    "id": _new_id(),
                    "topic": message.topic.value,
                    "payload": message.payload,
                    "dedupe_key": message.dedupe_key,
                    "status": OutboxStatus.PENDING.value,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                    "application_id": application_id,
                    "card_order_id": card_order_id,
                    "notification_id": notification_id,
                }
            )
        # effect rows first: the outbox items refer to them
        if orders:
            connection.execute(delivery.INSERT_CARD_ORDERS, orders)
        if notices:
            connection.execute(delivery.INSERT_NOTIFICATIONS, notices)
        if items:
            connection.execute(delivery.INSERT_OUTBOX, items)

    async def next_due(self) -> Due:
        """When there is next something for the worker to do (one read of three index
        minimums): the earliest outbox item due (PENDING, or IN_FLIGHT with a lease that runs
        out) and the earliest undecided application due for another attempt. A worker asks
        this every round and claims only when something is due, so that an idle round writes
        nothing."""
        async with self._read() as connection:
            pending, leased, undecided = (await connection.execute(delivery.NEXT_DUE)).one()
        return Due(outbox=delivery.earliest(pending, leased), applications=undecided)

    async def claim_outbox(
        self,
        now: datetime,
        limit: int,
        lease_seconds: float,
        *,
        max_attempts: int | None = None,
    ) -> list[OutboxItem]:
        """Claim up to ``limit`` items to deliver: PENDING items whose time has come, and
        IN_FLIGHT items whose lease has run out (their worker died: a ``kill -9`` mid-delivery
        is redelivered, with the same idempotency key toward the bank or messaging gateway).
        Each claimed item is IN_FLIGHT until ``now + lease_seconds`` with one more attempt.

        Two claimers never get the same item: PostgreSQL locks the rows (``FOR UPDATE SKIP
        LOCKED``, so claimers do not wait for each other), SQLite runs the one UPDATE … RETURNING
        inside a write transaction.

        With ``max_attempts``, an IN_FLIGHT item whose lease ran out after ``max_attempts``
        claims (its worker died that many times delivering it: a poison message) is
        dead-lettered by the same statement instead of being claimed again (its effects and
        DEAD_LETTERED event in the same transaction), so that it never holds up the rest."""
        params = {
            "now": now,
            "limit": limit,
            "max_attempts": delivery.NO_LIMIT if max_attempts is None else max_attempts,
            "b_lease_until": now + timedelta(seconds=lease_seconds),
        }
        items = await self._transaction(self._claim, params)
        return sorted(items, key=lambda item: (item.created_at, item.id))

    def _claim(self, connection: sa.Connection, params: dict[str, Any]) -> list[OutboxItem]:
        items: list[OutboxItem] = []
        for row in connection.execute(delivery.CLAIM, params).all():
            item = _outbox_item(row)
            if row.status == OutboxStatus.DEAD.value:
                self._dead_effects(connection, item, delivery.DIED_EVERY_TIME, self._clock())
            else:
                items.append(item)
        return items

    def _dead_effects(
        self, connection: sa.Connection, item: OutboxItem, error: str, now: datetime
    ) -> None:
        if item.notification_id is not None:
            connection.execute(
                delivery.NOTIFICATION_STATUS,
                {"b_id": item.notification_id, "b_status": NotificationStatus.DEAD.value},
            )
        if item.card_order_id is not None:
            connection.execute(delivery.CARD_FAILED, {"b_id": item.card_order_id, "b_now": now})
        if item.application_id is not None:
            detail = _dead_lettered_detail(item, error)
            connection.execute(
                delivery.INSERT_EVENTS,
                delivery.event_row(item.application_id, EventKind.DEAD_LETTERED, now, detail),
            )

    async def complete_outbox(
        self,
        item_id: str,
        effect: OutboxEffect | None = None,
        *,
        follow_up: Sequence[OutboxMessage] = (),
    ) -> bool:
        """The item was delivered: mark it DONE and, in the same transaction, apply ``effect``
        to its row (card order ORDERED with IBAN, branch and pickup date and a CARD_ORDERED
        event; notification SENT with the provider's id and a NOTIFIED event) and enqueue
        ``follow_up`` (e.g. the card-pickup notice).

        Returns False, changing nothing, if the item was already DONE (a redelivery after an
        expired lease completed first). :meth:`complete_outbox_items` records several."""
        return await self._transaction(self._complete_one, item_id, effect, tuple(follow_up))

    def _complete_one(
        self,
        connection: sa.Connection,
        item_id: str,
        effect: OutboxEffect | None,
        follow_up: Sequence[OutboxMessage],
    ) -> bool:
        now = self._clock()
        row = connection.execute(delivery.COMPLETE_ONE, {"item_id": item_id}).first()
        if row is None:
            return False
        item = _outbox_item(row)
        check_effect(item, effect)
        self._record_completions(connection, [Completion(item, effect)], now)
        messages = [(item.application_id, message) for message in follow_up]
        self._enqueue_rows(connection, messages, None, now)
        return True

    async def complete_outbox_items(self, done: Sequence[Completion]) -> list[bool]:
        """Record delivered items together, in one transaction, each as
        :meth:`complete_outbox` does (DONE, its effect and event, its follow-up messages,
        rendered here from its application's row); an item already DONE (a redelivery after an
        expired lease completed first) changes nothing. All or nothing: an effect that does not
        fit its item is a ``ValueError`` before anything is written. Returns, in order, whether
        each item was completed now."""
        for completion in done:
            check_effect(completion.item, completion.effect)
        ids = [completion.item.id for completion in done]
        if len(set(ids)) != len(ids):
            raise ValueError("an item is completed once")
        if not ids:
            return []
        completed = await self._transaction(self._complete_many, done)
        return [item_id in completed for item_id in ids]

    def _complete_many(self, connection: sa.Connection, done: Sequence[Completion]) -> set[str]:
        now = self._clock()
        # first, the applications the follow-up messages are rendered from, held until the
        # commit (delivery.APPLICATIONS_TO_FOLLOW_UP): no reassessment slips in between
        following = {
            c.item.application_id
            for c in done
            if c.follow_up is not None and c.item.application_id is not None
        }
        found = (
            {
                row.id: _application(row)
                for row in connection.execute(
                    delivery.APPLICATIONS_TO_FOLLOW_UP, {"ids": sorted(following)}
                )
            }
            if following
            else {}
        )
        ids = [completion.item.id for completion in done]
        completed = set(connection.execute(delivery.COMPLETE_MANY, {"ids": ids}).scalars())
        fresh = [completion for completion in done if completion.item.id in completed]
        self._record_completions(connection, fresh, now)
        follow_up = [completion for completion in fresh if completion.follow_up is not None]
        if follow_up:
            self._enqueue_follow_up(connection, follow_up, found, now)
        return completed

    def _record_completions(
        self, connection: sa.Connection, done: Sequence[Completion], now: datetime
    ) -> None:
        """The effects of items just marked DONE and their events: one statement per kind of
        row, whatever the number of items."""
        sent = [(c.item, c.effect) for c in done if isinstance(c.effect, MessageSent)]
        ordered = [(c.item, c.effect) for c in done if isinstance(c.effect, CardOrdered)]
        changed = [(c.item, c.effect) for c in done if isinstance(c.effect, CardTermsChanged)]
        events: list[dict[str, Any]] = []
        if changed:
            connection.execute(
                delivery.CARD_TERMS_SET,
                [
                    {
                        "b_order_id": effect.order_id,
                        "b_status": (
                            CardOrderStatus.STOPPED if effect.stopped else CardOrderStatus.ORDERED
                        ).value,
                        "b_now": now,
                    }
                    for _, effect in changed
                ],
            )
            for item, terms in changed:
                assert item.application_id is not None
                detail = {
                    "orderId": terms.order_id,
                    "sequence": terms.sequence,
                    "payments": "STOPPED" if terms.stopped else "ACTIVE",
                    "monthlyAmount": f"{terms.monthly_amount:.2f}",
                    "periodStart": terms.period_start.isoformat(),
                    "periodEnd": terms.period_end.isoformat(),
                }
                events.append(
                    delivery.event_row(
                        item.application_id, EventKind.CARD_TERMS_CHANGED, now, detail
                    )
                )
        if sent:
            notification_ids = [item.notification_id for item, _ in sent]
            kinds = {
                row.id: (row.kind, row.channel)
                for row in connection.execute(
                    delivery.NOTIFICATION_KINDS, {"ids": notification_ids}
                )
            }
            connection.execute(
                delivery.NOTIFICATION_SENT,
                [
                    {
                        "b_id": item.notification_id,
                        "b_provider_id": effect.provider_message_id,
                        "b_sent_at": effect.sent_at,
                    }
                    for item, effect in sent
                ],
            )
            for item, message in sent:
                assert item.application_id is not None and item.notification_id is not None
                kind, channel = kinds[item.notification_id]
                detail = {"kind": kind, "channel": channel, "notificationId": item.notification_id}
                at = message.sent_at
                events.append(
                    delivery.event_row(item.application_id, EventKind.NOTIFIED, at, detail)
                )
        if ordered:
            connection.execute(
                delivery.CARD_ORDERED,
                [
                    {
                        "b_id": item.card_order_id,
                        "b_order_id": effect.order_id,
                        "b_iban": effect.iban,
                        "b_branch": effect.branch_address,
                        "b_pickup": effect.pickup_from,
                        "b_now": now,
                    }
                    for item, effect in ordered
                ],
            )
            for item, card in ordered:
                assert item.application_id is not None
                detail = {"orderId": card.order_id, "pickupFrom": card.pickup_from.isoformat()}
                events.append(
                    delivery.event_row(item.application_id, EventKind.CARD_ORDERED, now, detail)
                )
        if events:
            # in the order they happened (a message's when it was sent, a card order's now)
            events.sort(key=lambda event: event["at"])
            connection.execute(delivery.INSERT_EVENTS, events)

    def _enqueue_follow_up(
        self,
        connection: sa.Connection,
        done: Sequence[Completion],
        found: Mapping[str, ApplicationRow],
        now: datetime,
    ) -> None:
        messages: list[tuple[str | None, OutboxMessage]] = []
        for completion in done:
            assert completion.follow_up is not None
            application = found.get(completion.item.application_id or "")
            if application is None:
                raise ValueError("follow-up messages of an item without an application")
            messages.extend(
                (application.id, message) for message in completion.follow_up(application)
            )
        self._enqueue_rows(connection, messages, None, now)

    async def fail_outbox(
        self,
        item_id: str,
        error: str,
        next_attempt_at: datetime,
        max_attempts: int,
        *,
        attempt: int | None = None,
    ) -> OutboxStatus:
        """A delivery attempt failed. Below ``max_attempts`` attempts the item goes back to
        PENDING until ``next_attempt_at`` (the caller's backoff; see :func:`backoff`) with a
        DELIVERY_FAILED event; at ``max_attempts`` it is dead-lettered: DEAD, its notification
        DEAD or its card order FAILED, and a DEAD_LETTERED event. Other items are never held up.

        ``error`` is stored (cut to 500 characters) and shown to operators: it must carry no
        personal data. Returns the item's status afterwards; an item that is not IN_FLIGHT
        (already completed) is left as it is, and so is one claimed again since ``attempt``
        (the item's ``attempts`` when this worker claimed it): its lease ran out, another
        worker took it over, and that worker's outcome counts."""
        error = error[:MAX_ERROR_LENGTH]
        params = {
            "b_attempt": attempt,
            "item_id": item_id,
            "max_attempts": max_attempts,
            "b_next": next_attempt_at,
            "b_error": error,
        }
        return await self._transaction(self._fail, params)

    def _fail(self, connection: sa.Connection, params: dict[str, Any]) -> OutboxStatus:
        now = self._clock()
        item_id, error = params["item_id"], params["b_error"]
        row = connection.execute(delivery.FAIL, params).first()
        if row is None:
            status = connection.scalar(delivery.STATUS_OF, {"item_id": item_id})
            if status is None:
                raise KeyError(item_id)
            return OutboxStatus(status)
        item = _outbox_item(row)
        status = OutboxStatus(row.status)
        if status is OutboxStatus.DEAD:
            self._dead_effects(connection, item, error, now)
            return status
        if item.notification_id is not None:
            connection.execute(
                delivery.NOTIFICATION_STATUS,
                {"b_id": item.notification_id, "b_status": NotificationStatus.FAILED.value},
            )
        if item.application_id is not None:
            detail = {
                "topic": item.topic,
                "attempts": item.attempts,
                "error": error,
                "nextAttemptAt": params["b_next"].isoformat(),
            }
            connection.execute(
                delivery.INSERT_EVENTS,
                delivery.event_row(item.application_id, EventKind.DELIVERY_FAILED, now, detail),
            )
        return status

    # --- dead letters (operators: `vemtas outbox dead`, `vemtas outbox requeue`) ----------------

    async def dead_letters(self, *, kind: DeliveryKind | None = None) -> list[DeadLetter]:
        """Every dead-lettered outbox item (only those of ``kind``, if given), the most
        recently dead first."""
        async with self._read() as connection:
            found = await self._dead_letter_rows(
                connection, outbox.c.status == OutboxStatus.DEAD.value, lock=False
            )
        letters = [letter for _, letter in found if kind is None or letter.kind is kind]
        return sorted(letters, key=lambda d: (d.dead_at or d.created_at, d.id), reverse=True)

    async def requeue_dead_letters(
        self, item_ids: Sequence[str] | None = None, *, kind: DeliveryKind | None = None
    ) -> Requeued:
        """Put dead-lettered items back for the worker's next round: PENDING, due now, no
        lease, attempts counted from zero again, and their effect rows back to PENDING (the
        notification from DEAD, the card order from FAILED), with a REQUEUED event per item,
        all in one transaction. The delivery carries the item's own idempotency key, so an
        item the bank or the gateway did carry out before is answered from their record, not
        done twice.

        An item is never requeued to deliver what is no longer true (see
        :func:`_not_requeueable`): a card order, or a card-ready notice, of an application that
        is no longer GRANTED; a decision notice of a decision a reassessment has superseded; a
        card-ready notice of a card order that is no longer the application's latest.

        ``item_ids``: exactly these items, all or none: if any is unknown, not DEAD (pending,
        in flight, delivered: a requeue never makes a second delivery) or no longer true,
        raises :class:`~adapters.db.errors.RequeueRefused` naming each and why, and changes
        nothing. ``None``: every dead item (of ``kind``, if given); those no longer true are
        left dead and returned in ``kept``."""
        if item_ids is not None:
            ids = list(dict.fromkeys(item_ids))
            if not ids:
                raise ValueError("item_ids: name at least one outbox item (or pass None for all)")
            if kind is not None:
                raise ValueError("kind: selects among all dead items, not among named ones")
            condition: sa.ColumnElement[bool] = outbox.c.id.in_(ids)
        else:
            condition = outbox.c.status == OutboxStatus.DEAD.value
        now = self._clock()
        async with self._write() as connection:
            # PostgreSQL: lock the items' applications first (as a reassessment does: it
            # updates the application row, then supersedes the decision), so that a
            # reassessment under way is waited for and its new decision seen: no notice of a
            # decision superseded meanwhile is requeued. NO KEY UPDATE: the foreign-key share
            # locks of the worker's event inserts are not held up.
            await connection.execute(
                sa.select(applications.c.id)
                .where(
                    applications.c.id.in_(
                        sa.select(outbox.c.application_id).where(
                            condition, outbox.c.application_id.is_not(None)
                        )
                    )
                )
                .order_by(applications.c.id)
                .with_for_update(key_share=True)
            )
            found = await self._dead_letter_rows(connection, condition, lock=True)
            chosen: list[tuple[sa.Row[Any], DeadLetter]] = []
            kept: list[tuple[DeadLetter, str]] = []
            if item_ids is not None:
                by_id = {letter.id: (row, letter) for row, letter in found}
                refused: dict[str, str] = {}
                for item_id in ids:
                    if item_id not in by_id:
                        refused[item_id] = "no such outbox item"
                        continue
                    row, letter = by_id[item_id]
                    why = _not_requeueable(row, letter)
                    if why is not None:
                        refused[item_id] = why
                    else:
                        chosen.append((row, letter))
                if refused:
                    raise RequeueRefused(refused)
            else:
                for row, letter in found:
                    if kind is not None and letter.kind is not kind:
                        continue
                    why = _not_requeueable(row, letter)
                    if why is not None:
                        kept.append((letter, why))
                    else:
                        chosen.append((row, letter))
            await self._requeue(connection, chosen, now)
        return Requeued(tuple(letter for _, letter in chosen), tuple(kept))

    async def _requeue(
        self,
        connection: AsyncConnection,
        chosen: Sequence[tuple[sa.Row[Any], DeadLetter]],
        now: datetime,
    ) -> None:
        for start in range(0, len(chosen), _REQUEUE_CHUNK):
            chunk = chosen[start : start + _REQUEUE_CHUNK]
            ids = [row.id for row, _ in chunk]
            # the status condition is the exactly-once guard: only a DEAD item goes back
            requeued = (
                await connection.execute(
                    sa.update(outbox)
                    .where(outbox.c.id.in_(ids), outbox.c.status == OutboxStatus.DEAD.value)
                    .values(
                        status=OutboxStatus.PENDING.value,
                        attempts=0,
                        lease_until=None,
                        next_attempt_at=now,
                        last_error=None,
                    )
                    .returning(outbox.c.id)
                )
            ).scalars()
            changed = set(requeued)
            if changed != set(ids):  # the rows are locked: only a bug gets here
                raise RequeueRefused(dict.fromkeys(set(ids) - changed, "changed meanwhile"))
            notification_ids = [row.notification_id for row, _ in chunk if row.notification_id]
            if notification_ids:
                await connection.execute(
                    sa.update(notifications)
                    .where(
                        notifications.c.id.in_(notification_ids),
                        notifications.c.status == NotificationStatus.DEAD.value,
                    )
                    .values(status=NotificationStatus.PENDING.value)
                )
            card_order_ids = [row.card_order_id for row, _ in chunk if row.card_order_id]
            if card_order_ids:
                await connection.execute(
                    sa.update(card_orders)
                    .where(
                        card_orders.c.id.in_(card_order_ids),
                        card_orders.c.status == CardOrderStatus.FAILED.value,
                    )
                    .values(status=CardOrderStatus.PENDING.value, updated_at=now)
                )
            events = [
                {
                    "application_id": letter.application_id,
                    "at": now,
                    "kind": EventKind.REQUEUED.value,
                    "detail": {
                        "outboxId": letter.id,
                        "topic": letter.topic,
                        "kind": letter.kind.value,
                        "attempts": letter.attempts,
                        "error": letter.last_error,
                    },
                }
                for _, letter in chunk
                if letter.application_id is not None
            ]
            if events:
                await connection.execute(sa.insert(application_events), events)

    async def _dead_letter_rows(
        self, connection: AsyncConnection, condition: sa.ColumnElement[bool], *, lock: bool
    ) -> list[tuple[sa.Row[Any], DeadLetter]]:
        with_effects = outbox.outerjoin(
            applications, applications.c.id == outbox.c.application_id
        ).outerjoin(notifications, notifications.c.id == outbox.c.notification_id)
        current_decision = (
            sa.select(sa.func.max(decisions.c.sequence))
            .where(
                decisions.c.application_id == outbox.c.application_id,
                decisions.c.superseded.is_(False),
            )
            .scalar_subquery()
        )
        newer_card_order = sa.exists(
            sa.select(card_orders.c.id).where(
                card_orders.c.application_id == outbox.c.application_id,
                card_orders.c.created_at > outbox.c.created_at,
            )
        )
        statement = (
            sa.select(
                outbox,
                applications.c.number.label("application_number"),
                applications.c.status.label("application_status"),
                notifications.c.channel.label("notification_channel"),
                notifications.c.kind.label("notification_kind"),
                notifications.c.idempotency_key.label("notification_key"),
                current_decision.label("current_decision"),
                newer_card_order.label("newer_card_order"),
            )
            .select_from(with_effects)
            .where(condition)
            .order_by(outbox.c.id)
        )
        if lock:  # PostgreSQL: the outbox rows only (not the nullable side of the joins)
            statement = statement.with_for_update(of=outbox)
        rows = (await connection.execute(statement)).all()
        # when each died: its DEAD_LETTERED event (the outbox keeps no such time), found by
        # the outboxId it names (or, written before events named it, inferred: see _dead_at)
        history = (
            await connection.execute(
                sa.select(application_events)
                .where(
                    application_events.c.application_id.in_(
                        sa.select(outbox.c.application_id).where(condition)
                    ),
                    application_events.c.kind.in_(
                        [EventKind.DEAD_LETTERED.value, EventKind.REQUEUED.value]
                    ),
                )
                .order_by(application_events.c.id)
            )
        ).all()
        by_application: dict[str, list[sa.Row[Any]]] = {}
        for event in history:
            by_application.setdefault(event.application_id, []).append(event)
        found: list[tuple[sa.Row[Any], DeadLetter]] = []
        for row in rows:
            events = by_application.get(row.application_id, []) if row.application_id else []
            letter = DeadLetter(
                id=row.id,
                kind=delivery.delivery_kind(row.topic, row.notification_channel, row.payload),
                topic=row.topic,
                application_id=row.application_id,
                application_number=row.application_number,
                attempts=int(row.attempts),
                last_error=row.last_error,
                dead_at=_dead_at(row, events),
                created_at=row.created_at,
            )
            found.append((row, letter))
        return found

    # --- reads ----------------------------------------------------------------------------------

    async def get_application(self, application_id: str) -> ApplicationRow | None:
        return await self._one_application(applications.c.id == application_id)

    async def get_by_number(self, number: str) -> ApplicationRow | None:
        return await self._one_application(applications.c.number == number)

    async def _one_application(self, condition: sa.ColumnElement[bool]) -> ApplicationRow | None:
        async with self._read() as connection:
            row = await _first(connection, sa.select(applications).where(condition))
        return None if row is None else _application(row)

    async def applications_for_fin(self, fin: str) -> list[ApplicationRow]:
        """Applications that concern ``fin`` (as representative, declared member or member of
        the registry's family), newest first."""
        members = sa.select(application_members.c.application_id).where(
            application_members.c.fin == fin
        )
        return await self._applications(applications.c.id.in_(members))

    async def applications_for_household(self, household_id: str) -> list[ApplicationRow]:
        """Applications of a household, newest first."""
        return await self._applications(applications.c.household_id == household_id)

    async def _applications(self, condition: sa.ColumnElement[bool]) -> list[ApplicationRow]:
        async with self._read() as connection:
            rows = (
                await connection.execute(
                    sa.select(applications)
                    .where(condition)
                    .order_by(applications.c.submitted_at.desc(), applications.c.id.desc())
                )
            ).all()
        return [_application(row) for row in rows]

    async def list_applications(
        self,
        filter: ApplicationFilter | None = None,
        *,
        first: int = 20,
        after: str | None = None,
    ) -> Page:
        """A page of applications matching ``filter``, in (submitted_at, id) order, after the
        opaque ``after`` cursor (from a previous page's ``end_cursor``). ``first`` is 1 to 100;
        a cursor this repository did not issue, or issued for another ``filter`` (it would skip
        or repeat rows of this one), raises :class:`~adapters.db.errors.InvalidCursor`."""
        if not 1 <= first <= MAX_PAGE_SIZE:
            raise ValueError(f"first must be between 1 and {MAX_PAGE_SIZE}")
        filter = filter or ApplicationFilter()
        scope = _scope(filter)
        conditions = _filter_conditions(filter)
        if after is not None:
            submitted_at, last_id = decode_cursor(after, scope)
            conditions.append(
                sa.or_(
                    applications.c.submitted_at > submitted_at,
                    sa.and_(
                        applications.c.submitted_at == submitted_at,
                        applications.c.id > last_id,
                    ),
                )
            )
        statement = (
            sa.select(applications)
            .where(*conditions)
            .order_by(applications.c.submitted_at, applications.c.id)
            .limit(first + 1)
        )
        async with self._read() as connection:
            rows = (await connection.execute(statement)).all()
        items = tuple(_application(row) for row in rows[:first])
        cursors = tuple(encode_cursor(item.submitted_at, item.id, scope) for item in items)
        return Page(
            items=items,
            end_cursor=cursors[-1] if cursors else None,
            has_next_page=len(rows) > first,
            cursors=cursors,
        )

    async def events(self, application_id: str) -> list[EventRow]:
        """The application's events, in the order they happened."""
        async with self._read() as connection:
            rows = (
                await connection.execute(
                    sa.select(application_events)
                    .where(application_events.c.application_id == application_id)
                    .order_by(application_events.c.id)
                )
            ).all()
        return [
            EventRow(
                id=int(row.id),
                application_id=row.application_id,
                at=row.at,
                kind=EventKind(row.kind),
                detail=row.detail,
            )
            for row in rows
        ]

    async def decisions(self, application_id: str) -> list[DecisionRow]:
        """Every decision on the application, first to last (the last is the current one)."""
        async with self._read() as connection:
            rows = (
                await connection.execute(
                    sa.select(decisions)
                    .where(decisions.c.application_id == application_id)
                    .order_by(decisions.c.sequence)
                )
            ).all()
        return [_decision(row) for row in rows]

    async def current_decisions(self, application_ids: Sequence[str]) -> dict[str, DecisionRow]:
        """The current (not superseded) decision of each application that has one: one query
        for a page of applications (DataLoader)."""
        if not application_ids:
            return {}
        async with self._read() as connection:
            rows = (
                await connection.execute(
                    sa.select(decisions).where(
                        decisions.c.application_id.in_(list(application_ids)),
                        decisions.c.superseded.is_(False),
                    )
                )
            ).all()
        return {row.application_id: _decision(row) for row in rows}

    async def card_order(self, application_id: str) -> CardOrderRow | None:
        """The application's latest card order, if a card was ordered."""
        async with self._read() as connection:
            row = await _first(connection, _LATEST_CARD_ORDER, {"b_application_id": application_id})
        return None if row is None else _card_order(row)

    async def _ordered_card(
        self, connection: AsyncConnection, application_id: str
    ) -> CardOrderRow | None:
        """The application's card order if the bank has made it (ORDERED, or STOPPED while
        the family was refused; its branch and pickup day known), read inside the caller's
        transaction."""
        row = await _first(connection, _LATEST_CARD_ORDER, {"b_application_id": application_id})
        if row is None or row.status not in _MADE:
            return None
        card = _card_order(row)
        return card if card.branch_address and card.pickup_from else None

    async def notifications(self, application_id: str) -> list[NotificationRow]:
        """The application's notifications, in the order they were enqueued."""
        async with self._read() as connection:
            rows = (
                await connection.execute(
                    sa.select(notifications)
                    .where(notifications.c.application_id == application_id)
                    .order_by(notifications.c.created_at, _KIND_RANK, notifications.c.id)
                )
            ).all()
        return [
            NotificationRow(
                id=row.id,
                application_id=row.application_id,
                channel=MessageChannel(row.channel),
                kind=NotificationKind(row.kind),
                recipient=row.recipient,
                language=row.language,
                text=row.text,
                idempotency_key=row.idempotency_key,
                status=NotificationStatus(row.status),
                provider_message_id=row.provider_message_id,
                sent_at=row.sent_at,
                created_at=row.created_at,
            )
            for row in rows
        ]

    async def active_grant_covering(
        self,
        *,
        household_id: str | None,
        member_fins: Sequence[str],
        month: date,
        excluding_application_id: str | None = None,
    ) -> bool:
        """Whether one of our own current grants (not superseded) for this household, or for an
        application declaring any of ``member_fins``, has a period overlapping the calendar
        month of ``month`` (``ACTIVE_ASSIGNMENT_EXISTS``). Leave the application being
        (re)assessed out with ``excluding_application_id``."""
        statement = _grant_covering(household_id, member_fins, month, excluding_application_id)
        if statement is None:
            return False
        async with self._read() as connection:
            return bool(await connection.scalar(statement))

    async def _only_grant(self, connection: AsyncConnection, row: sa.Row[Any]) -> None:
        """Within a grant's transaction: raise :class:`GrantConflict` when another application
        of the same family (``row``'s household, declared members or registered family) holds a
        current grant covering ``row``'s month, the check :meth:`active_grant_covering` made
        before the facts were assessed, made again where no other grant can slip in. Grants of
        one family are recorded one at a time: SQLite has one writer at a time; PostgreSQL takes
        a transaction-scoped advisory lock per household and per person, in one order."""
        # the people _with_own_grants (resolvers/applications.py) asked about: the declared
        # members and the registry's family (a guardian representing children is neither)
        fins = sorted({*row.member_fins, *(row.household_fins or ())})
        if self._postgres:
            keys = {row.household_id, *fins} - {None}
            await connection.execute(_LOCK_FAMILY, {"keys": sorted(map(_lock_key, keys))})
        statement = _grant_covering(row.household_id, fins, row.registered_on, row.id)
        if statement is not None and await connection.scalar(statement):
            raise GrantConflict(row.id)

    # --- helpers --------------------------------------------------------------------------------

    async def _event(
        self,
        connection: AsyncConnection,
        application_id: str,
        kind: EventKind,
        *,
        at: datetime,
        detail: Mapping[str, Any],
    ) -> None:
        await connection.execute(
            _INSERT_EVENT,
            {
                "application_id": application_id,
                "at": at,
                "kind": kind.value,
                "detail": dict(detail),
            },
        )


def backoff(attempt: int, *, base_seconds: float = 5.0, cap_seconds: float = 3600.0) -> timedelta:
    """The delay before retrying after failed attempt number ``attempt`` (1, 2, …): doubling
    from ``base_seconds``, capped at ``cap_seconds``. Add jitter at the caller if many items
    fail together."""
    if attempt < 1:
        raise ValueError("attempts are counted from 1")
    return timedelta(seconds=min(cap_seconds, base_seconds * 2 ** min(attempt - 1, 30)))


# --- cursors ------------------------------------------------------------------------------------


def _scope(filter: ApplicationFilter) -> str:
    """A short digest of ``filter`` (the caller's visibility is folded into it), carried by the
    cursors of its list."""
    return hashlib.blake2b(repr(filter).encode(), digest_size=6).hexdigest()


def encode_cursor(submitted_at: datetime, application_id: str, scope: str) -> str:
    """An opaque cursor for the position after (submitted_at, id) in the list ``scope``."""
    raw = orjson.dumps([submitted_at.astimezone(UTC).isoformat(), application_id, scope])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, scope: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, application_id, issued_for = orjson.loads(raw)
        submitted_at = datetime.fromisoformat(stamp)
    except (binascii.Error, ValueError, TypeError, orjson.JSONDecodeError):
        raise InvalidCursor() from None
    if not isinstance(application_id, str) or submitted_at.tzinfo is None:
        raise InvalidCursor()
    if issued_for != scope:
        raise InvalidCursor()
    return submitted_at, application_id


# --- row mapping --------------------------------------------------------------------------------


async def _first(
    connection: AsyncConnection,
    statement: sa.Executable,
    parameters: Mapping[str, Any] | None = None,
) -> sa.Row[Any] | None:
    return (await connection.execute(statement, parameters)).first()


async def _one(
    connection: AsyncConnection,
    statement: sa.Executable,
    parameters: Mapping[str, Any] | None = None,
) -> sa.Row[Any]:
    return (await connection.execute(statement, parameters)).one()


def _card_order(row: sa.Row[Any]) -> CardOrderRow:
    return CardOrderRow(
        id=row.id,
        application_id=row.application_id,
        decision_id=row.decision_id,
        idempotency_key=row.idempotency_key,
        status=CardOrderStatus(row.status),
        order_id=row.order_id,
        iban=row.iban,
        branch_address=row.branch_address,
        pickup_from=row.pickup_from,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _application(row: sa.Row[Any]) -> ApplicationRow:
    return ApplicationRow(
        id=row.id,
        number=row.number,
        idempotency_key=row.idempotency_key,
        request_digest=row.request_digest,
        status=ApplicationStatus(row.status),
        channel=Channel(row.channel),
        submitted_by=row.submitted_by,
        submitted_role=row.submitted_role,
        representative_fin=row.representative_fin,
        household_id=row.household_id,
        district=row.district,
        member_fins=tuple(row.member_fins),
        phone=row.phone,
        email=row.email,
        submitted_at=row.submitted_at,
        registered_on=row.registered_on,
        decision_due_on=row.decision_due_on,
        missing_data=tuple(MissingItem(**item) for item in row.missing_data),
        next_attempt_at=row.next_attempt_at,
        attempts=int(row.attempts),
        flagged_overdue=bool(row.flagged_overdue),
        updated_at=row.updated_at,
        version=int(row.version),
        household_fins=None if row.household_fins is None else tuple(row.household_fins),
    )


def _decision(row: sa.Row[Any]) -> DecisionRow:
    return DecisionRow(
        id=row.id,
        application_id=row.application_id,
        sequence=int(row.sequence),
        outcome=Outcome(row.outcome),
        monthly_amount=row.monthly_amount,
        period_start=row.period_start,
        period_end=row.period_end,
        record=row.record,
        rules_version=row.rules_version,
        decided_at=row.decided_at,
        superseded=bool(row.superseded),
    )


def _outbox_item(row: sa.Row[Any]) -> OutboxItem:
    return OutboxItem(
        id=row.id,
        topic=row.topic,
        payload=row.payload,
        dedupe_key=row.dedupe_key,
        attempts=int(row.attempts),
        lease_until=row.lease_until,
        application_id=row.application_id,
        card_order_id=row.card_order_id,
        notification_id=row.notification_id,
        created_at=row.created_at,
    )


# --- dead letters -------------------------------------------------------------------------------

# items requeued per statement: a bound parameter per id stays far below both dialects' limits
_REQUEUE_CHUNK = 500


def _dead_lettered_detail(item: OutboxItem, error: str) -> dict[str, Any]:
    """The detail of a DEAD_LETTERED event: the item it is about (``outboxId``, as in
    REQUEUED), and what it died of."""
    return {"outboxId": item.id, "topic": item.topic, "attempts": item.attempts, "error": error}


def _dead_at(item: sa.Row[Any], events: Sequence[sa.Row[Any]]) -> datetime | None:
    """The time of the item's DEAD_LETTERED event since it was created or last requeued: the
    event naming it (``outboxId``). Events written before they named their item (a database
    that dead-lettered items before this version) are matched by topic, attempts and error
    instead, never one naming another item; two items of one application that died alike
    then may show each other's time, as before."""
    since: datetime = item.created_at
    named: datetime | None = None
    inferred: datetime | None = None
    for event in events:  # in the order they were written
        detail = event.detail if isinstance(event.detail, Mapping) else {}
        about = detail.get("outboxId")
        if event.kind == EventKind.REQUEUED.value:
            if about == item.id:
                since, named, inferred = event.at, None, None
        elif event.kind == EventKind.DEAD_LETTERED.value:
            if about == item.id:
                named = event.at
            elif (
                about is None
                and event.at >= since
                and detail.get("topic") == item.topic
                and detail.get("attempts") == item.attempts
                and detail.get("error") == item.last_error
            ):
                inferred = event.at
    return named if named is not None else inferred


# A decision notice's key names the decision it tells: ``msg:<application id>:decided-<n>:
# <channel>``, n being the decision's sequence (resolvers/applications.py, _decision_messages).
_DECISION_NOTICE = re.compile(r"msg:(?P<application>[^:]+):decided-(?P<sequence>[1-9][0-9]*):[^:]+")


def _not_requeueable(item: sa.Row[Any], letter: DeadLetter) -> str | None:
    """Why the item may not be requeued, or None.

    Only a DEAD item is requeued, and only if what it delivers is still true: a card order or
    a card-ready notice only while the application is GRANTED; a decision notice only of the
    application's current decision (not one a reassessment has superseded); a card-ready
    notice only of the application's latest card order."""
    if item.status != OutboxStatus.DEAD.value:
        return f"it is {item.status}, not dead-lettered: only dead items are requeued"
    status = item.application_status
    if letter.kind is DeliveryKind.CARD_ORDER and status not in (
        None,
        ApplicationStatus.GRANTED.value,
    ):
        return f"a card order of an application now {status}: cards are ordered for grants only"
    if item.application_id is None:
        return None
    if item.notification_kind == NotificationKind.DECIDED.value:
        return _outdated_decision_notice(item)
    if item.notification_kind == NotificationKind.CARD_READY.value:
        if status != ApplicationStatus.GRANTED.value:
            return (
                f"a card-ready notice of an application now {status}: it would send the family "
                "for a card of a grant that is gone"
            )
        if item.newer_card_order:
            return (
                "a card-ready notice of a card order the application has since replaced: it "
                "would send the family for an outdated card"
            )
    return None


def _outdated_decision_notice(item: sa.Row[Any]) -> str | None:
    """Why a DECIDED notice no longer tells the application's decision, or None."""
    current = item.current_decision
    if current is None:
        return "a decision notice of an application that has no decision now"
    told = _DECISION_NOTICE.fullmatch(item.notification_key or "")
    if told is None or told["application"] != item.application_id:
        if int(current) == 1:  # never reassessed: its one decision is the one it tells
            return None
        return (
            f"a decision notice that does not say which decision it tells, of an application "
            f"reassessed since (decision {current} now): it may tell an outdated decision"
        )
    sequence = int(told["sequence"])
    if sequence < int(current):
        return (
            f"a notice of decision {sequence}, superseded by decision {current} (reassessed): "
            "it would tell the family an outdated decision"
        )
    if sequence > int(current):
        return f"a notice of decision {sequence}, which the application does not have"
    return None


def _same_input(existing: ApplicationRow, new: NewApplication) -> ApplicationRow:
    if existing.request_digest != new.request_digest:
        raise IdempotencyConflict(existing.id)
    return existing


def _check_decision(decision: NewDecision) -> None:
    if decision.outcome is Outcome.GRANTED and (
        decision.monthly_amount is None
        or decision.period_start is None
        or decision.period_end is None
    ):
        raise ValueError("a grant has a monthly amount and a period")
    if decision.outcome is Outcome.REFUSED and decision.monthly_amount is not None:
        raise ValueError("a refusal has no amount")


_MADE = (CardOrderStatus.ORDERED.value, CardOrderStatus.STOPPED.value)


def _money_text(decision: NewDecision) -> str | None:
    return None if decision.monthly_amount is None else str(decision.monthly_amount)


def _terms(decision: NewDecision) -> tuple[str, str, str] | None:
    """What a card pays under ``decision``, as the card order's payload writes it (amount and
    period); ``None`` when it pays nothing (not a grant)."""
    if (
        decision.outcome is not Outcome.GRANTED
        or decision.monthly_amount is None
        or decision.period_start is None
        or decision.period_end is None
    ):
        return None
    return (
        str(decision.monthly_amount),
        decision.period_start.isoformat(),
        decision.period_end.isoformat(),
    )


def _filter_conditions(filter: ApplicationFilter) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if filter.districts is not None:
        conditions.append(applications.c.district.in_(list(filter.districts)))
    if filter.statuses is not None:
        conditions.append(applications.c.status.in_([status.value for status in filter.statuses]))
    if filter.submitted_from is not None:
        conditions.append(applications.c.submitted_at >= filter.submitted_from)
    if filter.submitted_before is not None:
        conditions.append(applications.c.submitted_at < filter.submitted_before)
    if filter.overdue is not None:  # ApplicationRow.overdue: flagged and still undecided
        overdue = sa.and_(
            applications.c.flagged_overdue.is_(True), applications.c.status.in_(_UNDECIDED)
        )
        conditions.append(overdue if filter.overdue else sa.not_(overdue))
    if filter.submitted_by is not None:
        conditions.append(applications.c.submitted_by == filter.submitted_by)
    return conditions
