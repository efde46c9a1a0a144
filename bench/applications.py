"""Applications end to end (quality.md): submit → decision → card order → SMS, over a generated
world of 10,000 families, on SQLite and on PostgreSQL.

The mock agencies run in a process of their own (``vemtas mocks serve``, real HTTP on
loopback); the gateway (through ``ASGITransport``, so its own HTTP server is not what is
measured) and the worker run together in this process, as ``vemtas serve --with-mocks`` does.
A few concurrent clients submit ``SUBMISSIONS`` applications of distinct families; the run ends
when every application is decided and every outbox item delivered (the last SMS included).

Reported: applications per second end to end, and the median and p99 latency of
``submitApplication`` (which decides inline within its budget).
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from adapters.db import migrate, open_database
from adapters.db.engine import create_engine
from adapters.db.tables import applications, outbox
from adapters.registry import open_adapters
from assessment.dates import age_on
from gateway.app import adapter_config, create_app
from gateway.settings import Settings
from gateway.worker import running_worker
from mocks.generate import generate_world
from mocks.identity import issue_token
from mocks.world import Member, Relation, World
from resolvers.application_input import PHONE_RE
from resolvers.application_policy import ApplicationPolicy

HOUSEHOLDS = 10_000
SEED = 11
SUBMISSIONS = int(os.environ.get("VEMTAS_BENCH_SUBMISSIONS", "500"))
CLIENTS = int(os.environ.get("VEMTAS_BENCH_CLIENTS", "16"))
TODAY = date(2026, 11, 15)
TARGET = 100.0

SUBMIT = """
mutation($input: SubmitApplicationInput!) {
  submitApplication(input: $input) { application { id status } userErrors { code } }
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _representative(members: tuple[Member, ...]) -> Member | None:
    """An adult counted member who can apply (the head, else the spouse)."""
    for relation in (Relation.HEAD, Relation.SPOUSE):
        for m in members:
            if (
                m.relation is relation
                and m.died_on is None
                and age_on(m.birth_date, TODAY) >= 18
                and m.citizenship == "AZ"
                and not (m.wanted or m.lives_abroad or m.in_state_care or m.missing)
                and (m.imprisoned is None or not m.imprisoned.covers(TODAY))
                and (m.conscript is None or not m.conscript.covers(TODAY))
            ):
                return m
    return None


def _inputs(world: World, count: int) -> list[tuple[str, dict[str, Any]]]:
    """(FIN, input) for ``count`` distinct families, each by an eligible representative."""
    run = uuid.uuid4().hex[:8]
    found: list[tuple[str, dict[str, Any]]] = []
    for index, household in enumerate(world.households):
        representative = _representative(household.members)
        if representative is None:
            continue
        phone = representative.phone
        if phone is None or not PHONE_RE.fullmatch(phone):
            phone = f"+99450{index:07d}"
        found.append(
            (
                representative.fin,
                {
                    "idempotencyKey": f"bench-{run}-{index:05d}",
                    "representativeFin": representative.fin,
                    "representativeIdCard": representative.id_card,
                    "members": [m.fin for m in household.members if m.died_on is None],
                    "phone": phone,
                },
            )
        )
        if len(found) == count:
            break
    return found


async def _ready(url: str, limit: float = 120.0) -> None:
    deadline = time.monotonic() + limit
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} did not start")


@dataclass
class Result:
    database: str
    submitted: int
    rate: float
    p50_ms: float
    p99_ms: float
    outcomes: dict[str, int]
    gateway_cpu_ms: float = 0.0  # gateway and worker (this process), per application
    mocks_cpu_ms: float = 0.0  # the mock agencies' process, per application


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _pending(url: str, schema: str | None) -> tuple[int, int]:
    engine = create_engine(url, schema=schema)
    try:
        async with engine.connect() as connection:
            undelivered = await connection.scalar(
                sa.select(sa.func.count()).select_from(outbox).where(outbox.c.status != "DONE")
            )
            undecided = await connection.scalar(
                sa.select(sa.func.count())
                .select_from(applications)
                .where(applications.c.status.not_in(["GRANTED", "REFUSED"]))
            )
    finally:
        await engine.dispose()
    return int(undelivered or 0), int(undecided or 0)


async def _measured(
    name: str,
    url: str,
    schema: str | None,
    mocks: tuple[str, int],
    inputs: list[tuple[str, dict[str, Any]]],
) -> Result:
    base, pid = mocks
    before = _cpu_seconds(pid)
    result = await _run(name, url, schema, base, inputs)
    return replace(result, mocks_cpu_ms=(_cpu_seconds(pid) - before) / len(inputs) * 1000)


