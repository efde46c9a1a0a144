"""agriculture (REST) — Ministry of Agriculture farmer registry.

Agricultural land (hectares, a decimal string) and livestock counts per farmer.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount

from mocks.agencies.base import MockState
from mocks.agencies.rest import Json, RestCall, fins_field, rest_route
from mocks.world import World

KEY = "agriculture"


def farmers_batch(call: RestCall, world: World) -> Json:
    farmers: list[Json] = []
    for fin in fins_field(call.fields("fins")):
        member = world.member(fin)
        if member is None or member.agriculture is None:
            continue
        farm = member.agriculture
        livestock = farm.livestock
        farmers.append(
            {
                "fin": fin,
                "land_hectares": f"{farm.land_hectares:f}",
                "livestock": {
                    "cattle": livestock.cattle,
                    "small_ruminant": livestock.small_ruminant,
                    "pig": livestock.pig,
                    "bee_colony": livestock.bee_colony,
                    "poultry": livestock.poultry,
                },
            }
        )
    return {"farmers": farmers}


def routes(state: MockState) -> list[BaseRoute]:
    return [Mount(f"/{KEY}", routes=[rest_route(state, KEY, "/farmers:batch", farmers_batch)])]
