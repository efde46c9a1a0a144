"""I/O only: the State Social Protection Fund's REST endpoints (docs/agency-protocols.md)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from adapters.base import CallContext
from adapters.http import RestClient
from adapters.shape import month_text


class SocialInsuranceClient:
    def __init__(self, rest: RestClient) -> None:
        self.rest = rest

    async def contracts(self, fins: Sequence[str], ctx: CallContext) -> Any:
        return await self.rest.post_json("/contracts:batch", {"fins": list(fins)}, ctx)

    async def payments(
        self, fins: Sequence[str], first_month: date, last_month: date, ctx: CallContext
    ) -> Any:
        body = {
            "fins": list(fins),
            "from": month_text(first_month),
            "until": month_text(last_month),
        }
        return await self.rest.post_json("/payments:batch", body, ctx)

    async def assignments(self, fins: Sequence[str], ctx: CallContext) -> Any:
        return await self.rest.post_json("/assignments:batch", {"fins": list(fins)}, ctx)

    async def findings(self, fins: Sequence[str], ctx: CallContext) -> Any:
        return await self.rest.post_json("/findings:batch", {"fins": list(fins)}, ctx)

    async def state_care(self, fins: Sequence[str], ctx: CallContext) -> Any:
        return await self.rest.post_json("/state-care:batch", {"fins": list(fins)}, ctx)
