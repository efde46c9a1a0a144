"""Root query fields."""

from __future__ import annotations

import strawberry

from resolvers import households as uc
from schema.scalars import FIN
from schema.types import Household, Info, Person, uc_person


@strawberry.type
class Query:
    @strawberry.field(description="The family the person with this FIN belongs to")
    async def household(self, info: Info, fin: FIN) -> Household | None:
        family = await uc.authorized_family(info.context, fin)
        return Household.of(family) if family else None

    @strawberry.field(description="A person from the population registry")
    async def person(self, info: Info, fin: FIN) -> Person | None:
        return await uc_person(info, fin)
