"""The gateway and the mock agencies in-process (as tests/gateway), with the audit log readable:
``stack.audit_rows()`` reads the rows from the same database the gateway writes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import fields
from datetime import date
from pathlib import Path

import pytest

from adapters.db import Database, migrate, open_database
from adapters.db.audit import AuditEntry, AuditLog, AuditRow
from gateway.settings import Settings
from tests import stack
from tests.stack import open_stack, stack_settings

# the world of tests/gateway: three families in three districts
AYNUR, RASHAD = "5ZX3K8P", "7QWE2RT"  # HH-YAS-000001, Yasamal
ELSHAN = "3KLM9NP"  # HH-NSM-000002, Nəsimi
GULNARA = "8XYZ4WV"  # HH-SBL-000003, Səbail


class Stack(stack.Stack):
    """The shared stack, with the audit log readable from the gateway's own database."""

    async def audit_rows(self) -> list[AuditRow]:
        return [row async for row in AuditLog(self.database).rows()]

    async def audit_entries(self) -> list[AuditEntry]:
        return [row.entry for row in await self.audit_rows()]

    def citizen(self, fin: str) -> str:
        return self.token("citizen", sub=f"citizen-{fin}", fin=fin)

    def caseworker(self, *districts: str, sub: str = "caseworker-7") -> str:
        return self.token("caseworker", sub=sub, districts=districts)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return stack_settings(date(2026, 11, 15), tmp_path)


@pytest.fixture
async def stack(settings: Settings) -> AsyncIterator[Stack]:
    async with open_stack(settings) as opened:
        yield Stack(**{f.name: getattr(opened, f.name) for f in fields(opened)})


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated SQLite database of its own, for the audit store's own tests."""
    url = f"sqlite+aiosqlite:///{tmp_path}/audit.db"
    await migrate.upgrade(url)
    async with open_database(url) as opened:
        yield opened