async def _run(
    name: str, url: str, schema: str | None, mocks: str, inputs: list[tuple[str, dict[str, Any]]]
) -> Result:
    settings = replace(
        Settings.from_env({"VEMTAS_CLOCK": TODAY.isoformat()}).with_agency_urls(mocks),
        database_url=url,
        var_dir=Path(tempfile.mkdtemp(prefix="vemtas-bench-")),
        agency_deadline=10.0,
    )
    policy = ApplicationPolicy(decision_budget=10.0, takeover_after=300.0)
    await migrate.upgrade(url, schema=schema)
    latencies: list[float] = []
    outcomes: dict[str, int] = {}
    async with AsyncExitStack() as stack:
        database = await stack.enter_async_context(open_database(url, schema=schema))
        adapters = await stack.enter_async_context(open_adapters(adapter_config(settings)))
        app = create_app(settings, adapters, database=database, policy=policy)
        await stack.enter_async_context(app.router.lifespan_context(app))
        client = await stack.enter_async_context(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://gateway", timeout=60
            )
        )
        await stack.enter_async_context(
            running_worker(adapters, database, policy, lambda: TODAY, poll_interval=0.05)
        )
        queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
        for item in inputs:
            queue.put_nowait(item)

        async def client_loop() -> None:
            while not queue.empty():
                fin, fields = queue.get_nowait()
                token = issue_token(
                    issuer=settings.oidc_issuer, role="citizen", sub=f"citizen-{fin}", fin=fin
                )
                started = time.perf_counter()
                response = await client.post(
                    "/graphql",
                    json={"query": SUBMIT, "variables": {"input": fields}},
                    headers={"Authorization": f"Bearer {token}"},
                )
                latencies.append(time.perf_counter() - started)
                body = response.json()
                payload = body.get("data", {}) and body["data"]["submitApplication"]
                if not payload:
                    key = "error"
                elif payload["application"]:
                    key = payload["application"]["status"]
                else:
                    key = "+".join(e["code"] for e in payload["userErrors"])
                outcomes[key] = outcomes.get(key, 0) + 1

        started = time.perf_counter()
        cpu_started = time.process_time()
        await asyncio.gather(*(client_loop() for _ in range(CLIENTS)))
        while True:
            undelivered, undecided = await _pending(url, schema)
            if undelivered == 0 and undecided == 0:
                break
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    ordered = sorted(latencies)
    return Result(
        database=name,
        submitted=len(inputs),
        rate=len(inputs) / elapsed,
        p50_ms=statistics.median(ordered) * 1000,
        p99_ms=ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        outcomes=outcomes,
        gateway_cpu_ms=cpu / len(inputs) * 1000,
    )


async def _postgres() -> tuple[str, str] | None:
    url = os.environ.get("VEMTAS_BENCH_POSTGRES_URL") or os.environ.get(
        "VEMTAS_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    )
    schema = f"vemtas_bench_{uuid.uuid4().hex[:12]}"
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except Exception:
        return None
    finally:
        await engine.dispose()
    return url, schema


async def _drop_schema(url: str, schema: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        await engine.dispose()


async def _bench() -> list[Result | str]:
    world = generate_world(HOUSEHOLDS, SEED)
    inputs = _inputs(world, 2 * SUBMISSIONS)
    port = _free_port()
    mocks = f"http://127.0.0.1:{port}"
    process = _start_mocks(port)
    results: list[Result | str] = []
    try:
        await _ready(f"{mocks}/_admin/world")
        with tempfile.TemporaryDirectory() as folder:
            sqlite = f"sqlite+aiosqlite:///{folder}/bench.db"
            results.append(
                await _measured("SQLite", sqlite, None, (mocks, process.pid), inputs[:SUBMISSIONS])
            )
        postgres = await _postgres()
        if postgres is None:
            results.append("PostgreSQL: not reachable (set VEMTAS_BENCH_POSTGRES_URL)")
        else:
            url, schema = postgres
            try:
                results.append(
                    await _measured(
                        "PostgreSQL", url, schema, (mocks, process.pid), inputs[SUBMISSIONS:]
                    )
                )
            finally:
                await _drop_schema(url, schema)
    finally:
        process.terminate()
        process.wait(timeout=10)
    return results


def _start_mocks(port: int) -> subprocess.Popen[bytes]:
    """``vemtas mocks serve`` over the same generated world, in a process of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VEMTAS_")}
    vemtas = str(Path(sys.executable).with_name("vemtas"))
    command = [vemtas, "mocks", "serve", "--port", str(port)]
    command += ["--households", str(HOUSEHOLDS), "--seed", str(SEED)]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> list[str]:
    results = asyncio.run(_bench())
    lines = [
        "## Applications end to end",
        "",
        f"{SUBMISSIONS} applications of distinct families of a generated world of "
        f"{HOUSEHOLDS:,} families, {CLIENTS} concurrent clients; mocks in their own process "
        "(HTTP on loopback), gateway and worker together in another. End to end = from the "
        "first submission until every application is decided and every card order and SMS "
        "delivered.",
        "",
        "| database | applications/s end to end (target ≥ 100) | submitApplication p50 | p99 | "
        "CPU per application: this process (clients, gateway, worker) / mocks | outcomes |",
        "|---|---|---|---|---|---|",
    ]
    for result in results:
        if isinstance(result, str):
            lines.append(f"| {result} | | | | | |")
            continue
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(result.outcomes.items()))
        lines.append(
            f"| {result.database} | {result.rate:.1f} | {result.p50_ms:.0f} ms | "
            f"{result.p99_ms:.0f} ms | {result.gateway_cpu_ms:.0f} ms / "
            f"{result.mocks_cpu_ms:.0f} ms | {outcomes} |"
        )
    lines += [
        "",
        "Each application costs about 40 agency calls (identification, then every operation "
        "of the means test, then the bank and the SMS), each carrying the application's id as "
        "its X-Road issue, so calls cannot be shared between applications; and about 80 SQL "
        "statements in 13 transactions (the application's life, the outbox, the audit log). "
        "The gateway process's CPU per application bounds the rate on this machine.",
    ]
    return lines


if __name__ == "__main__":
    print("\n".join(main()))
