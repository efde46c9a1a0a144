"""`vemtas serve --workers 2`: `/metrics` answers the sum over both gateway processes, the same
on every scrape whichever process accepts it.

Real processes on loopback (the helpers of ``tests/applications/test_crash.py``): the
supervisor and its two processes over a file-based SQLite database; requests each on a new
connection, so that both processes take some.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from tests.applications.test_crash import (
    Processes,
    _children_count,
    _env,
    _ready,
)
from tests.loopback import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REQUESTS = 40
QUERY = {"query": "{ __typename }"}


async def _one_request(url: str) -> int:
    async with httpx.AsyncClient(timeout=30.0) as client:  # a new connection each time
        return (await client.post(f"{url}/graphql", json=QUERY)).status_code


async def _both_started(log: Path, limit: float = 60.0) -> None:
    """Until both processes have finished their start-up (uvicorn logs it once for each):
    before that, the one already up takes every connection."""
    deadline = time.monotonic() + limit
    while (await asyncio.to_thread(log.read_bytes)).count(b"Application startup complete") < 2:
        if time.monotonic() > deadline:
            raise AssertionError("the two gateway processes did not both start")
        await asyncio.sleep(0.1)


def _totals(text: str) -> tuple[dict[str, float], float]:
    """The request counter by status, and the latency histogram's count."""
    by_status: dict[str, float] = {}
    count = -1.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "vemtas_graphql_requests_total":
                by_status[sample.labels["status"]] = sample.value
            elif sample.name == "vemtas_graphql_request_seconds_count":
                count = sample.value
    return by_status, count


def _served(counter_file: Path) -> float:
    """The requests one process counted, from its own file (none: no file)."""
    if not counter_file.exists():
        return 0.0
    return sum(
        sample.value
        for metric in MultiProcessCollector.merge([str(counter_file)])  # type: ignore[no-untyped-call]
        for sample in metric.samples
        if sample.name == "vemtas_graphql_requests_total"
    )


async def test_metrics_sum_over_the_gateway_processes(tmp_path: Path) -> None:
    var = tmp_path / "var"
    env = _env(
        {
            "VEMTAS_PROFILE": "dev",
            "VEMTAS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/gateway.db",
            "VEMTAS_VAR_DIR": str(var),
        }
    )
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    processes = Processes(tmp_path)
    try:
        port = free_port()
        supervisor = processes.start(
            "gateways", ["serve", "--port", str(port), "--workers", "2"], env
        )
        url = f"http://127.0.0.1:{port}"
        await _ready(f"{url}/readyz")
        pids = await _children_count(supervisor.pid, 2)
        await _both_started(tmp_path / "gateways-0.log")

        # one after the other: the process that wakes first takes every connection waiting
        statuses = [await _one_request(url) for _ in range(REQUESTS)]

        # every scrape, a new connection each, whichever process answers: the sum
        for _ in range(8):
            async with httpx.AsyncClient(timeout=30.0) as client:
                scrape = await client.get(f"{url}/metrics")
            assert scrape.status_code == 200
            by_status, count = _totals(scrape.text)
            assert sum(by_status.values()) == REQUESTS
            assert by_status == {str(s): float(statuses.count(s)) for s in set(statuses)}
            assert count == REQUESTS

        # each process kept its own count, and both took some: one process's count is not the sum
        (shared,) = var.glob("metrics-*")
        served = {pid: _served(shared / f"counter_{pid}.db") for pid in pids}
        assert sum(served.values()) == REQUESTS
        assert all(n > 0 for n in served.values()), served

        supervisor.terminate()
        assert supervisor.wait(timeout=30) == 0
        assert not shared.exists()  # the supervisor's directory goes with it
    finally:
        processes.stop_all()
