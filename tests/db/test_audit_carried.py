"""Audit rows carried by a write transaction (``audit_rows``, ``AuditLog.carried``): appended to
the one chain as the transaction's last step and committed with its change, or — when anything in
the transaction fails — neither the change nor the rows exist. Concurrent carrying transactions
and standalone appends from another process keep one chain, without deadlocks."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.db import (
    ApplicationStatus,
    IdempotencyConflict,
    MissingItem,
    StaleApplication,
)
from adapters.db.audit import AuditEntry, AuditLog, CarriedRows
from adapters.db.repository import Database, open_database
from adapters.db.tables import applications, decisions


def entry(n: int, item: str = "incomes") -> AuditEntry:
    return AuditEntry(
        actor_sub="vemtas-worker",
        actor_role="service",
        actor_institution="automated assessment",
        subject_fin=f"{n:07d}",
        agency="tax",
        data_item=item,
        purpose="application",
        application_id=None,
        allowed=True,
        reason="read_for_application",
        xroad_ids=(f"00000000-0000-4000-8000-{n:012d}",),
        correlation_id=f"corr-{n}",
    )


class Failing(CarriedRows):
    """Appends its rows, then the transaction fails (as if its commit did)."""

    async def __call__(self, connection: AsyncConnection) -> None:
        await super().__call__(connection)
        raise RuntimeError("the transaction fails after the rows")


async def _log(db: Database) -> list[str]:
    return [row.entry.correlation_id async for row in AuditLog(db).rows()]


async def _registered(db, make, **kwargs):
    return (await db.register_application(make.application(**kwargs))).application


async def test_a_registration_carries_its_rows_in_its_own_transaction(db, make, rows) -> None:
    carried = AuditLog(db).carried([entry(1), entry(2)])

    result = await db.register_application(make.application(key="k-1"), audit_rows=carried)

    assert result.created
    assert await _log(db) == ["corr-1", "corr-2"]
    assert carried.head is not None and carried.head.seq == 2
    assert (await AuditLog(db).verify()).intact


def _operations(
    make,
) -> dict[str, Callable[[Database, object, object], Awaitable[object]]]:
    return {
        "register": lambda db, application, audit: db.register_application(
            make.application(key="k-new"), audit_rows=audit
        ),
        "begin assessment": lambda db, application, audit: db.begin_assessment(
            application.id, retry_at=make.clock.now, household_id="HH-7", audit_rows=audit
        ),
        "awaiting data": lambda db, application, audit: db.mark_awaiting_data(
            application.id,
            [MissingItem("tax", "tax.incomes", None)],
            make.clock.now,
            expected_version=application.version,
            audit_rows=audit,
        ),
        "decision": lambda db, application, audit: db.record_decision(
            application.id,
            make.grant(),
            [make.card_order("k-1")],
            application.version,
            audit_rows=audit,
        ),
    }


@pytest.mark.parametrize("operation", ["register", "begin assessment", "awaiting data", "decision"])
async def test_a_carrying_transaction_that_fails_leaves_neither_the_rows_nor_the_change(
    db, make, rows, operation: str
) -> None:
    application = await _registered(db, make, key="k-1")
    await AuditLog(db).append([entry(1)])
    before = (await db.get_application(application.id), await rows(db, applications))

    failing = Failing(db, (entry(2), entry(3)))
    with pytest.raises(RuntimeError):
        await _operations(make)[operation](db, application, failing)

    assert await _log(db) == ["corr-1"]
    assert (await db.get_application(application.id), await rows(db, applications)) == before
    assert await rows(db, decisions) == 0
    # the chain goes on from where it was
    await _operations(make)[operation](db, application, AuditLog(db).carried([entry(4)]))
    assert await _log(db) == ["corr-1", "corr-4"]
    assert (await AuditLog(db).verify()).intact


async def test_a_key_registered_before_still_carries_the_rows_and_a_conflict_carries_none(
    db, make, rows
) -> None:
    new = make.application(key="k-1")
    await db.register_application(new)

    again = await db.register_application(new, audit_rows=AuditLog(db).carried([entry(1)]))
    assert not again.created
    with pytest.raises(IdempotencyConflict):
        other = make.application(key="k-1", digest_of="other input")
        await db.register_application(other, audit_rows=AuditLog(db).carried([entry(2)]))

    assert await rows(db, applications) == 1
    assert await _log(db) == ["corr-1"]


async def test_a_decision_someone_else_made_first_carries_nothing(db, make) -> None:
    application = await _registered(db, make, key="k-1")
    await db.record_decision(application.id, make.refusal(), [], application.version)

    with pytest.raises(StaleApplication):
        await db.record_decision(
            application.id,
            make.grant(),
            [],
            application.version,
            audit_rows=AuditLog(db).carried([entry(1, "decision")]),
        )

    assert await _log(db) == []
    assert (await db.get_application(application.id)).status is ApplicationStatus.REFUSED


async def test_carrying_transactions_and_another_processs_appends_keep_one_chain(
    db, make, target
) -> None:
    # another process: an engine of its own over the same database
    async with open_database(target.url, schema=target.schema) as other:
        registered = [await _registered(db, make) for _ in range(12)]

        async def decide(n: int) -> None:
            application = registered[n]
            started = await db.begin_assessment(
                application.id,
                retry_at=make.clock.now,
                audit_rows=AuditLog(db).carried([entry(100 + n)]),
            )
            await db.record_decision(
                application.id,
                make.refusal(),
                [],
                started.version,
                audit_rows=AuditLog(db).carried([entry(200 + n), entry(300 + n, "decision")]),
            )

        await asyncio.gather(
            *(decide(n) for n in range(12)),
            *(AuditLog(other).append([entry(400 + n)]) for n in range(12)),
        )

        logged = await _log(db)
        assert len(logged) == 12 * 4 and len(set(logged)) == 12 * 4
        for n in range(12):  # each transaction's rows in order, together
            start = logged.index(f"corr-{200 + n}")
            assert logged[start + 1] == f"corr-{300 + n}"
            assert logged.index(f"corr-{100 + n}") < start
        assert (await AuditLog(db).verify()).intact
        async with db.engine.connect() as connection:
            decided = await connection.scalar(sa.select(sa.func.count()).select_from(decisions))
        assert decided == 12
