"""The disability adapter: impairment percent, group, child disability, validity."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.agency import AgencyCore, fetcher
from adapters.base import Batch, CallContext
from adapters.disability import mapping
from adapters.disability.client import DisabilityClient
from adapters.records import DisabilityRecord

AGENCY = "disability"


class DisabilityAdapter:
    def __init__(self, core: AgencyCore, client: DisabilityClient) -> None:
        self.core = core
        self.client = client

    async def disabilities(
        self, fins: Sequence[str], ctx: CallContext
    ) -> Batch[str, DisabilityRecord]:
        """The disability record by FIN; absent when none."""
        fetch = fetcher(AGENCY, lambda c: self.client.disabilities(c, ctx), mapping.disabilities)
        return await self.core.batch("disabilities", fins, fetch)
