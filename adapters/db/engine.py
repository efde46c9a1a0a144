"""Building the async engine for a ``VEMTAS_DATABASE_URL``, with the settings each dialect needs.

SQLite (``sqlite+aiosqlite:///./var/vemtas.db``, the default): the parent directory is created;
every connection runs in WAL mode (readers never block the writer) with ``synchronous=NORMAL``
(a committed transaction survives a killed process; only a power cut may lose the last few),
a ``busy_timeout`` and foreign keys on. sqlite3's own transaction handling is switched off and
SQLAlchemy emits ``BEGIN`` itself: ``BEGIN IMMEDIATE`` for writes (the write lock is taken up
front, so a read-then-write transaction never fails half-way with "database is locked"),
plain ``BEGIN`` for reads.

PostgreSQL (``postgresql+asyncpg://…``; ``postgresql://`` is accepted too): a small pool for a
two-core machine, a short connect timeout and pool timeout so that a database that is away makes
mutations fail fast, a statement timeout, and ``pre_ping`` so that connections broken by a
restart are replaced instead of failing a request.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from adapters.db.types import dumps, loads

SQLITE_BUSY_TIMEOUT_MS = 5_000
PG_CONNECT_TIMEOUT_S = 3.0
PG_COMMAND_TIMEOUT_S = 15.0
POOL_TIMEOUT_S = 5.0

# execution option read by the SQLite "begin" hook
WRITE = "vemtas_write"


class UnsupportedDatabase(ValueError):
    """The URL names a database this project does not run on."""


def normalize_url(url: str | URL) -> URL:
    """The URL with its async driver: ``sqlite`` → ``sqlite+aiosqlite``,
    ``postgresql``/``postgres`` → ``postgresql+asyncpg``; anything else is refused."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername in ("sqlite", "sqlite+aiosqlite"):
        return parsed.set(drivername="sqlite+aiosqlite")
    if parsed.drivername in ("postgresql", "postgres", "postgresql+asyncpg"):
        return parsed.set(drivername="postgresql+asyncpg")
    raise UnsupportedDatabase(
        f"unsupported database driver {parsed.drivername!r}: "
        "use sqlite+aiosqlite:///… or postgresql+asyncpg://…"
    )


def sqlite_path(url: URL) -> Path | None:
    """The file behind a SQLite URL, or None for an in-memory database."""
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)


def create_engine(url: str | URL, *, schema: str | None = None) -> AsyncEngine:
    """An engine for ``url``. ``schema`` (PostgreSQL only) sets the ``search_path``, so that
    tables, the migration history and every query live in that schema (test isolation)."""
    parsed = normalize_url(url)
    options: dict[str, Any] = {"json_serializer": dumps, "json_deserializer": loads}
    if parsed.get_backend_name() == "sqlite":
        if schema is not None:
            raise UnsupportedDatabase("SQLite has no schemas: use another file")
        path = sqlite_path(parsed)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            parsed, pool_size=5, max_overflow=10, pool_timeout=POOL_TIMEOUT_S, **options
        )
        _configure_sqlite(engine)
        return engine
    connect_args: dict[str, Any] = {
        "timeout": PG_CONNECT_TIMEOUT_S,
        "command_timeout": PG_COMMAND_TIMEOUT_S,
        "server_settings": {"application_name": "vemtas"},
    }
    if schema is not None:
        connect_args["server_settings"]["search_path"] = schema
    return create_async_engine(
        parsed,
        pool_size=5,
        max_overflow=5,
        pool_timeout=POOL_TIMEOUT_S,
        pool_recycle=1800,
        pool_pre_ping=True,
        connect_args=connect_args,
        **options,
    )


def set_up_sqlite_connection(dbapi_connection: Any, _record: Any = None) -> None:
    """Every SQLite connection of ours, whichever engine opens it: WAL, ``synchronous=NORMAL``,
    the busy timeout, foreign keys; SQLAlchemy, not sqlite3, decides when a transaction begins
    (``BEGIN`` or ``BEGIN IMMEDIATE``, see the engines' ``begin`` listeners)."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _configure_sqlite(engine: AsyncEngine) -> None:
    event.listen(engine.sync_engine, "connect", set_up_sqlite_connection)

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Connection) -> None:
        write = connection.get_execution_options().get(WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
