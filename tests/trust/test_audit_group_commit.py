"""A request's audit rows are written by group commit: rows queued while the request's previous
audit transaction is being written go together in the next one, and every caller gets its
answer only once its own rows are in the log. Several processes appending at once keep one
chain."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from adapters.db import Database
from adapters.db.audit import AuditEntry, AuditLog, ChainHead
from adapters.db.repository import open_database
from resolvers import audit
from resolvers.audit import AuditUnavailable, RequestAudit


def entry(n: int) -> AuditEntry:
    return AuditEntry(
        actor_sub="caseworker-1",
        actor_role="caseworker",
        actor_institution="Ministry of Labour and Social Protection of Population",
        subject_fin="5ZX3K8P",
        agency="tax",
        data_item="incomes",
        purpose="case-review",
        application_id=None,
        allowed=True,
        reason="read",
        xroad_ids=(f"00000000-0000-4000-8000-{n:012d}",),
        correlation_id=f"corr-{n}",
    )


@dataclass
class Recorder:
    """Each transaction's rows; the first transaction waits for ``release``, and the
    transaction carrying ``failing`` fails."""

    batches: list[list[str]] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    failing: str | None = None


@pytest.fixture
def slow_log(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()

    class SlowFirstLog(AuditLog):
        async def append(self, entries: Sequence[AuditEntry]) -> ChainHead:
            first = not recorder.batches
            recorder.batches.append([e.correlation_id for e in entries])
            if first:
                await recorder.release.wait()
            if recorder.failing in {e.correlation_id for e in entries}:
                raise OSError("the disk is full")
            return await super().append(entries)

    monkeypatch.setattr(audit, "AuditLog", SlowFirstLog)
    return recorder


async def committed(database: Database) -> list[str]:
    return [row.entry.correlation_id async for row in AuditLog(database).rows()]


async def test_rows_queued_during_a_write_go_together_in_the_next_transaction(
    database: Database, slow_log: Recorder
) -> None:
    state = RequestAudit()
    first = asyncio.create_task(state.write(database, [entry(1)]))
    await asyncio.sleep(0.01)  # the first transaction is being written
    second = asyncio.create_task(state.write(database, [entry(2)]))
    third = asyncio.create_task(state.write(database, [entry(3), entry(4)]))
    await asyncio.sleep(0.01)

    assert not second.done() and not third.done()
    assert await committed(database) == []  # nobody has an answer before its rows are written
    slow_log.release.set()
    await asyncio.gather(first, second, third)

    assert slow_log.batches == [["corr-1"], ["corr-2", "corr-3", "corr-4"]]
    assert await committed(database) == ["corr-1", "corr-2", "corr-3", "corr-4"]
    assert (await AuditLog(database).verify()).intact


async def test_a_failed_transaction_fails_only_the_callers_whose_rows_it_carried(
    database: Database, slow_log: Recorder
) -> None:
    slow_log.failing = "corr-1"
    state = RequestAudit()
    first = asyncio.create_task(state.write(database, [entry(1)]))
    await asyncio.sleep(0.01)
    second = asyncio.create_task(state.write(database, [entry(2)]))
    await asyncio.sleep(0.01)
    slow_log.release.set()

    with pytest.raises(AuditUnavailable):
        await first
    await second

    assert await committed(database) == ["corr-2"]


async def test_two_processes_appending_to_one_database_make_one_chain(
    database: Database, tmp_path: Path
) -> None:
    """Two engines (two processes' pools) on one SQLite file: the chain head keeps them
    apart."""
    async with open_database(str(database.engine.url)) as other:
        await asyncio.gather(
            *(AuditLog(database).append([entry(n), entry(n + 100)]) for n in range(1, 16)),
            *(AuditLog(other).append([entry(n)]) for n in range(200, 215)),
        )
    result = await AuditLog(database).verify()
    assert result.intact, result.problem
    assert result.rows == 45 and result.head.seq == 45
