"""utilities (REST) — Azərişıq (electricity), Azəriqaz (gas) and Azərsu (water), one provider
each under ``/utilities/<provider>``.

A provider holds meters by the household's registered address (the meters are what make a
household in law) and the monthly charges on them; months with no charge are absent. A household
the provider never charged has no meter with that provider.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.routing import BaseRoute, Mount

from mocks.agencies.base import MockState, monthly_amounts
from mocks.agencies.rest import (
    Json,
    RestCall,
    addresses_field,
    months_field,
    rest_route,
)
from mocks.world import UtilityKind, World

KEY = "utilities"
METER_PREFIX = {UtilityKind.ELECTRICITY: "EL", UtilityKind.GAS: "QZ", UtilityKind.WATER: "SU"}


def charges_of(provider: UtilityKind) -> Callable[[RestCall, World], Json]:
    def charges_batch(call: RestCall, world: World) -> Json:
        payload = call.fields("addresses", "from", "until")
        addresses = addresses_field(payload)
        first, last = months_field(payload)
        meters: list[Json] = []
        for address in addresses:
            household = world.household_at(address)
            streams = household.utilities.of(provider) if household else ()
            if household is None or not streams:
                continue
            meters.append(
                {
                    "address": address,
                    "meter_id": f"{METER_PREFIX[provider]}-{household.id}",
                    "charges": [
                        {"month": month, "amount": amount}
                        for month, amount in monthly_amounts(streams, first, last)
                    ],
                }
            )
        return {"meters": meters}

    return charges_batch


def routes(state: MockState) -> list[BaseRoute]:
    return [
        Mount(
            f"/{KEY}",
            routes=[
                rest_route(state, KEY, f"/{provider.value}/charges:batch", charges_of(provider))
                for provider in UtilityKind
            ],
        )
    ]
