"""`vemtas db upgrade`: migrate the database named by ``VEMTAS_DATABASE_URL`` (default SQLite
under ``./var/``) to the newest schema, or to ``--revision``."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--revision", default="head", help="target revision (default: head, the newest)"
    )


def run(args: argparse.Namespace) -> int:
    import asyncio
    import sys

    from adapters.db.errors import DatabaseUnavailable
    from adapters.db.migrate import current_revision, upgrade
    from gateway.settings import Settings

    url = Settings.from_env().database_url

    async def migrate() -> str | None:
        await upgrade(url, args.revision)
        return await current_revision(url)

    try:
        revision = asyncio.run(migrate())
    except DatabaseUnavailable:
        print("vemtas db upgrade: the database is unavailable", file=sys.stderr)
        return 1
    print(f"database at revision {revision}")
    return 0
