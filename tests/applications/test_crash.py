"""A ``kill -9`` at each step between registration and the last notice, then a restart: zero
lost and zero duplicated card orders and messages.

Real processes on loopback: the mock agencies (``vemtas mocks serve``), the gateway
(``vemtas serve``) and the worker (``vemtas worker``), over a file-based SQLite database and,
when ``VEMTAS_TEST_POSTGRES_URL`` is set, a fresh PostgreSQL database. A process is killed by
itself with SIGKILL (exactly a ``kill -9``) at a named step (``VEMTAS_CRASH_AT``, honoured in
the dev profile only), one step after the other, each on a family of its own; then a healthy
gateway and worker finish the work. The bank's and the messaging gateway's own records
(``/_admin/bank/orders``, ``/_admin/messaging/outbox``) must then hold exactly one card order
and exactly one of each notice per application.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.settings import AGENCY_KEYS
from mocks.identity import issue_token
from tests.applications.conftest import SUBMIT, WORLDS, granted_family, require_postgres
from tests.loopback import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

VEMTAS = str(Path(sys.executable).with_name("vemtas"))
GATEWAY_STEPS = ("after-register", "after-begin-assessment", "after-decision")
WORKER_STEPS = ("after-claim", "after-bank-call", "after-message-call", "after-complete")
DEADLINE = 90.0


@dataclass
class Processes:
    """Every process a test started, killed (by pid) when it ends."""

    logs: Path
    started: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}-{len(self.started)}.log").open("wb")
        process = subprocess.Popen(
            [VEMTAS, *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop_all takes its children too
        )
        log.close()
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.started:
            with contextlib.suppress(ProcessLookupError):  # the group may be gone already
                os.killpg(process.pid, signal.SIGKILL)
            if process.poll() is None:
                process.wait(timeout=10)


async def _died(process: subprocess.Popen[bytes], limit: float = 60.0) -> int:
    deadline = time.monotonic() + limit
    while process.poll() is None:
        if time.monotonic() > deadline:
            raise AssertionError(f"process {process.args!r} did not crash at its step")
        await asyncio.sleep(0.05)
    return int(process.returncode)


async def _ready(url: str, limit: float = 90.0) -> None:
    deadline = time.monotonic() + limit
    async with httpx.AsyncClient() as client:
        while True:
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{url} never answered")
            await asyncio.sleep(0.1)


@pytest.fixture(scope="module")
def processes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Processes]:
    started = Processes(tmp_path_factory.mktemp("logs"))
    try:
        yield started
    finally:
        started.stop_all()


@pytest.fixture(scope="module")
def mocks_base(processes: Processes) -> str:
    port = free_port()
    world = str(WORLDS / "applications.yaml")
    processes.start("mocks", ["mocks", "serve", "--port", str(port), "--world", world], _env({}))
    base = f"http://127.0.0.1:{port}"
    asyncio.run(_ready(f"{base}/_admin/world"))
    return base


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VEMTAS_")}
    return {**env, **extra}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/crash.db"
        return
    url = await require_postgres()
    import asyncpg  # type: ignore[import-untyped]

    name = f"vemtas_crash_{uuid.uuid4().hex[:12]}"
    plain = url.replace("postgresql+asyncpg://", "postgresql://")
    admin = await asyncpg.connect(plain)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@dataclass
class Gateway:
    process: subprocess.Popen[bytes]
    url: str


@dataclass
class Journey:
    processes: Processes
    mocks: str
    env: dict[str, str]

    def start_gateway(self, crash_at: str | None = None) -> Gateway:
        env = {**self.env, "VEMTAS_CRASH_AT": crash_at} if crash_at else self.env
        port = free_port()
        process = self.processes.start(
            f"gateway-{crash_at or 'healthy'}", ["serve", "--port", str(port)], env
        )
        return Gateway(process, f"http://127.0.0.1:{port}")

    def start_worker(self, crash_at: str | None = None) -> subprocess.Popen[bytes]:
        env = {**self.env, "VEMTAS_CRASH_AT": crash_at} if crash_at else self.env
        return self.processes.start(f"worker-{crash_at or 'healthy'}", ["worker"], env)

    def token(self, fin: str) -> str:
        return issue_token(
            issuer=f"{self.mocks}/identity", role="citizen", sub=f"citizen-{fin}", fin=fin
        )

    async def submit(self, gateway: Gateway, n: int) -> dict[str, Any] | None:
        """Submit family G<n>; None when the gateway died before it answered."""
        fields = {"idempotencyKey": f"crash-{n:02d}", **granted_family(n)}
        headers = {"Authorization": f"Bearer {self.token(f'G{n:02d}A1XZ')}"}
        async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as client:
            try:
                response = await client.post(
                    "/graphql",
                    json={"query": SUBMIT, "variables": {"input": fields}},
                    headers=headers,
                )
            except httpx.HTTPError:
                return None
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        payload: dict[str, Any] = body["data"]["submitApplication"]["application"]
        return payload

    async def admin(self, path: str, key: str) -> list[dict[str, Any]]:
        async with httpx.AsyncClient(base_url=self.mocks, timeout=10) as client:
            found: list[dict[str, Any]] = (await client.get(path)).json()[key]
        return found

    async def settled(self, application_ids: set[str]) -> tuple[list[Any], list[Any]]:
        """Wait until every application has its card and six notices (bounded)."""
        deadline = time.monotonic() + DEADLINE
        while True:
            orders = [
                o
                for o in await self.admin("/_admin/bank/orders", "orders")
                if o["application_id"] in application_ids
            ]
            messages = [
                m
                for m in await self.admin("/_admin/messaging/outbox", "messages")
                if m["idempotency_key"].split(":")[1] in application_ids
            ]
            if len(orders) >= len(application_ids) and len(messages) >= 6 * len(application_ids):
                return orders, messages
            if time.monotonic() > deadline:
                raise AssertionError(f"lost: {len(orders)} orders, {len(messages)} messages")
            await asyncio.sleep(0.2)


async def test_a_kill_at_every_step_loses_and_duplicates_nothing(
    processes: Processes, mocks_base: str, database_url: str, tmp_path: Path
) -> None:
    agencies = {f"VEMTAS_AGENCY_{key.upper()}_URL": f"{mocks_base}/{key}" for key in AGENCY_KEYS}
    env = _env(
        {
            **agencies,
            "VEMTAS_PROFILE": "dev",
            "VEMTAS_CLOCK": "2026-11-15",
            "VEMTAS_DATABASE_URL": database_url,
            "VEMTAS_VAR_DIR": str(tmp_path / "var"),
            "VEMTAS_TAKEOVER_SECONDS": "1",
            "VEMTAS_OUTBOX_LEASE_SECONDS": "1",
            "VEMTAS_OUTBOX_BACKOFF_SECONDS": "0.2",
            "VEMTAS_WORKER_POLL_SECONDS": "0.1",
            "VEMTAS_DECISION_BUDGET_MS": "10000",
        }
    )
    upgrade = [VEMTAS, "db", "upgrade"]
    await asyncio.to_thread(subprocess.run, upgrade, env=env, check=True, capture_output=True)
    journey = Journey(processes, mocks_base, env)
    families = iter(range(1, 41) if "sqlite" in database_url else range(40, 0, -1))
    submitted: dict[int, str | None] = {}

    # a gateway dies at each step of a submission; a healthy worker takes over (the gateways
    # start together, on ports of their own, to save time)
    worker = journey.start_worker()
    crashing = {step: journey.start_gateway(crash_at=step) for step in GATEWAY_STEPS}
    gateway = journey.start_gateway()
    for step, doomed in crashing.items():
        await _ready(f"{doomed.url}/healthz")
        n = next(families)
        assert await journey.submit(doomed, n) is None, f"the gateway answered despite {step}"
        assert await _died(doomed.process) == -signal.SIGKILL
        submitted[n] = None
    await _ready(f"{gateway.url}/healthz")
    for n in list(submitted):
        again = await journey.submit(gateway, n)  # the family tries again with the same key
        assert again is not None
        submitted[n] = again["id"]

    # the worker dies at each step of the deliveries; the next one picks up after the lease
    os.kill(worker.pid, signal.SIGKILL)
    for step in WORKER_STEPS:
        n = next(families)
        application = await journey.submit(gateway, n)
        assert application is not None and application["status"] == "GRANTED"
        submitted[n] = application["id"]
        worker = journey.start_worker(crash_at=step)
        assert await _died(worker) == -signal.SIGKILL
    worker = journey.start_worker()

    ids = {application_id for application_id in submitted.values() if application_id}
    assert len(ids) == len(GATEWAY_STEPS) + len(WORKER_STEPS)
    orders, messages = await journey.settled(ids)
    await asyncio.sleep(1.5)  # anything late would be a duplicate
    orders, messages = await journey.settled(ids)
    assert Counter(o["application_id"] for o in orders) == dict.fromkeys(ids, 1)
    keys = [m["idempotency_key"] for m in messages]
    assert len(keys) == len(set(keys)) == 6 * len(ids)
    for application_id in ids:
        kinds = sorted(k.split(":")[2] for k in keys if k.split(":")[1] == application_id)
        assert kinds == sorted(["registered", "decided-1", "card-ready"] * 2)
    os.kill(worker.pid, signal.SIGKILL)
    os.kill(gateway.process.pid, signal.SIGKILL)


def _children(pid: int) -> list[int]:
    """The gateway processes uvicorn's supervisor ``pid`` runs (not multiprocessing's resource
    tracker, its other child)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in task.read_text().split():
            try:
                command = Path(f"/proc/{child}/cmdline").read_bytes()
            except OSError:
                continue  # gone meanwhile
            if b"spawn_main" in command:
                found.append(int(child))
    return found


