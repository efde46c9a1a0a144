"""The education adapter: full-time study and scholarships."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from adapters.agency import AgencyCore, fetcher
from adapters.base import Batch, CallContext
from adapters.education import mapping
from adapters.education.client import EducationClient
from adapters.records import MonthlyIncomeRecord, StudyRecord
from adapters.shape import month_text

AGENCY = "education"


class EducationAdapter:
    def __init__(self, core: AgencyCore, client: EducationClient) -> None:
        self.core = core
        self.client = client

    async def studies(
        self, fins: Sequence[str], ctx: CallContext
    ) -> Batch[str, tuple[StudyRecord, ...]]:
        """Studies by FIN (sorted by start); ``()`` when none."""
        fetch = fetcher(AGENCY, lambda c: self.client.studies(c, ctx), mapping.studies)
        return await self.core.batch("studies", fins, fetch, default=())

    async def scholarships(
        self, fins: Sequence[str], first_month: date, last_month: date, ctx: CallContext
    ) -> Batch[str, tuple[MonthlyIncomeRecord, ...]]:
        """Scholarship by FIN and month; ``()`` when none."""
        fetch = fetcher(
            AGENCY,
            lambda c: self.client.scholarships(c, first_month, last_month, ctx),
            mapping.scholarships,
        )
        args = (month_text(first_month), month_text(last_month))
        return await self.core.batch("scholarships", fins, fetch, args=args, default=())
