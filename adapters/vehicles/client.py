"""I/O only: the vehicle registry's SOAP operation (vendored WSDL)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from adapters.base import CallContext
from adapters.soap import SoapClient

BINDING = "VehiclesBinding"


class VehiclesClient:
    def __init__(self, soap: SoapClient) -> None:
        self.soap = soap

    async def vehicles(self, fins: Sequence[str], ctx: CallContext) -> Any:
        return await self.soap.call("GetVehiclesByPersons", ctx, fins={"fin": list(fins)})
