"""The conscription adapter: active fixed-term military service by FIN."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.agency import AgencyCore, fetcher
from adapters.base import Batch, CallContext
from adapters.conscription import mapping
from adapters.conscription.client import ConscriptionClient
from adapters.records import ServiceRecord

AGENCY = "conscription"


class ConscriptionAdapter:
    def __init__(self, core: AgencyCore, client: ConscriptionClient) -> None:
        self.core = core
        self.client = client

    async def active_service(
        self, fins: Sequence[str], ctx: CallContext
    ) -> Batch[str, tuple[ServiceRecord, ...]]:
        """Active fixed-term service by FIN; ``()`` when none."""
        fetch = fetcher(
            AGENCY, lambda c: self.client.active_service(c, ctx), mapping.active_service
        )
        return await self.core.batch("active_service", fins, fetch, default=())
