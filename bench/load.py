"""Load benchmark (quality.md): latency spread at half the maximum rate, and the gateway's
resident memory under that load, with the mocks serving a 100,000-family world.

Everything runs as separate processes on 127.0.0.1, started through the CLI exactly as an
operator would: ``vemtas world generate`` writes the world once into a temporary JSON file,
``vemtas mocks serve --world FILE`` serves every agency and the identity provider from it, and
``vemtas serve`` runs the gateway against them (agency and OIDC URLs, a pinned clock, and a
temporary SQLite database and var directory, all through ``VEMTAS_*`` variables). This process
is only the load generator (aiohttp).

The request is a realistic household read, ``household(fin) { members monthlyIncomes properties
utilityCharges }`` (population, tax, property and utilities registries), by an auditor. The
family mix: about 80 % of requests name a family not yet asked in this run (a spread sample of
the whole world, so every agency is called), about 20 % repeat one of the last 200 families asked
(answered from the gateway's agency cache); the actual counts are reported.

1. Maximum rate: a closed loop of :data:`CLIENTS` concurrent clients for
   :data:`CLOSED_SECONDS` (after a short warm-up); successful answers per second.
2. Constant arrival rate at half that maximum for :data:`OPEN_SECONDS`, open loop: request
   ``i`` is due at ``start + i / rate`` whatever happened to the others, and its latency is
   counted from when it was due (no coordinated omission). p50, p99, their ratio, and errors.
3. During phase 2 the gateway's resident memory (``VmRSS`` from ``/proc``, the gateway process
   and any children it starts) is sampled every :data:`RSS_INTERVAL` seconds: peak and median.

For context the table also gives the CPU each process spent per request in phase 1, and how many
cores *other* processes on the machine kept busy during phase 2 (a busy neighbour shows up in
the p99).

``VEMTAS_BENCH_HOUSEHOLDS`` sets a smaller world for quick runs (the memory bar is stated for
100,000 families, and the table says which size was measured). Every process started here is
terminated in a ``finally`` (SIGTERM to its process group, SIGKILL after a grace period), every
wait is bounded, and nothing listens beyond loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import statistics
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench.processes import (
    Process,
    clean_env,
    cpu_seconds,
    free_port,
    machine_busy_seconds,
    start,
    tree_rss,
    vemtas,
)
from gateway.settings import AGENCY_KEYS
from mocks.generate import DEFAULT_AS_OF, generate_household
from mocks.identity import issue_token

HOUSEHOLDS = 100_000
SEED = 1
CLIENTS = 16
WARMUP_SECONDS = 2.0
CLOSED_SECONDS = 10.0
OPEN_SECONDS = 20.0
REPEAT_SHARE = 0.2
RECENT_FAMILIES = 200
RSS_INTERVAL = 0.1
REQUEST_TIMEOUT = 10.0
MAX_IN_FLIGHT = 512
FRESH_POOL = 6_000

WORLD_TIMEOUT = 300.0
MOCKS_READY_TIMEOUT = 180.0
GATEWAY_READY_TIMEOUT = 60.0

HOUSEHOLD_QUERY = """query($fin: FIN!) { household(fin: $fin) { id
  members { person { fin firstName lastName } relation }
  monthlyIncomes(sources: [WAGE, ENTREPRENEUR, RENT]) { fin month source amount }
  properties { id value }
  utilityCharges(kinds: [ELECTRICITY, GAS, WATER]) { kind month amount } } }"""


@dataclass(frozen=True)
class LoadPlan:
    """How big and how long: the defaults are the bar's; the smoke test shrinks them."""

    households: int = HOUSEHOLDS
    clients: int = CLIENTS
    warmup_seconds: float = WARMUP_SECONDS
    closed_seconds: float = CLOSED_SECONDS
    open_seconds: float = OPEN_SECONDS
    seed: int = SEED


@dataclass(frozen=True)
class LoadResult:
    """What one run measured (latencies in seconds, memory in bytes)."""

    plan: LoadPlan
    max_rate: float
    target_rate: float
    sent: int
    ok: int
    errors: int
    error_kinds: Mapping[str, int]
    p50: float
    p99: float
    fresh_p50: float
    fresh_p99: float
    repeat_p50: float
    rss_idle: int
    rss_peak: int
    rss_median: int
    rss_samples: int
    other_cores: float
    mocks_rss: int
    cpu_ms_per_request: Mapping[str, float]
    fresh_requests: int
    repeat_requests: int


# --- processes ---------------------------------------------------------------------------------


