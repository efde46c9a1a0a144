"""The servers some tests need (PostgreSQL, Redis, node), in one place.

Each helper returns what the test needs, or skips the test saying why and when it runs; with
``VEMTAS_TEST_REQUIRE_SERVICES=1`` (set by ``CI=true bash .ci/run``) it fails instead, so CI
can never pass by skipping them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from adapters.db.engine import create_engine

POSTGRES_URL = os.environ.get("VEMTAS_TEST_POSTGRES_URL", "")
REDIS_URL = os.environ.get("VEMTAS_TEST_REDIS_URL", "")
REQUIRE_SERVICES = os.environ.get("VEMTAS_TEST_REQUIRE_SERVICES") == "1"

_reachable: dict[str, bool] = {}


def unavailable(why: str, runs_when: str) -> None:
    """Skip (or, when services are required, fail) with the reason and how to run the test."""
    message = f"{why}; runs when {runs_when} (CI=true bash .ci/run does, and requires it)"
    if REQUIRE_SERVICES:
        pytest.fail(f"VEMTAS_TEST_REQUIRE_SERVICES=1: {message}")
    pytest.skip(message)


async def postgres_reachable(url: str) -> bool:
    if url not in _reachable:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                await connection.execute(sa.text("SELECT 1"))
            _reachable[url] = True
        except Exception:
            _reachable[url] = False
        finally:
            await engine.dispose()
    return _reachable[url]


async def require_postgres() -> str:
    """The PostgreSQL URL of ``VEMTAS_TEST_POSTGRES_URL``, reachable, or skip/fail."""
    runs_when = "VEMTAS_TEST_POSTGRES_URL names a reachable PostgreSQL"
    if not POSTGRES_URL:
        unavailable("VEMTAS_TEST_POSTGRES_URL is not set", runs_when)
    if not await postgres_reachable(POSTGRES_URL):
        unavailable("PostgreSQL at VEMTAS_TEST_POSTGRES_URL does not answer", runs_when)
    return POSTGRES_URL


def require_redis() -> str:
    """The Redis URL of ``VEMTAS_TEST_REDIS_URL``, or skip/fail."""
    if not REDIS_URL:
        unavailable(
            "VEMTAS_TEST_REDIS_URL is not set", "VEMTAS_TEST_REDIS_URL names a Redis server"
        )
    return REDIS_URL


def require_node_package(folder: Path, package: str) -> str:
    """The ``node`` executable, with ``package`` installed under ``folder`` (by ``make node``)."""
    node = shutil.which("node")
    if node is None or not (folder / "node_modules" / package).is_dir():
        unavailable(
            f"node or {package} is not installed",
            f"node is on PATH and `make node` installed {package}",
        )
    assert node is not None
    return node
