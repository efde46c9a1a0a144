"""The vehicles adapter: vehicles owned or used, by FIN."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.agency import AgencyCore, fetcher
from adapters.base import Batch, CallContext
from adapters.records import VehicleRecord
from adapters.vehicles import mapping
from adapters.vehicles.client import VehiclesClient

AGENCY = "vehicles"


class VehiclesAdapter:
    def __init__(self, core: AgencyCore, client: VehiclesClient) -> None:
        self.core = core
        self.client = client

    async def vehicles(
        self, fins: Sequence[str], ctx: CallContext
    ) -> Batch[str, tuple[VehicleRecord, ...]]:
        """Vehicles where each FIN is owner or registered user; ``()`` when none."""
        fetch = fetcher(AGENCY, lambda c: self.client.vehicles(c, ctx), mapping.vehicles)
        return await self.core.batch("vehicles", fins, fetch, default=())
