"""Alembic environment. Migrations run only through :mod:`adapters.db.migrate`, which opens the
connection (async engine, ``run_sync``) and hands it over in ``config.attributes``; there is no
alembic.ini and no URL here."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from adapters.db.tables import metadata

config = context.config


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite alters tables by copying them; batch mode makes that automatic
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if context.is_offline_mode() or not isinstance(connection, Connection):
    raise RuntimeError(
        "run migrations with adapters.db.migrate (e.g. `vemtas db upgrade`), not the alembic CLI"
    )
run_migrations(connection)
