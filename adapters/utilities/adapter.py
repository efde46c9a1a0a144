"""The utilities adapter: monthly charges by household address, per provider."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from adapters.agency import AgencyCore
from adapters.base import Batch, CallContext
from adapters.http import map_http_errors
from adapters.records import UtilityChargeRecord, UtilityKind
from adapters.shape import month_text
from adapters.utilities import mapping
from adapters.utilities.client import UtilitiesClient

AGENCY = "utilities"
PROVIDERS = frozenset({UtilityKind.ELECTRICITY, UtilityKind.GAS, UtilityKind.WATER})


class UtilitiesAdapter:
    def __init__(self, core: AgencyCore, client: UtilitiesClient) -> None:
        self.core = core
        self.client = client

    async def charges(
        self,
        kind: UtilityKind,
        addresses: Sequence[str],
        first_month: date,
        last_month: date,
        ctx: CallContext,
    ) -> Batch[str, tuple[UtilityChargeRecord, ...]]:
        """Charges of ``kind`` (electricity, gas or water) by the address asked, for the months
        ``first_month``..``last_month`` inclusive; ``()`` for an address with no meter or no
        charge. ``ValueError`` for ``UtilityKind.COMMUNICATION`` (that is ``telecom``)."""
        if kind not in PROVIDERS:
            raise ValueError("utilities serve electricity, gas and water only")

        async def fetch(chunk: list[str]) -> dict[str, tuple[UtilityChargeRecord, ...]]:
            payload = await self.client.charges(kind, chunk, first_month, last_month, ctx)
            with map_http_errors(AGENCY):
                return mapping.charges(kind, payload, set(chunk))

        args = (kind.value, month_text(first_month), month_text(last_month))
        return await self.core.batch("charges", addresses, fetch, args=args, default=())