def _generate_world(households: int, seed: int, target: Path, workdir: Path) -> None:
    process = start(
        "world",
        [
            *vemtas(),
            "world",
            "generate",
            "--households",
            str(households),
            "--seed",
            str(seed),
            "-o",
            str(target),
        ],
        clean_env(),
        workdir,
    )
    try:
        code = process.popen.wait(WORLD_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"world generation took over {WORLD_TIMEOUT:.0f} s") from None
    finally:
        process.stop()
    if code != 0:
        raise RuntimeError(f"vemtas world generate failed ({code}):\n{process.tail()}")


def _gateway_env(mocks_base: str, workdir: Path) -> dict[str, str]:
    env = clean_env()
    for key in AGENCY_KEYS:
        env[f"VEMTAS_AGENCY_{key.upper()}_URL"] = f"{mocks_base}/{key}"
    env |= {
        "VEMTAS_PROFILE": "dev",
        "VEMTAS_OIDC_ISSUER": f"{mocks_base}/identity",
        "VEMTAS_OIDC_JWKS_URL": f"{mocks_base}/identity/jwks",
        "VEMTAS_CLOCK": DEFAULT_AS_OF.isoformat(),
        "VEMTAS_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'vemtas.db'}",
        "VEMTAS_VAR_DIR": str(workdir / "var"),
    }
    return env


async def _wait_ready(
    session: aiohttp.ClientSession, url: str, process: Process, within: float
) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(
                f"{process.name} exited ({process.popen.returncode}):\n{process.tail()}"
            )
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with session.get(url, timeout=aiohttp.ClientTimeout(total=2)) as r:
                if r.status == 200:
                    return
        await asyncio.sleep(0.25)
    raise RuntimeError(f"{process.name} not ready after {within:.0f} s:\n{process.tail()}")


async def _sample_rss(pid: int, samples: list[int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        samples.append(tree_rss(pid))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), RSS_INTERVAL)


# --- the family mix ---------------------------------------------------------------------------


@dataclass
class FamilyMix:
    """Which family each request asks for: mostly families not yet asked in this run, spread
    over the whole world, and a share of repeats among the most recently asked (cache hits)."""

    fresh: list[str]
    repeat_share: float = REPEAT_SHARE
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    recent: list[str] = field(default_factory=list)
    position: int = 0
    fresh_count: int = 0
    repeat_count: int = 0

    @classmethod
    def sample(cls, households: int, seed: int, size: int = FRESH_POOL) -> FamilyMix:
        """A FIN of each of ``size`` families drawn from the whole generated world (the same
        families the mocks serve: the generator is deterministic per index and seed)."""
        rng = random.Random(seed)
        indexes = rng.sample(range(1, households + 1), min(size, households))
        fins = [generate_household(i, seed, DEFAULT_AS_OF).members[0].fin for i in indexes]
        return cls(fresh=fins, rng=rng)

    def next(self) -> tuple[str, bool]:
        """The FIN to ask for next, and whether it repeats a recently asked family."""
        exhausted = self.position >= len(self.fresh)
        if self.recent and (exhausted or self.rng.random() < self.repeat_share):
            self.repeat_count += 1
            return self.rng.choice(self.recent), True
        fin = self.fresh[self.position]
        self.position += 1
        self.fresh_count += 1
        self.recent.append(fin)
        if len(self.recent) > RECENT_FAMILIES:
            del self.recent[0]
        return fin, False


# --- load -------------------------------------------------------------------------------------


