"""The gateway and the mock agencies in-process (as tests/gateway), with a way to open a second
stack on other settings (``open_stack``) and to count the agency calls a request caused."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from gateway.settings import Settings
from tests.stack import Stack, open_stack, stack_settings
from tests.stack import running_app as shared_running_app

__all__ = ["AYNUR", "Stack", "open_stack", "running_app"]

AYNUR = "5ZX3K8P"  # HH-YAS-000001, Yasamal


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return stack_settings(date(2026, 11, 15), tmp_path)


@contextlib.asynccontextmanager
async def running_app(
    settings: Settings, jwks_transport: httpx.AsyncBaseTransport | None = None
) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    """The gateway app over the mock agencies in-process (its lifespan not yet entered), and a
    client of the mocks; the identity provider's JWKS from the mocks unless ``jwks_transport``
    answers instead."""
    async with shared_running_app(settings, jwks_transport=jwks_transport) as (app, mocks, _):
        yield app, mocks


@pytest.fixture
async def stack(settings: Settings) -> AsyncIterator[Stack]:
    async with open_stack(settings) as opened:
        yield opened
