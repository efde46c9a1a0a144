"""I/O only: TSERAS's REST endpoint (docs/agency-protocols.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from adapters.base import CallContext
from adapters.http import RestClient


class DisabilityClient:
    def __init__(self, rest: RestClient) -> None:
        self.rest = rest

    async def disabilities(self, fins: Sequence[str], ctx: CallContext) -> Any:
        return await self.rest.post_json("/disabilities:batch", {"fins": list(fins)}, ctx)