@dataclass
class _Tally:
    fresh: list[float] = field(default_factory=list)
    repeat: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    sent: int = 0

    @property
    def latencies(self) -> list[float]:
        return self.fresh + self.repeat

    def succeed(self, latency: float, repeat: bool) -> None:
        (self.repeat if repeat else self.fresh).append(latency)

    def fail(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


class _Client:
    def __init__(self, session: aiohttp.ClientSession, url: str, token: str) -> None:
        self.session = session
        self.url = url
        self.headers = {"Authorization": f"Bearer {token}"}

    async def ask(self, fin: str) -> str | None:
        """One household query; None when it answered in full, else the kind of failure."""
        payload: dict[str, Any] = {"query": HOUSEHOLD_QUERY, "variables": {"fin": fin}}
        try:
            async with self.session.post(self.url, json=payload, headers=self.headers) as r:
                if r.status != 200:
                    await r.read()
                    return f"HTTP {r.status}"
                body = await r.json()
        except TimeoutError:
            return "timeout"
        except aiohttp.ClientError as exc:
            return type(exc).__name__
        if body.get("errors"):
            code = (body["errors"][0].get("extensions") or {}).get("code", "error")
            return f"GraphQL {code}"
        if not (body.get("data") or {}).get("household"):
            return "no household"
        return None


async def _closed_loop(
    client: _Client, mix: FamilyMix, clients: int, seconds: float
) -> tuple[float, _Tally]:
    tally = _Tally()
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            tally.sent += 1
            fin, repeat = mix.next()
            failure = await client.ask(fin)
            if failure is None:
                tally.succeed(time.perf_counter() - t0, repeat)
            else:
                tally.fail(failure)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return len(tally.latencies) / (time.perf_counter() - started), tally


async def _open_loop(client: _Client, mix: FamilyMix, rate: float, seconds: float) -> _Tally:
    tally = _Tally()
    in_flight: set[asyncio.Task[None]] = set()

    async def one(due: float) -> None:
        fin, repeat = mix.next()
        failure = await client.ask(fin)
        if failure is None:
            tally.succeed(time.perf_counter() - due, repeat)
        else:
            tally.fail(failure)

    start = time.perf_counter()
    total = max(1, int(rate * seconds))
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tally.sent += 1
        if len(in_flight) >= MAX_IN_FLIGHT:
            tally.fail("client backlog full")
            continue
        task = asyncio.create_task(one(due))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
    if in_flight:
        await asyncio.wait(in_flight, timeout=REQUEST_TIMEOUT + 1)
        for task in list(in_flight):
            task.cancel()
            tally.fail("unfinished")
    return tally


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _drive(
    plan: LoadPlan, gateway: Process, mocks: Process, gw: str, mocks_base: str, mix: FamilyMix
) -> LoadResult:
    token = issue_token(issuer=f"{mocks_base}/identity", role="auditor", sub="load-bench", ttl=3600)
    connector = aiohttp.TCPConnector(limit=MAX_IN_FLIGHT, force_close=False)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await _wait_ready(
            session,
            f"{mocks_base}/identity/.well-known/openid-configuration",
            mocks,
            MOCKS_READY_TIMEOUT,
        )
        await _wait_ready(session, f"{gw}/readyz", gateway, GATEWAY_READY_TIMEOUT)
        client = _Client(session, f"{gw}/graphql", token)
        first = await client.ask(mix.next()[0])  # JWKS fetch, connections, parser caches
        if first is not None:
            raise RuntimeError(f"the household query fails ({first}):\n{gateway.tail()}")
        await _closed_loop(client, mix, plan.clients, plan.warmup_seconds)
        rss_idle = tree_rss(gateway.popen.pid)
        pids = {"gateway": gateway.popen.pid, "mocks": mocks.popen.pid, "load": os.getpid()}
        # this process started the other two: its own time only
        cpu_before = {n: cpu_seconds(pid, children=n != "load") for n, pid in pids.items()}
        max_rate, closed = await _closed_loop(client, mix, plan.clients, plan.closed_seconds)
        cpu_ms = {
            n: (cpu_seconds(pid, children=n != "load") - cpu_before[n]) * 1000 / max(1, closed.sent)
            for n, pid in pids.items()
        }
        if max_rate <= 0:
            raise RuntimeError(f"no successful answer under load: {closed.errors}")
        samples: list[int] = []
        stop = asyncio.Event()
        sampler = asyncio.create_task(_sample_rss(gateway.popen.pid, samples, stop))
        ours_before = sum(cpu_seconds(pid, children=n != "load") for n, pid in pids.items())
        busy_before, started = machine_busy_seconds(), time.perf_counter()
        try:
            target = max_rate / 2
            tally = await _open_loop(client, mix, target, plan.open_seconds)
        finally:
            stop.set()
            await sampler
        ours = sum(cpu_seconds(pid, children=n != "load") for n, pid in pids.items())
        others = machine_busy_seconds() - busy_before - (ours - ours_before)
        other_cores = max(0.0, others / (time.perf_counter() - started))
    return LoadResult(
        plan=plan,
        max_rate=max_rate,
        target_rate=target,
        sent=tally.sent,
        ok=len(tally.latencies),
        errors=sum(tally.errors.values()),
        error_kinds=dict(tally.errors),
        p50=_percentile(tally.latencies, 0.50),
        p99=_percentile(tally.latencies, 0.99),
        fresh_p50=_percentile(tally.fresh, 0.50),
        fresh_p99=_percentile(tally.fresh, 0.99),
        repeat_p50=_percentile(tally.repeat, 0.50),
        rss_idle=rss_idle,
        rss_peak=max(samples, default=0),
        rss_median=int(statistics.median(samples)) if samples else 0,
        rss_samples=len(samples),
        other_cores=other_cores,
        mocks_rss=tree_rss(mocks.popen.pid),
        cpu_ms_per_request=cpu_ms,
        fresh_requests=mix.fresh_count,
        repeat_requests=mix.repeat_count,
    )


def run(plan: LoadPlan) -> LoadResult:
    """Generate the world, start the mocks and the gateway, measure, and stop everything."""
    with tempfile.TemporaryDirectory(prefix="vemtas-load-") as tmp:
        workdir = Path(tmp)
        (workdir / "var").mkdir()
        world = workdir / "world.json"
        _generate_world(plan.households, plan.seed, world, workdir)
        mocks_port, gateway_port = free_port(), free_port()
        mocks_base = f"http://127.0.0.1:{mocks_port}"
        gw = f"http://127.0.0.1:{gateway_port}"
        env = _gateway_env(mocks_base, workdir)
        started: list[Process] = []
        try:
            mocks = start(
                "mocks",
                [*vemtas(), "mocks", "serve", "--world", str(world), "--port", str(mocks_port)],
                clean_env(),
                workdir,
            )
            started.append(mocks)
            upgrade = start("db-upgrade", [*vemtas(), "db", "upgrade"], env, workdir)
            started.append(upgrade)
            try:
                code = upgrade.popen.wait(GATEWAY_READY_TIMEOUT)
            except subprocess.TimeoutExpired:
                raise RuntimeError("vemtas db upgrade did not finish") from None
            if code != 0:
                raise RuntimeError(f"vemtas db upgrade failed ({code}):\n{upgrade.tail()}")
            gateway = start(
                "gateway", [*vemtas(), "serve", "--port", str(gateway_port)], env, workdir
            )
            started.append(gateway)
            # while the mocks load the world: the families to ask for
            mix = FamilyMix.sample(plan.households, plan.seed)
            return asyncio.run(_drive(plan, gateway, mocks, gw, mocks_base, mix))
        finally:
            for process in reversed(started):
                process.stop()


def _households_from_env() -> int:
    raw = os.environ.get("VEMTAS_BENCH_HOUSEHOLDS", "")
    if not raw:
        return HOUSEHOLDS
    try:
        households = int(raw)
    except ValueError:
        raise SystemExit(f"VEMTAS_BENCH_HOUSEHOLDS must be a whole number, got {raw!r}") from None
    if not 100 <= households <= 1_000_000:
        raise SystemExit("VEMTAS_BENCH_HOUSEHOLDS must be from 100 to 1,000,000")
    return households


def _mb(value: int) -> str:
    return f"{value / 1_000_000:.0f} MB"


def report(result: LoadResult) -> list[str]:
    """The Markdown section for bench/results.md."""
    plan = result.plan
    world = f"{plan.households:,}-family world"
    if plan.households != HOUSEHOLDS:
        world += f" (the bar is stated for {HOUSEHOLDS:,})"
    errors = (
        ", ".join(f"{kind} {n}" for kind, n in sorted(result.error_kinds.items()))
        if result.errors
        else "none"
    )
    ratio = result.p99 / result.p50 if result.p50 > 0 else float("nan")
    return [
        "## Load",
        "",
        f"Gateway (`vemtas serve`) and mocks (`vemtas mocks serve`, {world}, mocks "
        f"{_mb(result.mocks_rss)} resident) as separate processes on loopback; household query "
        "(members, monthlyIncomes, properties, utilityCharges) as an auditor, "
        f"{result.fresh_requests:,} requests over the run for families not asked before and "
        f"{result.repeat_requests:,} repeats of recent ones (cached). Maximum rate: "
        f"{plan.clients} closed-loop clients for {plan.closed_seconds:.0f} s, CPU per request "
        "there: "
        + ", ".join(f"{k} {v:.1f} ms" for k, v in result.cpu_ms_per_request.items())
        + f" ({os.cpu_count()} cores shared by all three; other processes kept "
        f"{result.other_cores:.1f} cores busy during the constant-rate phase).",
        "",
        "| bar | target | measured |",
        "|---|---|---|",
        f"| p99 ÷ p50 latency at half the maximum rate ({result.target_rate:.0f} req/s constant "
        f"arrival for {plan.open_seconds:.0f} s; maximum {result.max_rate:.0f} req/s) | ≤ 3 | "
        f"{ratio:.2f} (p50 {result.p50 * 1000:.0f} ms, p99 {result.p99 * 1000:.0f} ms; families "
        f"not asked before: p50 {result.fresh_p50 * 1000:.0f} ms, p99 "
        f"{result.fresh_p99 * 1000:.0f} ms; repeats: p50 {result.repeat_p50 * 1000:.0f} ms; "
        f"{result.sent:,} requests, errors: {errors}) |",
        f"| gateway resident memory under that load, {world} | ≤ 200 MB | peak "
        f"{_mb(result.rss_peak)} (median {_mb(result.rss_median)} over {result.rss_samples} "
        f"samples; {_mb(result.rss_idle)} after warm-up) |",
    ]


def main() -> list[str]:
    return report(run(LoadPlan(households=_households_from_env())))


if __name__ == "__main__":
    print("\n".join(main()))
