"""Gateway benchmarks (quality.md): a household query over five agencies with set latencies,
agency calls for 50 families, cached throughput against a bare strawberry query, and the parser
and validation caches on against off. Mocks run under uvicorn on 127.0.0.1 (real HTTP); the
gateway runs in-process through ASGITransport so its own HTTP server is not what is measured."""

from __future__ import annotations

import asyncio
import socket
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import httpx
import strawberry
import uvicorn

from adapters.base import CallContext
from adapters.registry import open_adapters
from gateway.app import adapter_config, create_app
from gateway.settings import Settings
from mocks.app import create_mock_app
from mocks.generate import generate_world
from mocks.identity import issue_token
from mocks.world import World

LATENCIES_MS = {"population": 20, "tax": 60, "property": 90, "utilities": 120, "migration": 150}
ROUNDS = 15

EVERYTHING = """query($fin: FIN!) { household(fin: $fin) { id
  members { person { fin firstName } }
  monthlyIncomes(sources: [WAGE, ENTREPRENEUR, RENT]) { fin month source amount }
  properties { id value }
  utilityCharges(kinds: [ELECTRICITY, GAS, WATER]) { kind month amount }
  borderCrossings { exitDate } } }"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _start_mocks(world: World) -> tuple[uvicorn.Server, asyncio.Task[None], str]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = uvicorn.Server(
        uvicorn.Config(
            create_mock_app(world, dev=True, base_url=base),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
        )
    )
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.02)
    return server, task, base


async def _rate(call: Callable[[], Awaitable[Any]], seconds: float = 1.0) -> float:
    count = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        await call()
        count += 1
    return count / (time.perf_counter() - started)


@strawberry.type
class _Trivial:
    @strawberry.field
    def hello(self) -> str:
        return "world"


async def _run() -> list[str]:
    world = generate_world(200, 7)
    heads = [h.members[0].fin for h in world.households]
    server, task, base = await _start_mocks(world)
    lines: list[str] = []
    try:
        settings = replace(Settings.from_env({}).with_agency_urls(base), agency_deadline=5.0)
        token = issue_token(
            issuer=settings.oidc_issuer, role="auditor", audience=settings.oidc_audience
        )
        headers = {"Authorization": f"Bearer {token}"}
        admin = httpx.AsyncClient(base_url=base)
        async with open_adapters(adapter_config(settings)) as adapters:
            app = create_app(settings, adapters)
            async with (
                app.router.lifespan_context(app),
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url="http://gw"
                ) as gw,
            ):

                async def query(q: str, variables: dict[str, Any]) -> dict[str, Any]:
                    r = await gw.post(
                        "/graphql", json={"query": q, "variables": variables}, headers=headers
                    )
                    body: dict[str, Any] = r.json()
                    if body.get("errors"):
                        raise RuntimeError(body["errors"])
                    return body

                await query(EVERYTHING, {"fin": heads[0]})  # warm up: JWKS, connections
                for agency, ms in LATENCIES_MS.items():
                    await admin.put(
                        f"/_admin/faults/{agency}",
                        json={"mode": "slow", "latency_ms": ms, "error_rate": 0.0},
                    )
                ctx = CallContext(user_id="bench", issue="benchmark")
                ratios, critical, gw_ms, slow_ms = [], [], [], []
                for i in range(1, ROUNDS + 1):  # fresh family each round: nothing cached
                    fin = heads[i]
                    t0 = time.perf_counter()
                    await query(EVERYTHING, {"fin": fin})
                    a = time.perf_counter() - t0
                    t0 = time.perf_counter()
                    await adapters.migration.border_crossings([heads[i + 100]], ctx)
                    b = time.perf_counter() - t0
                    ratios.append(a / b)
                    slowest_path = (LATENCIES_MS["population"] + LATENCIES_MS["migration"]) / 1000
                    critical.append(a / slowest_path)
                    gw_ms.append(a * 1000)
                    slow_ms.append(b * 1000)
                await admin.delete("/_admin/faults")
                lines += [
                    "## Gateway",
                    "",
                    "| bar | target | measured |",
                    "|---|---|---|",
                    f"| household query over 5 agencies ({', '.join(f'{k} {v} ms' for k, v in LATENCIES_MS.items())}) ÷ slowest agency alone (median of {ROUNDS} A/B rounds) | ≤ 1.10 | {statistics.median(ratios):.2f} (query {statistics.median(gw_ms):.0f} ms, slowest agency {statistics.median(slow_ms):.0f} ms) |",
                    f"| same query ÷ its critical path (population registry, then the slowest agency) | ≤ 1.10 | {statistics.median(critical):.2f} |",
                ]

                # 50 families, one agency-backed field each, through federation _entities
                ids = [h.id for h in world.households[120:170]]
                reps = [{"__typename": "Household", "id": i} for i in ids]
                entities = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Household { monthlyIncomes { amount } } } }"
                await admin.delete("/_admin/calls")
                await query(entities, {"r": reps})
                cold = (await admin.get("/_admin/calls")).json()
                await admin.delete("/_admin/calls")
                await query(entities, {"r": reps})
                warm = (await admin.get("/_admin/calls")).json()

                def per_agency(calls: dict[str, dict[str, Any]]) -> str:
                    used = {
                        a: sum(op["count"] for op in ops.values())
                        for a, ops in calls.items()
                        if ops
                    }
                    return ", ".join(f"{a} {n}" for a, n in sorted(used.items())) or "none"

                lines.append(
                    f"| agency calls, 50 households × monthlyIncomes (`_entities`) | ≤ 1 per agency; 0 cached | {per_agency(cold)}; cached: {per_agency(warm)} |"
                )

                # cached household query vs a bare strawberry trivial query
                trivial = strawberry.Schema(query=_Trivial)
                from strawberry.asgi import GraphQL

                trivial_client = httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=GraphQL(trivial)), base_url="http://t"
                )
                members_q = "query($fin: FIN!) { household(fin: $fin) { id members { person { fin firstName } } } }"
                await query(members_q, {"fin": heads[1]})

                async def cached_query() -> None:
                    await query(members_q, {"fin": heads[1]})

                async def trivial_query() -> None:
                    await trivial_client.post("/graphql", json={"query": "{ hello }"})

                tput = []
                rates = []
                for _ in range(5):
                    a_rate = await _rate(cached_query, 0.6)
                    b_rate = await _rate(trivial_query, 0.6)
                    tput.append(a_rate / b_rate)
                    rates.append((a_rate, b_rate))
                await trivial_client.aclose()
                lines.append(
                    f"| cached household query ÷ bare strawberry `{{ hello }}`, requests/s | ≥ 0.15 | {statistics.median(tput):.2f} ({statistics.median(r[0] for r in rates):.0f} vs {statistics.median(r[1] for r in rates):.0f} req/s) |"
                )
        await admin.aclose()
    finally:
        server.should_exit = True
        await task

    # parser and validation caches, on the schema itself (execution included)
    from schema.schema import build_schema

    doc = "{ __typename " + " ".join(f"f{i}: __typename" for i in range(20)) + " }"
    with_caches, without = build_schema(caches=True), build_schema(caches=False)

    async def exec_with() -> None:
        await with_caches.execute(doc)

    async def exec_without() -> None:
        await without.execute(doc)

    cache_ratios = []
    for _ in range(5):
        cache_ratios.append(await _rate(exec_with, 0.4) / await _rate(exec_without, 0.4))
    lines.append(
        f"| parser and validation caches on ÷ off (21-field document, execution included) | ≥ 4× | {statistics.median(cache_ratios):.1f}× |"
    )
    return lines


def main() -> list[str]:
    return asyncio.run(_run())


if __name__ == "__main__":
    print("\n".join(main()))
