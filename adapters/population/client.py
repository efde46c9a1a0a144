"""I/O only: the population registry's REST endpoints (docs/agency-protocols.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from adapters.base import CallContext
from adapters.http import RestClient


class PopulationClient:
    def __init__(self, rest: RestClient) -> None:
        self.rest = rest

    async def persons(self, fins: Sequence[str], ctx: CallContext) -> Any:
        return await self.rest.post_json("/persons:batch", {"fins": list(fins)}, ctx)

    async def families(self, fins: Sequence[str], ctx: CallContext) -> Any:
        return await self.rest.post_json("/families:batch", {"fins": list(fins)}, ctx)

    async def families_by_id(self, household_ids: Sequence[str], ctx: CallContext) -> Any:
        return await self.rest.post_json(
            "/families:by-id", {"household_ids": list(household_ids)}, ctx
        )

    async def family(self, household_id: str, ctx: CallContext) -> Any:
        """The family record, or raises ``AgencyNotFound`` (404)."""
        path = "/families/" + quote(household_id, safe="")
        return await self.rest.get_json(path, ctx, not_found=True)
