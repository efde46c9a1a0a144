"""I/O only: the farmer registry's REST endpoint."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from adapters.base import CallContext
from adapters.http import RestClient


class AgricultureClient:
    def __init__(self, rest: RestClient) -> None:
        self.rest = rest

    async def farmers(self, fins: Sequence[str], ctx: CallContext) -> Any:
        return await self.rest.post_json("/farmers:batch", {"fins": list(fins)}, ctx)
