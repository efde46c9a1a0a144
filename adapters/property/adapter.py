"""The property adapter: real estate by owner FIN, batched, cached and guarded."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.agency import AgencyCore, fetcher
from adapters.base import Batch, CallContext
from adapters.property import mapping
from adapters.property.client import PropertyClient
from adapters.records import RealEstateRecord

AGENCY = "property"


class PropertyAdapter:
    def __init__(self, core: AgencyCore, client: PropertyClient) -> None:
        self.core = core
        self.client = client

    async def real_estate(
        self, fins: Sequence[str], ctx: CallContext
    ) -> Batch[str, tuple[RealEstateRecord, ...]]:
        """Real-estate objects of which each FIN is an owner; ``()`` when none."""
        fetch = fetcher(AGENCY, lambda c: self.client.real_estate(c, ctx), mapping.real_estate)
        return await self.core.batch("real_estate", fins, fetch, default=())
