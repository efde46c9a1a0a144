"""The gateway wired to the real mock agencies in-process (see ``tests/stack.py``), over the
three families of ``world.yaml``, on 2026-11-15."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from gateway.settings import Settings
from tests.stack import BASE, Stack, open_stack, stack_settings

__all__ = ["BASE", "TODAY", "Stack"]

TODAY = date(2026, 11, 15)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return stack_settings(TODAY, tmp_path)


@pytest.fixture
async def stack(settings: Settings) -> AsyncIterator[Stack]:
    async with open_stack(settings) as opened:
        yield opened
