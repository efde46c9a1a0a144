"""The migration adapter: residence status and border crossings by FIN."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.agency import AgencyCore, fetcher
from adapters.base import Batch, CallContext
from adapters.migration import mapping
from adapters.migration.client import MigrationClient
from adapters.records import BorderCrossingRecord, ResidenceStatusRecord

AGENCY = "migration"


class MigrationAdapter:
    def __init__(self, core: AgencyCore, client: MigrationClient) -> None:
        self.core = core
        self.client = client

    async def residence(
        self, fins: Sequence[str], ctx: CallContext
    ) -> Batch[str, ResidenceStatusRecord]:
        """Residence status by FIN (citizen living abroad, country); absent when no record."""
        fetch = fetcher(AGENCY, lambda c: self.client.residence(c, ctx), mapping.residence)
        return await self.core.batch("residence", fins, fetch)

    async def border_crossings(
        self, fins: Sequence[str], ctx: CallContext
    ) -> Batch[str, tuple[BorderCrossingRecord, ...]]:
        """Border crossings by FIN, oldest first; ``()`` when none."""
        fetch = fetcher(
            AGENCY, lambda c: self.client.border_crossings(c, ctx), mapping.border_crossings
        )
        return await self.core.batch("border_crossings", fins, fetch, default=())
