"""The audit log's hash chain: appends are chained and serialized, the log refuses edits, and
`vemtas audit verify` names the first broken link after an edit, a deletion, a reordering or a
truncation of the tail."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from adapters.db import Database
from adapters.db.audit import (
    GENESIS,
    AuditEntry,
    AuditLog,
    ChainHead,
    export_head,
    read_exported_heads,
    row_hash,
)
from gateway.commands import audit_verify


def entry(n: int, *, fin: str = "5ZX3K8P", allowed: bool = True) -> AuditEntry:
    return AuditEntry(
        actor_sub=f"caseworker-{n}",
        actor_role="caseworker",
        actor_institution="Ministry of Labour and Social Protection of Population",
        subject_fin=fin,
        agency="tax",
        data_item="incomes",
        purpose="case-review",
        application_id=None,
        allowed=allowed,
        reason="in_caseworker_district" if allowed else "outside_districts",
        xroad_ids=(f"00000000-0000-4000-8000-{n:012d}",),
        correlation_id=f"corr-{n}",
    )


async def filled(database: Database, rows: int = 6) -> AuditLog:
    log = AuditLog(database)
    for n in range(1, rows + 1):
        await log.append([entry(n)])
    return log


def tamper(database: Database, *statements: str) -> None:
    """What someone with the database's rights does: drop the append-only triggers, then edit."""
    path = database.engine.url.database
    assert path is not None
    with sqlite3.connect(path) as connection:
        for trigger in ("audit_log_no_update", "audit_log_no_delete", "audit_chain_head_kept"):
            connection.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        for statement in statements:
            connection.execute(statement)


async def test_each_row_carries_the_hash_of_the_one_before(database: Database) -> None:
    log = await filled(database, 3)

    rows = [row async for row in log.rows()]

    assert [row.seq for row in rows] == [1, 2, 3]
    assert rows[0].prev_hash == GENESIS
    assert rows[1].prev_hash == rows[0].hash and rows[2].prev_hash == rows[1].hash
    assert all(row_hash(r.seq, r.at, r.entry, r.prev_hash) == r.hash for r in rows)
    assert await log.head() == ChainHead(3, rows[2].hash)
    assert (await log.verify()).intact


async def test_a_batch_is_appended_in_one_go_and_chained_in_order(database: Database) -> None:
    log = AuditLog(database)
    head = await log.append([entry(1), entry(2, fin="7QWE2RT"), entry(3, allowed=False)])

    rows = [row async for row in log.rows()]
    assert head.seq == 3
    assert [r.entry.subject_fin for r in rows] == ["5ZX3K8P", "7QWE2RT", "5ZX3K8P"]
    assert rows[2].entry.allowed is False
    assert (await log.verify()).intact


async def test_concurrent_appends_make_one_unbroken_chain(database: Database) -> None:
    log = AuditLog(database)

    await asyncio.gather(*(log.append([entry(n), entry(n + 100)]) for n in range(1, 26)))

    result = await log.verify()
    assert result.intact, result.problem
    assert result.rows == 50 and result.head.seq == 50


async def test_the_database_refuses_to_update_or_delete_audit_rows(database: Database) -> None:
    await filled(database, 2)
    path = database.engine.url.database
    assert path is not None
    with sqlite3.connect(path) as connection:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            connection.execute("UPDATE audit_log SET allowed = 0 WHERE seq = 1")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            connection.execute("DELETE FROM audit_log WHERE seq = 2")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            connection.execute("DELETE FROM audit_chain_head")


async def test_an_edited_row_is_named(database: Database) -> None:
    log = await filled(database)
    tamper(database, "UPDATE audit_log SET allowed = 0 WHERE seq = 4")

    result = await log.verify()

    assert result.broken_at == 4
    assert "row 4 does not match its hash (edited)" in (result.problem or "")


async def test_an_edited_and_rehashed_row_breaks_the_next_link(database: Database) -> None:
    log = await filled(database)
    rows = {row.seq: row async for row in log.rows()}
    forged = rows[3].entry.__class__(**{**_fields(rows[3].entry), "purpose": "self-service"})
    new_hash = row_hash(3, rows[3].at, forged, rows[3].prev_hash)
    tamper(
        database,
        f"UPDATE audit_log SET purpose = 'self-service', hash = '{new_hash}' WHERE seq = 3",
    )

    result = await log.verify()

    assert result.broken_at == 4
    assert "row 4 does not carry the hash of row 3" in (result.problem or "")


