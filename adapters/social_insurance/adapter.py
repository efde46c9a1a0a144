"""The social insurance adapter: contracts, pensions and benefits, TSA history, findings,
residence in state care; batched, cached and guarded."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from adapters.agency import AgencyCore, fetcher
from adapters.base import Batch, CallContext
from adapters.records import AssignmentRecord, ContractRecord, FindingRecord, MonthlyIncomeRecord
from adapters.shape import month_text
from adapters.social_insurance import mapping
from adapters.social_insurance.client import SocialInsuranceClient

AGENCY = "social_insurance"


class SocialInsuranceAdapter:
    def __init__(self, core: AgencyCore, client: SocialInsuranceClient) -> None:
        self.core = core
        self.client = client

    async def contracts(
        self, fins: Sequence[str], ctx: CallContext
    ) -> Batch[str, tuple[ContractRecord, ...]]:
        """Employment contracts by FIN (sorted by start); ``()`` when none."""
        fetch = fetcher(AGENCY, lambda c: self.client.contracts(c, ctx), mapping.contracts)
        return await self.core.batch("contracts", fins, fetch, default=())

    async def payments(
        self, fins: Sequence[str], first_month: date, last_month: date, ctx: CallContext
    ) -> Batch[str, tuple[MonthlyIncomeRecord, ...]]:
        """Pension, benefit, TSA and liberated-territories benefit by FIN and month, for
        ``first_month``..``last_month`` inclusive; ``()`` when none."""
        fetch = fetcher(
            AGENCY,
            lambda c: self.client.payments(c, first_month, last_month, ctx),
            mapping.payments,
        )
        args = (month_text(first_month), month_text(last_month))
        return await self.core.batch("payments", fins, fetch, args=args, default=())

    async def assignments(
        self, fins: Sequence[str], ctx: CallContext
    ) -> Batch[str, tuple[AssignmentRecord, ...]]:
        """Past and active TSA assignments by FIN (sorted by start); ``()`` when none."""
        fetch = fetcher(AGENCY, lambda c: self.client.assignments(c, ctx), mapping.assignments)
        return await self.core.batch("assignments", fins, fetch, default=())

    async def findings(self, fins: Sequence[str], ctx: CallContext) -> Batch[str, FindingRecord]:
        """The latest false-information finding by FIN; absent when none."""
        fetch = fetcher(AGENCY, lambda c: self.client.findings(c, ctx), mapping.findings)
        return await self.core.batch("findings", fins, fetch)

    async def state_care(self, fins: Sequence[str], ctx: CallContext) -> Batch[str, bool]:
        """Whether each FIN lives in state care (every FIN asked is a key)."""
        fetch = fetcher(AGENCY, lambda c: self.client.state_care(c, ctx), mapping.state_care)
        return await self.core.batch("state_care", fins, fetch, default=False)
