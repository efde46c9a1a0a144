"""I/O only: the Ministry of Justice's SOAP operations (vendored WSDL)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from adapters.base import CallContext
from adapters.soap import SoapClient

BINDING = "JusticeBinding"


def _year_month(value: date) -> tuple[int, int, None]:
    # zeep writes xs:gYearMonth from (year, month, tzinfo)
    return (value.year, value.month, None)


class JusticeClient:
    def __init__(self, soap: SoapClient) -> None:
        self.soap = soap

    async def sentences(self, fins: Sequence[str], ctx: CallContext) -> Any:
        return await self.soap.call("GetSentences", ctx, fins={"fin": list(fins)})

    async def civil_status(self, fins: Sequence[str], ctx: CallContext) -> Any:
        return await self.soap.call("GetCivilStatus", ctx, fins={"fin": list(fins)})

    async def alimony(
        self, fins: Sequence[str], first_month: date, last_month: date, ctx: CallContext
    ) -> Any:
        months = {"from": _year_month(first_month), "until": _year_month(last_month)}
        return await self.soap.call("GetAlimony", ctx, fins={"fin": list(fins)}, **months)