async def test_a_deleted_row_is_named(database: Database) -> None:
    log = await filled(database)
    tamper(database, "DELETE FROM audit_log WHERE seq = 2")

    result = await log.verify()

    assert result.broken_at == 2
    assert "row 2 is missing" in (result.problem or "")
    assert result.rows == 1


async def test_reordered_rows_are_named(database: Database) -> None:
    log = await filled(database)
    tamper(
        database,
        "UPDATE audit_log SET seq = -1 WHERE seq = 2",
        "UPDATE audit_log SET seq = 2 WHERE seq = 3",
        "UPDATE audit_log SET seq = 3 WHERE seq = -1",
    )

    result = await log.verify()

    assert result.broken_at == 2


async def test_a_truncated_tail_is_caught_by_the_chain_head(database: Database) -> None:
    log = await filled(database)
    tamper(database, "DELETE FROM audit_log WHERE seq > 4")

    result = await log.verify()

    assert result.broken_at == 5
    assert "truncated" in (result.problem or "")


async def test_an_intact_log_verifies_while_a_gateway_keeps_appending(database: Database) -> None:
    """Run from cron against the live log: appends committed during the walk are left for the
    next run, never taken for a truncation."""
    log = await filled(database, 30)
    stop = asyncio.Event()

    async def gateway() -> None:  # every agency read is an append
        n = 100
        while not stop.is_set():
            n += 1
            await log.append([entry(n)])

    appending = asyncio.create_task(gateway())
    try:
        results = [await log.verify() for _ in range(5)]
    finally:
        stop.set()
        await appending
    assert [r.problem for r in results] == [None] * 5
    assert (await log.head()).seq > 30  # the gateway did append meanwhile


async def test_a_row_added_past_the_chain_head_is_named(database: Database) -> None:
    log = await filled(database)
    head = await log.head()
    tamper(
        database,
        "UPDATE audit_chain_head SET seq = 4, hash = (SELECT hash FROM audit_log WHERE seq = 4)",
    )

    result = await log.verify()

    assert head.seq == 6 and result.broken_at == 5
    assert "past the chain head" in (result.problem or "")


async def test_a_truncated_tail_with_a_forged_head_is_caught_by_the_exported_heads(
    database: Database, tmp_path: Path
) -> None:
    log = await filled(database)
    rows = {row.seq: row async for row in log.rows()}
    export_head(tmp_path, await log.head(), rows[6].at)
    tamper(
        database,
        "DELETE FROM audit_log WHERE seq > 4",
        f"UPDATE audit_chain_head SET seq = 4, hash = '{rows[4].hash}'",
    )

    assert (await log.verify()).intact  # the database alone cannot tell
    result = await log.verify(read_exported_heads(tmp_path))

    assert not result.intact
    assert result.broken_at == 5
    assert "row 6 was exported as a chain head but the log ends at row 4" in (result.problem or "")


async def test_a_rewritten_chain_disagrees_with_the_exported_head(
    database: Database, tmp_path: Path
) -> None:
    log = await filled(database, 3)
    export_head(tmp_path, await log.head(), (await log.page(first=1)).rows[0].at)
    rows = [row async for row in log.rows()]
    # rewrite row 3 and re-hash it, and the head, consistently
    forged = rows[2].entry.__class__(**{**_fields(rows[2].entry), "allowed": False})
    new_hash = row_hash(3, rows[2].at, forged, rows[2].prev_hash)
    tamper(
        database,
        f"UPDATE audit_log SET allowed = 0, hash = '{new_hash}' WHERE seq = 3",
        f"UPDATE audit_chain_head SET hash = '{new_hash}'",
    )

    result = await log.verify(read_exported_heads(tmp_path))

    assert result.broken_at == 3
    assert "differs from the chain head exported" in (result.problem or "")


