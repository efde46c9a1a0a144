"""I/O only: the conscription service's SOAP operation (vendored WSDL)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from adapters.base import CallContext
from adapters.soap import SoapClient

BINDING = "ConscriptionBinding"


class ConscriptionClient:
    def __init__(self, soap: SoapClient) -> None:
        self.soap = soap

    async def active_service(self, fins: Sequence[str], ctx: CallContext) -> Any:
        return await self.soap.call("GetActiveService", ctx, fins={"fin": list(fins)})
