"""The database going away: mutations fail fast with a retryable error and write nothing;
connections broken by a restart are replaced; SQLite is set up for concurrent use."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from adapters.db import DatabaseUnavailable, migrate, open_database
from adapters.db.engine import create_engine

AWAY = "postgresql+asyncpg://postgres@127.0.0.1:1/none"  # loopback port 1: refused


async def test_a_mutation_against_a_database_that_is_away_fails_retryably(make):
    async with open_database(AWAY) as db:
        with pytest.raises(DatabaseUnavailable) as raised:
            await db.register_application(make.application())
        with pytest.raises(DatabaseUnavailable):
            await db.ping()
    assert raised.value.retryable
    assert "127.0.0.1" not in str(raised.value)


async def test_a_read_against_a_database_that_is_away_fails_retryably():
    async with open_database(AWAY) as db:
        with pytest.raises(DatabaseUnavailable):
            await db.get_application("any")


async def test_the_sqlite_file_and_its_directory_are_created(tmp_path, make):
    path = tmp_path / "nested" / "var" / "vemtas.db"
    url = f"sqlite+aiosqlite:///{path}"

    await migrate.upgrade(url)
    async with open_database(url) as db:
        await db.ping()
        await db.register_application(make.application())

    assert path.is_file()


@pytest.mark.parametrize("target", ["sqlite"], indirect=True)
async def test_sqlite_runs_in_wal_mode_with_foreign_keys_enforced(db, target):
    async with db.engine.connect() as connection:
        assert await connection.scalar(sa.text("PRAGMA journal_mode")) == "wal"
        assert await connection.scalar(sa.text("PRAGMA foreign_keys")) == 1
        assert await connection.scalar(sa.text("PRAGMA busy_timeout")) > 0


@pytest.mark.postgres
@pytest.mark.parametrize("target", ["postgres"], indirect=True)
async def test_connections_broken_by_a_database_restart_are_replaced(db, target, make):
    async with db.engine.connect() as connection:
        pid = await connection.scalar(sa.text("SELECT pg_backend_pid()"))
    # the pooled connection dies as in a server restart
    admin = create_engine(target.url)
    try:
        async with admin.connect() as connection:
            await connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        await admin.dispose()

    result = await db.register_application(make.application())

    assert result.created


@pytest.mark.postgres
@pytest.mark.parametrize("target", ["postgres"], indirect=True)
async def test_a_statement_cut_off_by_the_servers_timeout_is_retryable(db, target):
    from adapters.db.errors import translate_errors

    with pytest.raises(DatabaseUnavailable), translate_errors():
        async with db.engine.connect() as connection:
            await connection.execute(sa.text("SET statement_timeout = 10"))
            await connection.execute(sa.text("SELECT pg_sleep(5)"))
