"""The employment adapter: job-seeker registration, unemployment insurance, refused offers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from adapters.agency import AgencyCore, fetcher
from adapters.base import Batch, CallContext
from adapters.employment import mapping
from adapters.employment.client import EmploymentClient
from adapters.records import JobseekerRecord, MonthlyIncomeRecord, RefusedOfferRecord
from adapters.shape import month_text

AGENCY = "employment"


class EmploymentAdapter:
    def __init__(self, core: AgencyCore, client: EmploymentClient) -> None:
        self.core = core
        self.client = client

    async def jobseekers(
        self, fins: Sequence[str], ctx: CallContext
    ) -> Batch[str, JobseekerRecord]:
        """The job-seeker registration by FIN; absent when not registered."""
        fetch = fetcher(AGENCY, lambda c: self.client.jobseekers(c, ctx), mapping.jobseekers)
        return await self.core.batch("jobseekers", fins, fetch)

    async def insurance_payments(
        self, fins: Sequence[str], first_month: date, last_month: date, ctx: CallContext
    ) -> Batch[str, tuple[MonthlyIncomeRecord, ...]]:
        """Unemployment insurance by FIN and month; ``()`` when none."""
        fetch = fetcher(
            AGENCY,
            lambda c: self.client.insurance_payments(c, first_month, last_month, ctx),
            mapping.insurance_payments,
        )
        args = (month_text(first_month), month_text(last_month))
        return await self.core.batch("insurance_payments", fins, fetch, args=args, default=())

    async def refused_offers(
        self, fins: Sequence[str], ctx: CallContext
    ) -> Batch[str, tuple[RefusedOfferRecord, ...]]:
        """Suitable job offers refused, by FIN (oldest first); ``()`` when none."""
        fetch = fetcher(
            AGENCY, lambda c: self.client.refused_offers(c, ctx), mapping.refused_offers
        )
        return await self.core.batch("refused_offers", fins, fetch, default=())
