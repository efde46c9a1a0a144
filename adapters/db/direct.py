"""The worker's direct paths to the database (:meth:`Database.worker_session`).

Through the async engine every statement costs several hops to aiosqlite's thread (a cursor,
the statement, the rows, closing), each a future, a queue and a greenlet switch: about 0.2 ms
of CPU a statement on SQLite, more than SQLite spends running it; and every transaction checks
a connection out of the pool (on PostgreSQL with a ping), begins, and ends. The worker's
statements are small and many, and it asks "is anything due?" every round, so it goes around
that:

- :class:`SqliteProbe` answers :meth:`Database.next_due` (asked every round) over a plain
  ``sqlite3`` connection in the calling thread: three index look-ups in autocommit mode, tens
  of microseconds, too short to hold up the event loop. The connection is read-only
  (``query_only``), never waits for a lock (a busy file is asked through the engine instead)
  and ends its read transaction with each answer, so it never holds up a checkpoint.
- :class:`SqliteWriter` runs the worker's write transactions (claims, completions, failures)
  in a thread of its own over a synchronous SQLAlchemy connection (``pysqlite``): the same
  statements and types, one hop per transaction. It sets the connection up as the engine does
  (``adapters/db/engine.py``: WAL, ``synchronous=NORMAL``, the busy timeout, foreign keys,
  ``BEGIN IMMEDIATE``), and the repository still queues it behind this process's other writers.
- :class:`PostgresProbe` answers :meth:`Database.next_due` on PostgreSQL over an ``asyncpg``
  connection of its own (the engine's URL and ``search_path``): one round trip of a statement
  prepared once, no transaction, no pool. A connection that fails is dropped and the engine
  answers until the probe connects again (not before ``RECONNECT_AFTER`` seconds).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.db.delivery import NEXT_DUE, Due, earliest
from adapters.db.engine import (
    PG_COMMAND_TIMEOUT_S,
    PG_CONNECT_TIMEOUT_S,
    set_up_sqlite_connection,
    sqlite_path,
)
from adapters.db.errors import translate_errors
from adapters.db.types import dumps, loads

Result = TypeVar("Result")
NextDue = Callable[[], Awaitable[Due]]

#: After a failed connection the PostgreSQL probe lets the engine answer this long (seconds).
RECONNECT_AFTER = 30.0


def _literal_sql(dialect: sa.Dialect) -> str:
    return str(NEXT_DUE.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


_NEXT_DUE_SQLITE = _literal_sql(sqlite.dialect())
_NEXT_DUE_POSTGRES = _literal_sql(postgresql.dialect())  # type: ignore[no-untyped-call]


def sqlite_file(engine: AsyncEngine) -> Path | None:
    """The file of a SQLite engine; ``None`` for PostgreSQL or an in-memory database."""
    if engine.dialect.name != "sqlite":
        return None
    return sqlite_path(engine.url)


class SqliteProbe:
    """:meth:`Database.next_due` over a ``sqlite3`` connection of its own (module doc);
    ``fallback`` (the engine's) answers when the file cannot be read now."""

    def __init__(self, path: Path, fallback: NextDue) -> None:
        self._path = path
        self._fallback = fallback
        self._connection: sqlite3.Connection | None = None

    async def __call__(self) -> Due:
        try:
            pending, leased, undecided = self._read()
            return Due(outbox=earliest(_utc(pending), _utc(leased)), applications=_utc(undecided))
        except (sqlite3.Error, ValueError):
            self.close()
            return await self._fallback()

    def _read(self) -> tuple[object, object, object]:
        if self._connection is None:
            connection = sqlite3.connect(self._path, timeout=0, isolation_level=None)
            connection.execute("PRAGMA query_only = ON")
            self._connection = connection
        rows = self._connection.execute(_NEXT_DUE_SQLITE).fetchall()
        pending, leased, undecided = rows[0]
        return pending, leased, undecided

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _utc(value: object) -> datetime | None:
    """A timestamp as the engine stores it on SQLite (naive UTC text) as an aware datetime."""
    if not isinstance(value, str):
        return None
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


class SqliteWriter:
    """Write transactions on a SQLite file, each run whole in one thread of its own
    (module doc). :meth:`close` waits for the transaction under way."""

    def __init__(self, path: Path) -> None:
        self._engine = sa.create_engine(
            sa.URL.create("sqlite", database=str(path)),
            pool_size=1,
            max_overflow=0,
            json_serializer=dumps,
            json_deserializer=loads,
        )
        _configure(self._engine)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vemtas-sqlite")

    async def run(self, body: Callable[..., Result], *args: Any) -> Result:
        """``body(connection, *args)`` in one write transaction (``BEGIN IMMEDIATE``): its
        result once committed; raises as the engine's transactions do (``translate_errors``),
        having written nothing."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, partial(self._transaction, body, *args))

    def _transaction(self, body: Callable[..., Result], *args: Any) -> Result:
        with translate_errors(), self._engine.connect() as connection, connection.begin():
            return body(connection, *args)

    def close(self) -> None:
        self._thread.shutdown(wait=True)
        self._engine.dispose()


def _configure(engine: sa.Engine) -> None:
    event.listen(engine, "connect", set_up_sqlite_connection)  # as the async engine's

    @event.listens_for(engine, "begin")
    def on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # this engine only writes


class PostgresProbe:
    """:meth:`Database.next_due` over an ``asyncpg`` connection of its own (module doc);
    ``fallback`` (the engine's) answers while it cannot."""

    def __init__(self, engine: AsyncEngine, fallback: NextDue) -> None:
        self._engine = engine
        self._fallback = fallback
        self._connection: Any = None
        self._retry_at = 0.0

    async def __call__(self) -> Due:
        if self._connection is None and time.monotonic() < self._retry_at:
            return await self._fallback()
        try:
            if self._connection is None:
                self._connection = await self._connect()
            pending, leased, undecided = await self._connection.fetchrow(_NEXT_DUE_POSTGRES)
        except Exception:  # a lost or refused connection: the engine answers meanwhile
            await self.close()
            self._retry_at = time.monotonic() + RECONNECT_AFTER
            return await self._fallback()
        return Due(outbox=earliest(pending, leased), applications=undecided)

    async def _connect(self) -> Any:
        import asyncpg  # type: ignore[import-untyped]

        async with self._engine.connect() as connection:  # the schema the engine works in
            search_path = await connection.scalar(sa.text("SHOW search_path"))
        _, options = self._engine.dialect.create_connect_args(self._engine.url)
        return await asyncpg.connect(
            **options,
            timeout=PG_CONNECT_TIMEOUT_S,
            command_timeout=PG_COMMAND_TIMEOUT_S,
            server_settings={"search_path": str(search_path), "application_name": "vemtas"},
        )

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close(timeout=PG_CONNECT_TIMEOUT_S)
