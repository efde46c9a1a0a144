"""Upstream client CPU per agency call (quality.md: the adapters' transport ≤ 2× plain aiohttp).

The population mock runs under uvicorn in a *separate process* on 127.0.0.1, so that
``time.process_time()`` here counts only the client's CPU. Each round makes the same sequential
``POST /population/persons:batch`` calls (X-Road headers, JSON body, JSON answer parsed) with:

- plain aiohttp (``ClientSession``), the reference;
- the adapters' client: ``RestClient`` over the ``httpx-aiohttp`` transport as
  ``open_adapters`` builds it (an ``httpx.Request`` handed to the transport's
  ``handle_async_request``; streamed read with a size limit, status mapping, orjson), without
  cache or guard;
- plain ``httpx.AsyncClient.post`` over httpx's own transport, for context.

Rounds alternate (A B C A B C …); the table reports the median of the per-round ratios.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import socket
import statistics
import time
from collections.abc import Awaitable, Callable

import aiohttp
import httpx
import orjson

from adapters.base import AdapterConfig, CallContext
from adapters.http import RestClient, network_transport, open_http_client, xroad_headers

ROUNDS = 7
CALLS = 200
FINS = ["5ZX3K8P", "7QW2R9T", "3KP8M2X"]
CTX = CallContext(user_id="bench", issue="BENCH")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(port: int) -> None:
    import uvicorn

    from mocks.app import create_mock_app
    from mocks.generate import generate_world

    world = generate_world(seed=7, households=20)
    app = create_mock_app(world, dev=False, base_url=f"http://127.0.0.1:{port}")
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")


async def _wait_until_up(base: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(250):
            try:
                await client.get(f"{base}/property?wsdl")
                return
            except httpx.TransportError:
                await asyncio.sleep(0.02)
    raise RuntimeError("the mock server did not start")


async def _cpu_per_call(call: Callable[[], Awaitable[object]]) -> float:
    await call()  # warm the connection
    start = time.process_time()
    for _ in range(CALLS):
        await call()
    return (time.process_time() - start) / CALLS


async def _measure(base: str) -> list[str]:
    config = AdapterConfig(agency_urls={"population": f"{base}/population"})
    body = orjson.dumps({"fins": FINS})
    url = f"{base}/population/persons:batch"

    async with aiohttp.ClientSession() as session:

        async def plain() -> object:
            headers = {**xroad_headers(config, CTX), "Content-Type": "application/json"}
            async with session.post(url, data=body, headers=headers) as response:
                return orjson.loads(await response.read())

        aiohttp_transport = network_transport(config)
        adapter_http = open_http_client("population", config, aiohttp_transport)
        adapter = RestClient("population", config, adapter_http, aiohttp_transport)
        httpx_http = httpx.AsyncClient(base_url=config.url("population"), timeout=3.0)

        async def ours() -> object:
            return await adapter.post_json("/persons:batch", {"fins": FINS}, CTX)

        async def httpx_own() -> object:
            # the plain httpx way: AsyncClient.post over httpx's own transport
            headers = {**xroad_headers(config, CTX), "Content-Type": "application/json"}
            response = await httpx_http.post("/persons:batch", content=body, headers=headers)
            return orjson.loads(response.content)

        rounds: list[tuple[float, float, float]] = []
        try:
            for _ in range(ROUNDS):
                rounds.append(
                    (
                        await _cpu_per_call(plain),
                        await _cpu_per_call(ours),
                        await _cpu_per_call(httpx_own),
                    )
                )
        finally:
            await adapter_http.aclose()
            await httpx_http.aclose()

    def median_ms(i: int) -> float:
        return statistics.median(r[i] for r in rounds) * 1000

    ratio_ours = statistics.median(r[1] / r[0] for r in rounds)
    ratio_httpx = statistics.median(r[2] / r[0] for r in rounds)
    verdict = "meets" if ratio_ours <= 2.0 else "misses"
    return [
        "## Upstream client CPU per call (population persons:batch, loopback uvicorn)",
        "",
        f"{ROUNDS} rounds × {CALLS} sequential calls each; median of per-round ratios.",
        "",
        "| client | CPU per call (ms) | ÷ plain aiohttp |",
        "|---|---:|---:|",
        f"| plain aiohttp | {median_ms(0):.3f} | 1.00 |",
        f"| adapters (RestClient over httpx-aiohttp) | {median_ms(1):.3f} | {ratio_ours:.2f} |",
        f"| plain httpx (AsyncClient, own transport) | {median_ms(2):.3f} | {ratio_httpx:.2f} |",
        "",
        f"Bar: adapters ÷ plain aiohttp ≤ 2 — {verdict} ({ratio_ours:.2f}).",
    ]


def main() -> list[str]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = multiprocessing.get_context("spawn").Process(target=_serve, args=(port,), daemon=True)
    server.start()
    try:
        asyncio.run(_wait_until_up(base))
        return asyncio.run(_measure(base))
    finally:
        server.terminate()
        server.join(timeout=10)


if __name__ == "__main__":
    print("\n".join(main()))
