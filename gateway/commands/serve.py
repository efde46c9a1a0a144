"""`vemtas serve [--host H] [--port P] [--workers N] [--with-mocks]`: the gateway under uvicorn
(on uvloop, with httptools parsing HTTP).

With ``--with-mocks`` (what `make run` starts) the same process also serves every mock agency
and the mock identity provider on port 8100 over a generated world, points every agency URL at
it, migrates the database, runs the background worker (``vemtas worker``) alongside the
gateway, and prints the GraphQL URL with a development token for each role.

With ``--workers N`` (N > 1) uvicorn's supervisor runs N gateway processes on the one port,
each built by ``gateway.asgi:app_from_env``; they share the database, so any of them may answer
any request, and the background worker runs on its own (``vemtas worker``). In the dev profile
the database is migrated once, before the processes start. ``/metrics`` then answers the sum
over the processes (prometheus-client's multiprocess mode): each process writes its metrics to
files in a fresh directory the supervisor makes under the var dir (``PROMETHEUS_MULTIPROC_DIR``,
set before the processes start) and removes when it stops; a process that died and was replaced
keeps its counts in the sum, so the totals never go back.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import tempfile
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="gateway processes sharing the port (default 1; not with --with-mocks)",
    )
    parser.add_argument("--with-mocks", action="store_true", help="also serve the mock agencies")
    parser.add_argument("--mocks-port", type=int, default=8100)
    parser.add_argument(
        "--households", type=int, default=1000, help="generated world size (with mocks)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--world", help="world file for the mocks instead of a generated world")


def run(args: argparse.Namespace) -> int:
    import uvloop

    from gateway.settings import Settings

    settings = Settings.from_env(os.environ)
    if args.workers < 1:
        raise SystemExit("--workers must be at least 1")
    if args.workers > 1:
        if args.with_mocks:
            raise SystemExit(
                "--workers runs several gateway processes; --with-mocks runs one process "
                "(mocks, gateway and worker together): use one or the other"
            )
        return _serve_processes(args, settings)
    uvloop.run(_serve(args, settings))
    return 0


def _serve_processes(args: argparse.Namespace, settings: object) -> int:
    import uvicorn
    import uvloop

    from gateway.logging import configure_logging
    from gateway.settings import Profile, Settings
    from gateway.worker import policy_from_env

    assert isinstance(settings, Settings)
    configure_logging(settings)
    policy_from_env(os.environ, settings.profile)  # refused here, once, rather than N times
    if settings.profile is Profile.DEV:
        from adapters.db.migrate import upgrade

        uvloop.run(upgrade(settings.database_url))  # once, before the processes race to it
    print(f"\nGraphQL: http://{args.host}:{args.port}/graphql  ({args.workers} processes)\n")
    # /metrics sums the processes (gateway.asgi): a fresh directory for their metric files, in
    # the environment the processes inherit, so set before they import prometheus_client
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    metrics_dir = Path(tempfile.mkdtemp(prefix=f"metrics-{args.port}-", dir=settings.var_dir))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    try:
        uvicorn.run(
            "gateway.asgi:app_from_env",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level="info",
            log_config=None,
        )
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0


async def _serve(args: argparse.Namespace, settings: object) -> None:
    import uvicorn

    from gateway.app import create_app
    from gateway.logging import configure_logging
    from gateway.settings import Profile, Settings

    assert isinstance(settings, Settings)
    configure_logging(settings)
    servers: list[uvicorn.Server] = []
    if args.with_mocks:
        if settings.profile is Profile.PROD:
            raise SystemExit(
                "--with-mocks is a development mode; it is refused in the prod profile"
            )
        from gateway.dev import build_mock_world, development_tokens
        from mocks.app import create_mock_app

        base = f"http://127.0.0.1:{args.mocks_port}"
        settings = settings.with_agency_urls(base)
        world = build_mock_world(args)
        mock_app = create_mock_app(world, dev=True, base_url=base)
        servers.append(
            uvicorn.Server(
                uvicorn.Config(
                    mock_app,
                    host="127.0.0.1",
                    port=args.mocks_port,
                    log_level="warning",
                    log_config=None,  # gateway.logging's handlers, with the redaction
                )
            )
        )
        print(f"mock agencies: {base}  ({len(world.households)} households)")
        for role, token in development_tokens(world, settings).items():
            print(f"\n{role} token:\n{token}")
        from gateway.worker import example_application

        print(f"\nthe citizen's application (docs/applications.md):\n{example_application(world)}")
    from gateway.worker import policy_from_env

    policy = policy_from_env(os.environ, settings.profile)
    if args.with_mocks:
        # `make run`: the database is migrated first, then the worker runs in this process
        from adapters.db.migrate import upgrade

        await upgrade(settings.database_url)
    app = create_app(settings, policy=policy, worker=args.with_mocks)
    servers.append(
        uvicorn.Server(
            uvicorn.Config(app, host=args.host, port=args.port, log_level="info", log_config=None)
        )
    )
    print(f"\nGraphQL: http://{args.host}:{args.port}/graphql\n", flush=True)
    await asyncio.gather(*(s.serve() for s in servers))
