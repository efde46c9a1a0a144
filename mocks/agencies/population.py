"""population (REST) — Ministry of Internal Affairs population registry, and the family
composition records of the local executive authorities.

Persons (names, birth date, sex, citizenship, ID card, registered address, wanted flag, death
date) and families (household id, district, address, members with their relation).
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount

from mocks.agencies.base import MockState
from mocks.agencies.rest import (
    Json,
    NotFound,
    RestCall,
    day_text,
    fins_field,
    household_ids_field,
    rest_route,
)
from mocks.world import Household, Member, World

KEY = "population"


def person(member: Member, household: Household) -> Json:
    return {
        "fin": member.fin,
        "id_card": member.id_card,
        "first_name": member.first_name,
        "last_name": member.last_name,
        "patronymic": member.patronymic,
        "birth_date": member.birth_date.isoformat(),
        "sex": member.sex.value,
        "citizenship": member.citizenship,
        "address": household.address,
        "wanted": member.wanted,
        "died_on": day_text(member.died_on),
    }


def family(household: Household) -> Json:
    return {
        "household_id": household.id,
        "district": household.district,
        "address": household.address,
        "members": [{"fin": m.fin, "relation": m.relation.value} for m in household.members],
    }


def persons_batch(call: RestCall, world: World) -> Json:
    persons: list[Json] = []
    not_found: list[str] = []
    for fin in fins_field(call.fields("fins")):
        member, household = world.member(fin), world.household_of(fin)
        if member is None or household is None:
            not_found.append(fin)
        else:
            persons.append(person(member, household))
    return {"persons": persons, "not_found": not_found}


def families_batch(call: RestCall, world: World) -> Json:
    families: list[Json] = []
    not_found: list[str] = []
    for fin in fins_field(call.fields("fins")):
        household = world.household_of(fin)
        if household is None:
            not_found.append(fin)
        else:
            families.append({"fin": fin, "family": family(household)})
    return {"families": families, "not_found": not_found}


def families_by_id(call: RestCall, world: World) -> Json:
    families: list[Json] = []
    not_found: list[str] = []
    for household_id in household_ids_field(call.fields("household_ids")):
        household = world.household(household_id)
        if household is None:
            not_found.append(household_id)
        else:
            families.append(family(household))
    return {"families": families, "not_found": not_found}


def family_by_id(call: RestCall, world: World) -> Json:
    household = world.household(call.path_params["household_id"])
    if household is None:
        raise NotFound
    return family(household)


def routes(state: MockState) -> list[BaseRoute]:
    return [
        Mount(
            f"/{KEY}",
            routes=[
                rest_route(state, KEY, "/persons:batch", persons_batch),
                rest_route(state, KEY, "/families:batch", families_batch),
                rest_route(state, KEY, "/families:by-id", families_by_id),
                rest_route(state, KEY, "/families/{household_id}", family_by_id, method="GET"),
            ],
        )
    ]
