"""The gateway wired to the mock agencies in-process (``httpx.ASGITransport``, no sockets), over
a world file of this folder or a generated world. Retries run without back-off sleeps."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import stamina

from gateway.settings import Settings
from mocks.world import World
from mocks.world_io import load_world
from tests.stack import Stack, stack_settings
from tests.stack import open_stack as open_gateway_stack

__all__ = ["Stack", "open_stack", "settings_for"]

WORLDS = Path(__file__).parent / "worlds"
TODAY = date(2026, 11, 15)


@asynccontextmanager
async def open_stack(world: World, settings: Settings) -> AsyncIterator[Stack]:
    """The gateway and every mock agency over ``world``, in-process; the database (the audit
    log) in a temporary folder."""
    with tempfile.TemporaryDirectory() as folder:
        settings = replace(
            settings,
            database_url=f"sqlite+aiosqlite:///{folder}/vemtas.db",
            var_dir=Path(folder) / "var",
        )
        async with open_gateway_stack(settings, world) as stack:
            yield stack


def settings_for(today: date) -> Settings:
    return stack_settings(today)


@pytest.fixture(autouse=True)
def _fast_retries() -> Iterator[None]:
    # three attempts, no back-off sleeps: an agency that is down fails fast
    with stamina.set_testing(True, attempts=3):
        yield


@pytest.fixture(scope="session")
def grounds_world() -> World:
    return load_world(WORLDS / "grounds.yaml")


@pytest.fixture
async def stack(grounds_world: World) -> AsyncIterator[Stack]:
    async with open_stack(grounds_world, settings_for(TODAY)) as opened:
        yield opened
