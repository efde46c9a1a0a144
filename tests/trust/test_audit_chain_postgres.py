"""The audit chain on PostgreSQL: concurrent appends through `SELECT … FOR UPDATE` on the chain
head, the append-only triggers, and tamper detection. Runs when VEMTAS_TEST_POSTGRES_URL is set
(CI sets it); each test gets a schema of its own, dropped afterwards."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from adapters.db import Database, migrate
from adapters.db.audit import AuditLog
from adapters.db.engine import create_engine
from adapters.db.repository import open_database
from tests.services import require_postgres

from .test_audit_chain import entry

pytestmark = pytest.mark.postgres


@pytest.fixture
async def pg() -> AsyncIterator[tuple[Database, str]]:
    url = await require_postgres()
    schema = f"vemtas_audit_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    try:
        async with admin.begin() as connection:
            await connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        await migrate.upgrade(url, schema=schema)
        async with open_database(url, schema=schema) as database:
            yield database, schema
    finally:
        async with admin.begin() as connection:
            await connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await admin.dispose()


async def tamper(schema: str, *statements: str) -> None:
    """What a database superuser does: switch the append-only triggers off, then edit."""
    engine = create_engine(await require_postgres())
    try:
        async with engine.begin() as connection:
            await connection.execute(sa.text(f'SET search_path TO "{schema}"'))
            await connection.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER ALL"))
            for statement in statements:
                await connection.execute(sa.text(statement))
    finally:
        await engine.dispose()


async def test_concurrent_appends_on_postgresql_make_one_unbroken_chain(
    pg: tuple[Database, str],
) -> None:
    database, _ = pg
    log = AuditLog(database)
    await asyncio.gather(*(log.append([entry(n), entry(n + 100)]) for n in range(1, 21)))
    result = await log.verify()
    assert result.intact, result.problem
    assert result.rows == 40 and result.head.seq == 40


async def test_postgresql_refuses_to_update_or_delete_audit_rows(pg: tuple[Database, str]) -> None:
    database, schema = pg
    await AuditLog(database).append([entry(1), entry(2)])
    engine = create_engine(await require_postgres())
    try:
        for statement in ("UPDATE audit_log SET allowed = false", "DELETE FROM audit_log"):
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                async with engine.begin() as connection:
                    await connection.execute(sa.text(f'SET search_path TO "{schema}"'))
                    await connection.execute(sa.text(statement))
    finally:
        await engine.dispose()


async def test_an_edited_row_on_postgresql_is_named(pg: tuple[Database, str]) -> None:
    database, schema = pg
    log = AuditLog(database)
    for n in range(1, 6):
        await log.append([entry(n)])
    await tamper(schema, "UPDATE audit_log SET purpose = 'audit' WHERE seq = 3")
    result = await log.verify()
    assert result.broken_at == 3


async def test_a_deleted_row_on_postgresql_is_named(pg: tuple[Database, str]) -> None:
    database, schema = pg
    log = AuditLog(database)
    for n in range(1, 6):
        await log.append([entry(n)])
    await tamper(schema, "DELETE FROM audit_log WHERE seq = 2")
    result = await log.verify()
    assert not result.intact and result.broken_at is not None and result.broken_at <= 3


async def test_two_processes_appending_on_postgresql_make_one_chain(
    pg: tuple[Database, str],
) -> None:
    """Two engines (two processes' pools): `SELECT … FOR UPDATE` keeps them apart."""
    database, schema = pg
    async with open_database(await require_postgres(), schema=schema) as other:
        await asyncio.gather(
            *(AuditLog(database).append([entry(n), entry(n + 100)]) for n in range(1, 16)),
            *(AuditLog(other).append([entry(n)]) for n in range(200, 215)),
        )
    result = await AuditLog(database).verify()
    assert result.intact, result.problem
    assert result.rows == 45 and result.head.seq == 45
