"""The agriculture adapter: land and livestock of registered farmers."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.agency import AgencyCore, fetcher
from adapters.agriculture import mapping
from adapters.agriculture.client import AgricultureClient
from adapters.base import Batch, CallContext
from adapters.records import FarmerRecord

AGENCY = "agriculture"


class AgricultureAdapter:
    def __init__(self, core: AgencyCore, client: AgricultureClient) -> None:
        self.core = core
        self.client = client

    async def farmers(self, fins: Sequence[str], ctx: CallContext) -> Batch[str, FarmerRecord]:
        """The farmer record by FIN; absent when not registered."""
        fetch = fetcher(AGENCY, lambda c: self.client.farmers(c, ctx), mapping.farmers)
        return await self.core.batch("farmers", fins, fetch)
