"""I/O only: the three utility providers' REST endpoints (docs/agency-protocols.md)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from adapters.base import CallContext
from adapters.http import RestClient
from adapters.records import UtilityKind
from adapters.shape import month_text


class UtilitiesClient:
    def __init__(self, rest: RestClient) -> None:
        self.rest = rest

    async def charges(
        self,
        kind: UtilityKind,
        addresses: Sequence[str],
        first_month: date,
        last_month: date,
        ctx: CallContext,
    ) -> Any:
        body = {
            "addresses": list(addresses),
            "from": month_text(first_month),
            "until": month_text(last_month),
        }
        return await self.rest.post_json(f"/{kind.value}/charges:batch", body, ctx)
