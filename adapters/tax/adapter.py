"""The tax adapter: taxpayer registrations and monthly incomes, batched, cached and guarded."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from adapters.agency import AgencyCore
from adapters.base import Batch, CallContext
from adapters.http import map_http_errors
from adapters.records import MonthlyIncomeRecord, TaxpayerRecord
from adapters.shape import month_text
from adapters.tax import mapping
from adapters.tax.client import TaxClient

AGENCY = "tax"


class TaxAdapter:
    def __init__(self, core: AgencyCore, client: TaxClient) -> None:
        self.core = core
        self.client = client

    async def taxpayers(
        self, fins: Sequence[str], ctx: CallContext
    ) -> Batch[str, tuple[TaxpayerRecord, ...]]:
        """Taxpayer registrations by FIN (entrepreneur, or employee by the employer's VÖEN);
        every FIN asked is a key, ``()`` when none."""

        async def fetch(chunk: list[str]) -> dict[str, tuple[TaxpayerRecord, ...]]:
            payload = await self.client.taxpayers(chunk, ctx)
            with map_http_errors(AGENCY):
                return mapping.taxpayers(payload, set(chunk))

        return await self.core.batch("taxpayers", fins, fetch, default=())

    async def incomes(
        self, fins: Sequence[str], first_month: date, last_month: date, ctx: CallContext
    ) -> Batch[str, tuple[MonthlyIncomeRecord, ...]]:
        """Wage, entrepreneur and rent income by FIN for the months ``first_month`` to
        ``last_month`` inclusive (months as first days), sorted by month; ``()`` when none."""

        async def fetch(chunk: list[str]) -> dict[str, tuple[MonthlyIncomeRecord, ...]]:
            payload = await self.client.incomes(chunk, first_month, last_month, ctx)
            with map_http_errors(AGENCY):
                return mapping.incomes(payload, set(chunk))

        args = (month_text(first_month), month_text(last_month))
        return await self.core.batch("incomes", fins, fetch, args=args, default=())
