"""I/O only: the Ministry of Science and Education's REST endpoints."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from adapters.base import CallContext
from adapters.http import RestClient
from adapters.shape import month_text


class EducationClient:
    def __init__(self, rest: RestClient) -> None:
        self.rest = rest

    async def studies(self, fins: Sequence[str], ctx: CallContext) -> Any:
        return await self.rest.post_json("/studies:batch", {"fins": list(fins)}, ctx)

    async def scholarships(
        self, fins: Sequence[str], first_month: date, last_month: date, ctx: CallContext
    ) -> Any:
        body = {
            "fins": list(fins),
            "from": month_text(first_month),
            "until": month_text(last_month),
        }
        return await self.rest.post_json("/scholarships:batch", body, ctx)
