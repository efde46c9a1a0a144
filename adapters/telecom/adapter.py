"""The telecom adapter: communication charges by FIN and month."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from adapters.agency import AgencyCore, fetcher
from adapters.base import Batch, CallContext
from adapters.records import UtilityChargeRecord
from adapters.shape import month_text
from adapters.telecom import mapping
from adapters.telecom.client import TelecomClient

AGENCY = "telecom"


class TelecomAdapter:
    def __init__(self, core: AgencyCore, client: TelecomClient) -> None:
        self.core = core
        self.client = client

    async def charges(
        self, fins: Sequence[str], first_month: date, last_month: date, ctx: CallContext
    ) -> Batch[str, tuple[UtilityChargeRecord, ...]]:
        """Communication charges by FIN (kind ``COMMUNICATION``, ``fin`` set), by month;
        ``()`` when none."""
        fetch = fetcher(
            AGENCY,
            lambda c: self.client.charges(c, first_month, last_month, ctx),
            mapping.charges,
        )
        args = (month_text(first_month), month_text(last_month))
        return await self.core.batch("charges", fins, fetch, args=args, default=())
