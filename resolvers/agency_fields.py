"""Use cases behind the agency-backed fields of a household and a person beyond the first five
agencies: incomes and charges from every source, vehicles, disability, employment, studies.

Each reads through the request's DataLoaders (one call per agency operation per request) and
calls only the agencies the field needs; an agency that fails raises its ``AgencyError``, which
the schema shows as that field ``null`` with ``extensions.code`` and ``extensions.agency``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Iterable
from datetime import date
from typing import TypeVar

from adapters.records import (
    ContractRecord,
    DisabilityRecord,
    FamilyRecord,
    IncomeSource,
    JobseekerRecord,
    MonthlyIncomeRecord,
    RefusedOfferRecord,
    StudyRecord,
    UtilityChargeRecord,
    UtilityKind,
    VehicleRecord,
)
from resolvers.context import RequestContext
from resolvers.households import UTILITY_PROVIDERS, income_window

T = TypeVar("T")

# Which agency pays or records each income source (agencies.md).
INCOME_AGENCY: dict[IncomeSource, str] = {
    IncomeSource.WAGE: "tax",
    IncomeSource.ENTREPRENEUR: "tax",
    IncomeSource.RENT: "tax",
    IncomeSource.PENSION: "social_insurance",
    IncomeSource.BENEFIT: "social_insurance",
    IncomeSource.TSA: "social_insurance",
    IncomeSource.LIBERATED_TERRITORIES_BENEFIT: "social_insurance",
    IncomeSource.UNEMPLOYMENT_INSURANCE: "employment",
    IncomeSource.SCHOLARSHIP: "education",
    IncomeSource.ALIMONY: "justice",
}


async def _each(fins: list[str], load: Callable[[str], Awaitable[tuple[T, ...]]]) -> list[T]:
    groups = await asyncio.gather(*(load(fin) for fin in fins))
    return [item for group in groups for item in group]


async def monthly_incomes(
    ctx: RequestContext,
    family: FamilyRecord,
    months: int,
    before: date | None,
    sources: Collection[IncomeSource] | None,
) -> list[tuple[MonthlyIncomeRecord, str]]:
    """The members' incomes by month from every agency that records them (or only those of
    ``sources``), each with the agency's key; oldest first."""
    first, last = income_window(ctx, months, before)
    wanted = set(INCOME_AGENCY) if sources is None else set(sources)
    agencies = {INCOME_AGENCY[s] for s in wanted}
    fins = [m.fin for m in family.members]
    loaders = {
        "tax": ctx.tax_incomes(first, last),
        "social_insurance": ctx.social_insurance_payments(first, last),
        "employment": ctx.insurance_payments(first, last),
        "education": ctx.scholarships(first, last),
        "justice": ctx.alimony(first, last),
    }
    asked = [agency for agency in loaders if agency in agencies]
    answers = await asyncio.gather(*(_each(fins, loaders[agency].load) for agency in asked))
    found = [
        (record, agency)
        for agency, records in zip(asked, answers, strict=True)
        for record in records
        if record.source in wanted
    ]
    return sorted(found, key=lambda x: (x[0].month, x[0].fin, x[0].source.value))


async def utility_charges(
    ctx: RequestContext,
    family: FamilyRecord,
    months: int,
    before: date | None,
    kinds: Collection[UtilityKind] | None,
) -> list[UtilityChargeRecord]:
    """Electricity, gas and water at the family's address and the members' communication
    charges (or only ``kinds``), oldest first."""
    first, last = income_window(ctx, months, before)
    wanted = set(UtilityKind) if kinds is None else set(kinds)
    calls: list[Awaitable[tuple[UtilityChargeRecord, ...]]] = [
        ctx.utility_charges(kind, first, last).load(family.address)
        for kind in UTILITY_PROVIDERS
        if kind in wanted
    ]
    groups = list(await asyncio.gather(*calls))
    if UtilityKind.COMMUNICATION in wanted:
        telecom = ctx.telecom_charges(first, last)
        groups.append(tuple(await _each([m.fin for m in family.members], telecom.load)))
    found = [charge for group in groups for charge in group]
    return sorted(found, key=lambda r: (r.month, r.kind.value, r.meter_id or "", r.fin or ""))


async def vehicles(ctx: RequestContext, family: FamilyRecord) -> list[VehicleRecord]:
    """Vehicles the members own or are registered users of."""
    found = await _each([m.fin for m in family.members], ctx.vehicles().load)
    return sorted(found, key=lambda r: (r.plate, r.fin))


async def disability(ctx: RequestContext, fin: str) -> DisabilityRecord | None:
    return await ctx.disabilities().load(fin)


async def contracts(ctx: RequestContext, fin: str) -> list[ContractRecord]:
    return sorted(await ctx.contracts().load(fin), key=lambda r: r.from_)


async def jobseeker(ctx: RequestContext, fin: str) -> JobseekerRecord | None:
    return await ctx.jobseekers().load(fin)


async def refused_offers(ctx: RequestContext, fin: str) -> list[RefusedOfferRecord]:
    return sorted(await ctx.refused_offers().load(fin), key=lambda r: r.refused_on)


async def unemployment_insurance(
    ctx: RequestContext, fin: str, months: int, before: date | None
) -> list[MonthlyIncomeRecord]:
    first, last = income_window(ctx, months, before)
    return sorted(await ctx.insurance_payments(first, last).load(fin), key=lambda r: r.month)


async def scholarships(
    ctx: RequestContext, fin: str, months: int, before: date | None
) -> list[MonthlyIncomeRecord]:
    first, last = income_window(ctx, months, before)
    return sorted(await ctx.scholarships(first, last).load(fin), key=lambda r: r.month)


def current_study(records: Iterable[StudyRecord], today: date) -> StudyRecord | None:
    """The study under way today, or else the one that started last."""
    ordered = sorted(records, key=lambda r: r.from_)
    for record in reversed(ordered):
        if record.from_ <= today and (record.until is None or today <= record.until):
            return record
    return ordered[-1] if ordered else None


async def study(ctx: RequestContext, fin: str) -> StudyRecord | None:
    return current_study(await ctx.studies().load(fin), ctx.today)
