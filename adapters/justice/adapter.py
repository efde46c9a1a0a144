"""The justice adapter: sentences being served, civil status, alimony by month."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from adapters.agency import AgencyCore, fetcher
from adapters.base import Batch, CallContext
from adapters.justice import mapping
from adapters.justice.client import JusticeClient
from adapters.records import CivilStatusRecord, MonthlyIncomeRecord, SentenceRecord
from adapters.shape import month_text

AGENCY = "justice"


class JusticeAdapter:
    def __init__(self, core: AgencyCore, client: JusticeClient) -> None:
        self.core = core
        self.client = client

    async def sentences(
        self, fins: Sequence[str], ctx: CallContext
    ) -> Batch[str, tuple[SentenceRecord, ...]]:
        """Prison sentences being served, by FIN; ``()`` when none."""
        fetch = fetcher(AGENCY, lambda c: self.client.sentences(c, ctx), mapping.sentences)
        return await self.core.batch("sentences", fins, fetch, default=())

    async def civil_status(
        self, fins: Sequence[str], ctx: CallContext
    ) -> Batch[str, CivilStatusRecord]:
        """Death records and court declarations by FIN; absent when no record."""
        fetch = fetcher(AGENCY, lambda c: self.client.civil_status(c, ctx), mapping.civil_status)
        return await self.core.batch("civil_status", fins, fetch)

    async def alimony(
        self, fins: Sequence[str], first_month: date, last_month: date, ctx: CallContext
    ) -> Batch[str, tuple[MonthlyIncomeRecord, ...]]:
        """Alimony received by FIN and month; ``()`` when none."""
        fetch = fetcher(
            AGENCY,
            lambda c: self.client.alimony(c, first_month, last_month, ctx),
            mapping.alimony,
        )
        args = (month_text(first_month), month_text(last_month))
        return await self.core.batch("alimony", fins, fetch, args=args, default=())
