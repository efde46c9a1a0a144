"""disability (REST) — the ministry's disability subsystem (TSERAS).

Disability assessments: impairment percent, group, child disability, valid until.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount

from mocks.agencies.base import MockState
from mocks.agencies.rest import Json, RestCall, day_text, fins_field, rest_route
from mocks.world import World

KEY = "disability"


def disabilities_batch(call: RestCall, world: World) -> Json:
    disabilities: list[Json] = []
    for fin in fins_field(call.fields("fins")):
        member = world.member(fin)
        if member is None or member.disability is None:
            continue
        disability = member.disability
        disabilities.append(
            {
                "fin": fin,
                "percent": disability.percent,
                "group": disability.group,
                "child": disability.child,
                "until": day_text(disability.until),
            }
        )
    return {"disabilities": disabilities}


def routes(state: MockState) -> list[BaseRoute]:
    return [
        Mount(
            f"/{KEY}",
            routes=[
                rest_route(state, KEY, "/disabilities:batch", disabilities_batch),
            ],
        )
    ]
