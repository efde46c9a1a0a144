"""I/O only: the real-estate registry's SOAP operation (vendored ``wsdl/property.wsdl``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from adapters.base import CallContext
from adapters.soap import SoapClient

BINDING = "PropertyBinding"


class PropertyClient:
    def __init__(self, soap: SoapClient) -> None:
        self.soap = soap

    async def real_estate(self, fins: Sequence[str], ctx: CallContext) -> Any:
        return await self.soap.call("GetRealEstateByOwners", ctx, ownerFins={"fin": list(fins)})
