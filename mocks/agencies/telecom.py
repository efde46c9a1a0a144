"""telecom (REST) — the licensed communication operators.

Communication charges of a person, by month; months with no charge are absent.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount

from mocks.agencies.base import MockState, monthly_amounts
from mocks.agencies.rest import (
    Json,
    RestCall,
    fins_field,
    months_field,
    rest_route,
)
from mocks.world import World

KEY = "telecom"


def charges_batch(call: RestCall, world: World) -> Json:
    payload = call.fields("fins", "from", "until")
    fins = fins_field(payload)
    first, last = months_field(payload)
    charges: list[Json] = []
    for fin in fins:
        member = world.member(fin)
        if member is None:
            continue
        for month, amount in monthly_amounts(member.telecom, first, last):
            charges.append({"fin": fin, "month": month, "amount": amount})
    return {"charges": charges}


def routes(state: MockState) -> list[BaseRoute]:
    return [Mount(f"/{KEY}", routes=[rest_route(state, KEY, "/charges:batch", charges_batch)])]
