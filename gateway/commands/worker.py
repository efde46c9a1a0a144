"""`vemtas worker`: the background worker on its own (the outbox toward the bank and the
messaging gateway, applications waiting for agency data or interrupted, overdue flags).

Runs until SIGTERM or SIGINT; any number of workers may run at once (claims and leases keep
them apart). Configuration as the gateway's (``VEMTAS_*``), plus the policy variables of
``gateway/worker.py``. In the dev profile the database is migrated first.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--once", action="store_true", help="run one round (deliver, retry, flag) and exit"
    )


def run(args: argparse.Namespace) -> int:
    import os

    import uvloop

    from gateway.settings import Settings

    settings = Settings.from_env(os.environ)
    return uvloop.run(_work(args, settings))


async def _work(args: argparse.Namespace, settings: object) -> int:
    import asyncio
    import os
    import signal
    from contextlib import AsyncExitStack
    from datetime import date, datetime

    from adapters.db import open_database
    from adapters.db.migrate import upgrade
    from adapters.registry import open_adapters
    from gateway.app import BAKU, adapter_config
    from gateway.logging import configure_logging
    from gateway.settings import Profile, Settings
    from gateway.worker import policy_from_env, poll_interval_from_env, running_worker

    assert isinstance(settings, Settings)
    configure_logging(settings)
    policy = policy_from_env(os.environ, settings.profile)
    poll = poll_interval_from_env(os.environ)

    def today() -> date:
        return settings.clock or datetime.now(BAKU).date()

    async with AsyncExitStack() as stack:
        if settings.profile is Profile.DEV:
            await upgrade(settings.database_url)
        database = await stack.enter_async_context(open_database(settings.database_url))
        adapters = await stack.enter_async_context(open_adapters(adapter_config(settings)))
        if args.once:
            from gateway.worker import utc_now
            from resolvers.worker import Worker

            worker = Worker(adapters, database, policy, today=today, now=utc_now)
            progress = await worker.run_once()
            print(progress, flush=True)
            return 0
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        async with running_worker(adapters, database, policy, today, poll_interval=poll):
            print("worker started", flush=True)
            await stop.wait()
    return 0
