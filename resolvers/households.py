"""Use cases behind `household`, `person` and the agency-backed fields of a household.

The family composition from the population registry comes first: it is what authorization
checks (a citizen reads only their own family, a caseworker only their districts), and no other
agency is called before that check passes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TypeVar

from adapters.records import (
    BorderCrossingRecord,
    FamilyRecord,
    PersonRecord,
    RealEstateRecord,
    UtilityKind,
)
from resolvers import audit, authorization
from resolvers.context import RequestContext
from resolvers.errors import BadUserInput, Forbidden
from resolvers.loaders import month_window

T = TypeVar("T")

MAX_MONTHS = 60
UTILITY_PROVIDERS = (UtilityKind.ELECTRICITY, UtilityKind.GAS, UtilityKind.WATER)


async def authorized_family(ctx: RequestContext, fin: str) -> FamilyRecord | None:
    """The family ``fin`` belongs to, if the caller may read it; ``None`` when the registry has
    no family for that FIN (and the caller could have read it)."""
    principal = ctx.require_principal()
    family = await ctx.families(authorization=True).load(fin)
    if family is None:
        # Nothing to leak, but only roles that may look people up learn that it does not exist.
        verdict = authorization.can_read_household(principal, district=None, member_fins=(fin,))
        # the lookup is recorded with the verdict, allowed or denied (resolvers/audit.py)
        await audit.settle_family(ctx, None, verdict, fin=fin)
        if not verdict.allowed:
            raise Forbidden(verdict.reason)
        return None
    await ensure_may_read(ctx, family)
    return family


async def ensure_may_read(ctx: RequestContext, family: FamilyRecord) -> None:
    """``FORBIDDEN`` unless the caller may read ``family``; either way the family-composition
    lookup is recorded in the audit log with the verdict before anything is returned."""
    verdict = authorization.can_read_household(
        ctx.require_principal(),
        district=family.district,
        member_fins=tuple(m.fin for m in family.members),
    )
    await audit.settle_family(ctx, family, verdict)
    if not verdict.allowed:
        raise Forbidden(verdict.reason)


async def authorized_person(ctx: RequestContext, fin: str) -> PersonRecord | None:
    """The registry's record of ``fin`` if the caller may read that person (themselves or a
    member of their own family; a caseworker's district; an auditor; a service with
    ``persons:read``), else ``FORBIDDEN``. The family lookup the check needs is recorded with
    the verdict, as for a household."""
    principal = ctx.require_principal()
    family = await ctx.families(authorization=True).load(fin)
    verdict = authorization.can_read_person(
        principal,
        person_fin=fin,
        household_district=family.district if family is not None else None,
        household_member_fins=tuple(m.fin for m in family.members) if family else (),
    )
    await audit.settle_family(ctx, family, verdict, fin=fin)
    if not verdict.allowed:
        raise Forbidden(verdict.reason)
    return await ctx.persons().load(fin)


async def authorized_family_by_id(ctx: RequestContext, household_id: str) -> FamilyRecord | None:
    ctx.require_principal()
    family = await ctx.household_families(authorization=True).load(household_id)
    if family is None:
        return None
    await ensure_may_read(ctx, family)
    return family


async def member_persons(ctx: RequestContext, family: FamilyRecord) -> list[PersonRecord | None]:
    return list(await ctx.persons().load_many([m.fin for m in family.members]))


def income_window(ctx: RequestContext, months: int, before: date | None) -> tuple[date, date]:
    if not 1 <= months <= MAX_MONTHS:
        raise BadUserInput(f"months must be between 1 and {MAX_MONTHS}", field=["months"])
    return month_window(before or ctx.today, months)


async def properties(ctx: RequestContext, family: FamilyRecord) -> list[RealEstateRecord]:
    per_member = await ctx.real_estate().load_many([m.fin for m in family.members])
    return sorted(_flatten(per_member), key=lambda r: (r.object_id, r.owner_fin))


async def border_crossings(ctx: RequestContext, family: FamilyRecord) -> list[BorderCrossingRecord]:
    per_member = await ctx.border_crossings().load_many([m.fin for m in family.members])
    return sorted(_flatten(per_member), key=lambda r: (r.exit_date, r.fin))


def _flatten(groups: Iterable[Iterable[T]]) -> list[T]:
    return [item for group in groups for item in group]
