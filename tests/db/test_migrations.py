"""Migrations: an empty database migrates to exactly the schema the code expects, goes down and
up again, and `vemtas db upgrade` does it from the environment."""

from __future__ import annotations

import argparse
import sqlite3

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from adapters.db import migrate, open_database
from adapters.db.engine import create_engine
from adapters.db.tables import card_orders, metadata, notifications, outbox
from gateway.commands import db_upgrade

TABLES = {
    "applications",
    "application_members",
    "application_events",
    "card_orders",
    "decisions",
    "notifications",
    "outbox",
    "registration_counters",
    "audit_log",
    "audit_chain_head",
}


async def _schema_differences(target) -> list[object]:
    engine = create_engine(target.url, schema=target.schema)
    try:
        async with engine.connect() as connection:

            def compare(sync_connection):
                context = MigrationContext.configure(sync_connection, opts={"compare_type": True})
                return compare_metadata(context, metadata)

            return await connection.run_sync(compare)
    finally:
        await engine.dispose()


async def _tables(target) -> set[str]:
    engine = create_engine(target.url, schema=target.schema)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: sa.inspect(c).get_table_names())
    finally:
        await engine.dispose()
    return set(names) - {"alembic_version"}


async def test_an_empty_database_migrates_to_the_schema_the_code_expects(target):
    assert await migrate.current_revision(target.url, schema=target.schema) is None

    await migrate.upgrade(target.url, schema=target.schema)
    await migrate.upgrade(target.url, schema=target.schema)  # a second run changes nothing

    assert await migrate.current_revision(target.url, schema=target.schema) == (
        migrate.head_revision()
    )
    assert await _tables(target) == TABLES
    assert await _schema_differences(target) == []


async def test_downgrading_to_nothing_and_upgrading_again_gives_a_working_database(target, make):
    await migrate.upgrade(target.url, schema=target.schema)
    async with open_database(target.url, schema=target.schema) as db:
        await db.register_application(make.application())

    await migrate.downgrade(target.url, "base", schema=target.schema)
    assert await _tables(target) == set()
    assert await migrate.current_revision(target.url, schema=target.schema) is None

    await migrate.upgrade(target.url, schema=target.schema)
    async with open_database(target.url, schema=target.schema) as db:
        result = await db.register_application(make.application())
    assert result.application.number.endswith("-000001")


def test_vemtas_db_upgrade_migrates_the_configured_database(tmp_path, monkeypatch, capsys):
    path = tmp_path / "var" / "vemtas.db"
    monkeypatch.setenv("VEMTAS_DATABASE_URL", f"sqlite+aiosqlite:///{path}")

    status = db_upgrade.run(argparse.Namespace(revision="head"))

    assert status == 0
    assert f"at revision {migrate.head_revision()}" in capsys.readouterr().out
    with sqlite3.connect(path) as connection:
        names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert names >= TABLES


def test_vemtas_db_upgrade_reports_a_database_that_is_away(monkeypatch, capsys):
    # port 1 on loopback: connection refused at once
    monkeypatch.setenv("VEMTAS_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:1/none")

    status = db_upgrade.run(argparse.Namespace(revision="head"))

    assert status == 1
    assert "unavailable" in capsys.readouterr().err


def test_the_migration_scripts_ship_inside_the_package():
    from importlib.resources import files

    migrations = files("adapters.db.migrations")
    assert migrations.joinpath("env.py").is_file()
    assert any(
        entry.name.endswith(".py") and entry.name[0].isdigit()
        for entry in migrations.joinpath("versions").iterdir()
    )


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("sqlite:///./var/vemtas.db", "sqlite+aiosqlite"),
        ("sqlite+aiosqlite:///./var/vemtas.db", "sqlite+aiosqlite"),
        ("postgresql://u@h/db", "postgresql+asyncpg"),
        ("postgres://u@h/db", "postgresql+asyncpg"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg"),
    ],
)
def test_database_urls_get_their_async_driver(given, used):
    from adapters.db.engine import normalize_url

    assert normalize_url(given).drivername == used


@pytest.mark.parametrize("url", ["mysql://u@h/db", "postgresql+psycopg2://u@h/db", "oracle://h"])
def test_an_unsupported_database_is_refused_by_name(url):
    from adapters.db.engine import UnsupportedDatabase, normalize_url

    with pytest.raises(UnsupportedDatabase, match="unsupported database"):
        normalize_url(url)


async def test_withdrawn_deliveries_read_as_given_up_below_0004_and_keep_their_references(
    target, make
):
    await migrate.upgrade(target.url, schema=target.schema)
    async with open_database(target.url, schema=target.schema) as db:
        registered = await db.register_application(make.application(notices=2))
        application_id = registered.application.id
        await db.record_decision(application_id, make.grant(), [make.card_order(application_id)], 1)
        async with db.engine.begin() as connection:  # as a reassessment leaves them
            notice, _ = (
                await connection.execute(
                    sa.select(notifications.c.id).where(
                        notifications.c.application_id == application_id
                    )
                )
            ).scalars()
            for statement in (
                sa.update(notifications).where(notifications.c.id == notice),
                sa.update(outbox).where(outbox.c.notification_id == notice),
            ):
                await connection.execute(statement.values(status="WITHDRAWN"))
            await connection.execute(
                sa.update(outbox)
                .where(outbox.c.card_order_id.is_not(None))
                .values(status="WITHDRAWN")
            )
            await connection.execute(sa.update(card_orders).values(status="CANCELLED"))

    await migrate.downgrade(target.url, "0003", schema=target.schema)
    assert await _statuses(target) == {
        "card_orders": ["FAILED"],
        "notifications": ["DEAD", "PENDING"],
        "outbox": ["DEAD", "DEAD", "PENDING"],
    }

    await migrate.upgrade(target.url, schema=target.schema)
    assert await _schema_differences(target) == []
    async with open_database(target.url, schema=target.schema) as db:
        order = await db.card_order(application_id)
        assert order is not None and order.status.value == "FAILED"
        assert len(await db.notifications(application_id)) == 2


async def _statuses(target) -> dict[str, list[str]]:
    engine = create_engine(target.url, schema=target.schema)
    try:
        async with engine.connect() as connection:
            return {
                table.name: sorted((await connection.execute(sa.select(table.c.status))).scalars())
                for table in (card_orders, notifications, outbox)
            }
    finally:
        await engine.dispose()
