"""Serving an ASGI app for real on loopback, for tests that must cross a socket (network
transports, WebSockets, external tools, other processes)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal

import uvicorn


def free_port() -> int:
    """A port nobody listens on at the moment (for a server started elsewhere)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serving(
    app: Any,
    *,
    lifespan: Literal["on", "off"] = "off",
    ws: Literal["auto", "none"] = "auto",
) -> contextlib.AbstractAsyncContextManager[str]:
    """``app`` under uvicorn on a 127.0.0.1 port bound here first (no race for it): its base
    URL, ``http://127.0.0.1:<port>``. ``lifespan="on"``: uvicorn runs the app's lifespan. The
    server is stopped when the block ends; logging is left as the tests configured it."""
    return serving_built(lambda _base: app, lifespan=lifespan, ws=ws)


@contextlib.asynccontextmanager
async def serving_built(
    build: Callable[[str], Any],
    *,
    lifespan: Literal["on", "off"] = "off",
    ws: Literal["auto", "none"] = "auto",
) -> AsyncIterator[str]:
    """:func:`serving` for an app that must know its own base URL: ``build(base_url)``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    base = f"http://127.0.0.1:{port}"
    config = uvicorn.Config(
        build(base),
        lifespan=lifespan,
        ws=ws,
        log_config=None,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(30):
            while not server.started:
                assert not task.done(), "uvicorn stopped while starting"
                await asyncio.sleep(0.02)
        yield base
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=30)
        sock.close()
