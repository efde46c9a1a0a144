"""`vemtas mocks serve`: every mock agency (and the mock identity provider) in one server.

    vemtas mocks serve [--host 127.0.0.1] [--port 8100] [--world FILE | --households N --seed S]
                       [--base-url URL] [--no-dev]

The world is a world file (YAML or JSON, ``--world``) or, by default, a generated world of
``--households`` households from ``--seed``. Development mode (the default) mounts the test
controls under ``/_admin``, answered for loopback clients only; ``--no-dev`` leaves them out.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from mocks.world import World

DEFAULT_HOUSEHOLDS = 1000
DEFAULT_SEED = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    parser.add_argument("--port", type=int, default=8100)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--world", metavar="FILE", help="world file (YAML or JSON)")
    source.add_argument(
        "--households",
        type=int,
        default=DEFAULT_HOUSEHOLDS,
        help=f"size of the generated world (default {DEFAULT_HOUSEHOLDS})",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="seed of the generated world"
    )
    parser.add_argument(
        "--base-url",
        help="where clients reach this server (default http://<host>:<port>; WSDL addresses and "
        "the identity issuer use it)",
    )
    parser.add_argument(
        "--no-dev", dest="dev", action="store_false", help="leave out the test controls (/_admin)"
    )


def build_world(args: argparse.Namespace) -> World:
    """The world to serve: the file given, or a generated one."""
    if args.world:
        from mocks.world_io import load_world

        return load_world(args.world)
    if args.households < 1:
        raise SystemExit("--households must be at least 1")
    from mocks.generate import generate_world

    return generate_world(args.households, args.seed)


def base_url(args: argparse.Namespace) -> str:
    if args.base_url:
        return str(args.base_url).rstrip("/")
    host = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host  # noqa: S104
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{args.port}"


def build_app(args: argparse.Namespace) -> Starlette:
    from mocks.app import create_mock_app

    return create_mock_app(build_world(args), dev=args.dev, base_url=base_url(args))


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from mocks.world_io import WorldError

    try:
        app = build_app(args)
    except WorldError as exc:
        raise SystemExit(f"invalid world: {exc}") from None
    world = app.state.mock.world
    mode = "development (test controls on loopback)" if args.dev else "no test controls"
    print(
        f"mock agencies: {base_url(args)}  ({len(world.households)} households, {mode})", flush=True
    )
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_level="info",
        access_log=False,
        # A request held by the ``hang`` fault must not keep the server from stopping.
        timeout_graceful_shutdown=1,
    )
    uvicorn.Server(config).run()
    return 0
