"""I/O only: the migration and border services' SOAP operations (vendored WSDL)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from adapters.base import CallContext
from adapters.soap import SoapClient

BINDING = "MigrationBinding"


class MigrationClient:
    def __init__(self, soap: SoapClient) -> None:
        self.soap = soap

    async def residence(self, fins: Sequence[str], ctx: CallContext) -> Any:
        return await self.soap.call("GetResidenceStatus", ctx, fins={"fin": list(fins)})

    async def border_crossings(self, fins: Sequence[str], ctx: CallContext) -> Any:
        return await self.soap.call("GetBorderCrossings", ctx, fins={"fin": list(fins)})
