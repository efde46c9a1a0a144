"""Root query fields."""

from __future__ import annotations

from datetime import date

import strawberry

from resolvers import eligibility as el
from resolvers import households as uc
from schema.decision import MeansTestParameters
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

    @strawberry.field(
        description="The means-test parameters in force on a day, each with its status "
        "(confirmed or assumed) and legal reference"
    )
    def means_test_parameters(self, info: Info, on: date) -> MeansTestParameters:
        return MeansTestParameters.of(el.parameters_on(info.context, on))