async def test_exporting_an_unchanged_head_writes_no_new_line(
    database: Database, tmp_path: Path
) -> None:
    log = await filled(database, 2)
    head = await log.head()
    at = (await log.page(first=1)).rows[0].at

    assert export_head(tmp_path, head, at) is True
    assert export_head(tmp_path, head, at) is False
    await log.append([entry(9)])
    assert export_head(tmp_path, await log.head(), at) is True
    assert [h.seq for h in read_exported_heads(tmp_path)] == [2, 3]


def _fields(value: AuditEntry) -> dict[str, object]:
    return {name: getattr(value, name) for name in AuditEntry.__slots__}


# --- `vemtas audit verify` -------------------------------------------------------------------


@pytest.fixture
def configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "vemtas.db"
    monkeypatch.setenv("VEMTAS_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    monkeypatch.setenv("VEMTAS_VAR_DIR", str(tmp_path / "var"))
    return path


def _fill_sync(path: Path, rows: int) -> None:
    from adapters.db import migrate, open_database

    async def fill() -> None:
        url = f"sqlite+aiosqlite:///{path}"
        await migrate.upgrade(url)
        async with open_database(url) as database:
            await filled(database, rows)

    asyncio.run(fill())


def verify_command(*extra: str) -> int:
    parser = argparse.ArgumentParser()
    audit_verify.add_arguments(parser)
    return audit_verify.run(parser.parse_args(list(extra)))


def test_vemtas_audit_verify_passes_an_intact_log_and_exports_its_head(
    configured: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _fill_sync(configured, 5)

    assert verify_command("--export") == 0

    out = capsys.readouterr().out
    assert "audit log intact: 5 rows; head row 5" in out
    assert [h.seq for h in read_exported_heads(configured.parent / "var" / "audit-heads")] == [5]


def test_vemtas_audit_verify_exits_1_naming_the_first_broken_link(
    configured: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _fill_sync(configured, 5)
    with sqlite3.connect(configured) as connection:
        connection.execute("DROP TRIGGER audit_log_no_update")
        connection.execute("UPDATE audit_log SET subject_fin = '7QWE2RT' WHERE seq = 3")

    assert verify_command() == 1

    err = capsys.readouterr().err
    assert "audit log BROKEN at row 3" in err
    assert "2 rows before it verified" in err


def test_vemtas_audit_verify_catches_a_truncation_after_an_export(
    configured: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _fill_sync(configured, 5)
    assert verify_command("--export") == 0
    with sqlite3.connect(configured) as connection:
        connection.execute("DROP TRIGGER audit_log_no_delete")
        connection.execute("DELETE FROM audit_log WHERE seq >= 4")
        row3 = connection.execute("SELECT hash FROM audit_log WHERE seq = 3").fetchone()[0]
        connection.execute(f"UPDATE audit_chain_head SET seq = 3, hash = '{row3}'")

    assert verify_command() == 1

    assert "truncated" in capsys.readouterr().err


def test_vemtas_audit_verify_reports_a_database_that_is_away(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("VEMTAS_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:1/none")
    monkeypatch.setenv("VEMTAS_VAR_DIR", str(tmp_path))

    assert verify_command() == 1
    assert "unavailable" in capsys.readouterr().err


async def test_audit_rows_are_read_newest_first_by_person(database: Database) -> None:
    log = AuditLog(database)
    await log.append([entry(1), entry(2, fin="7QWE2RT"), entry(3), entry(4)])

    first = await log.page(subject_fin="5ZX3K8P", first=2)
    rest = await log.page(subject_fin="5ZX3K8P", first=2, before_seq=first.rows[-1].seq)

    assert [r.seq for r in first.rows] == [4, 3] and first.has_next_page
    assert [r.seq for r in rest.rows] == [1] and not rest.has_next_page
    with pytest.raises(ValueError, match="first"):
        await log.page(first=0)


async def test_the_store_needs_the_chain_head_row(database: Database) -> None:
    async with database.engine.begin() as connection:
        await connection.execute(sa.text("DROP TRIGGER audit_chain_head_kept"))
        await connection.execute(sa.text("DELETE FROM audit_chain_head"))
    with pytest.raises(RuntimeError, match="chain head is missing"):
        await AuditLog(database).append([entry(1)])