async def _children_count(
    pid: int, count: int, *, without: int | None = None, limit: float = 60.0
) -> list[int]:
    """The supervisor's ``count`` gateway processes, once ``without`` is not one of them."""
    deadline = time.monotonic() + limit
    while len(children := _children(pid)) != count or without in children:
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(children)} gateway processes, not {count}")
        await asyncio.sleep(0.1)
    return children


async def test_gateway_processes_share_one_port_and_one_database(
    processes: Processes, mocks_base: str, database_url: str, tmp_path: Path
) -> None:
    """`vemtas serve --workers 2`: two processes answer on one port over one database (the
    dev profile migrates it once, first); applications submitted to both at once get distinct
    numbers and one decision each; a process killed with -9 is replaced and the port goes on
    answering."""
    agencies = {f"VEMTAS_AGENCY_{key.upper()}_URL": f"{mocks_base}/{key}" for key in AGENCY_KEYS}
    env = _env(
        {
            **agencies,
            "VEMTAS_PROFILE": "dev",
            "VEMTAS_CLOCK": "2026-11-15",
            "VEMTAS_DATABASE_URL": database_url,
            "VEMTAS_VAR_DIR": str(tmp_path / "var"),
            "VEMTAS_DECISION_BUDGET_MS": "10000",
        }
    )
    journey = Journey(processes, mocks_base, env)
    port = free_port()
    supervisor = processes.start("gateways", ["serve", "--port", str(port), "--workers", "2"], env)
    gateway = Gateway(supervisor, f"http://127.0.0.1:{port}")
    await _ready(f"{gateway.url}/readyz")
    first, second = await _children_count(supervisor.pid, 2)

    families = range(20, 28) if "sqlite" in database_url else range(28, 36)
    answers = await asyncio.gather(*(journey.submit(gateway, n) for n in families))
    assert all(a is not None and a["status"] == "GRANTED" for a in answers), answers
    assert len({a["id"] for a in answers if a}) == len(families)
    assert len({a["number"] for a in answers if a}) == len(families)

    os.kill(first, signal.SIGKILL)
    replaced = await _children_count(supervisor.pid, 2, without=first)
    assert first not in replaced and second in replaced
    await _ready(f"{gateway.url}/readyz")
    again = await journey.submit(gateway, families[0])  # the same key: the same application
    assert again is not None and again["id"] == answers[0]["id"]  # type: ignore[index]

    supervisor.terminate()
    assert supervisor.wait(timeout=30) == 0


def test_several_gateway_processes_are_not_started_with_the_mocks() -> None:
    refused = subprocess.run(
        [VEMTAS, "serve", "--workers", "2", "--with-mocks"], capture_output=True, timeout=60
    )
    assert refused.returncode != 0
    assert b"--workers" in refused.stderr and b"--with-mocks" in refused.stderr
    nothing = subprocess.run([VEMTAS, "serve", "--workers", "0"], capture_output=True, timeout=60)
    assert nothing.returncode != 0 and b"--workers must be at least 1" in nothing.stderr
