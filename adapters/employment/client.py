"""I/O only: the State Employment Agency's REST endpoints (docs/agency-protocols.md)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from adapters.base import CallContext
from adapters.http import RestClient
from adapters.shape import month_text


class EmploymentClient:
    def __init__(self, rest: RestClient) -> None:
        self.rest = rest

    async def jobseekers(self, fins: Sequence[str], ctx: CallContext) -> Any:
        return await self.rest.post_json("/jobseekers:batch", {"fins": list(fins)}, ctx)

    async def insurance_payments(
        self, fins: Sequence[str], first_month: date, last_month: date, ctx: CallContext
    ) -> Any:
        body = {
            "fins": list(fins),
            "from": month_text(first_month),
            "until": month_text(last_month),
        }
        return await self.rest.post_json("/insurance-payments:batch", body, ctx)

    async def refused_offers(self, fins: Sequence[str], ctx: CallContext) -> Any:
        return await self.rest.post_json("/refused-offers:batch", {"fins": list(fins)}, ctx)
