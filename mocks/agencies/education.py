"""education (REST) — Ministry of Science and Education.

Studies (full time or not, institution, from, until) and scholarships by month.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount

from mocks.agencies.base import MockState, monthly_amounts
from mocks.agencies.rest import (
    Json,
    RestCall,
    day_text,
    fins_field,
    months_field,
    rest_route,
)
from mocks.world import IncomeSource, World

KEY = "education"


def studies_batch(call: RestCall, world: World) -> Json:
    studies: list[Json] = []
    for fin in fins_field(call.fields("fins")):
        member = world.member(fin)
        if member is None or member.student is None:
            continue
        study = member.student
        studies.append(
            {
                "fin": fin,
                "full_time": study.full_time,
                "institution": study.institution,
                "from": study.from_.isoformat(),
                "until": day_text(study.until),
            }
        )
    return {"studies": studies}


def scholarships_batch(call: RestCall, world: World) -> Json:
    payload = call.fields("fins", "from", "until")
    fins = fins_field(payload)
    first, last = months_field(payload)
    payments: list[Json] = []
    for fin in fins:
        member = world.member(fin)
        if member is None:
            continue
        streams = [s for s in member.income if s.source is IncomeSource.SCHOLARSHIP]
        for month, amount in monthly_amounts(streams, first, last):
            payments.append({"fin": fin, "month": month, "amount": amount})
    return {"payments": payments}


def routes(state: MockState) -> list[BaseRoute]:
    return [
        Mount(
            f"/{KEY}",
            routes=[
                rest_route(state, KEY, "/studies:batch", studies_batch),
                rest_route(state, KEY, "/scholarships:batch", scholarships_batch),
            ],
        )
    ]
