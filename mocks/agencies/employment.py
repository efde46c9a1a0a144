"""employment (REST) — State Employment Agency.

Job-seeker registrations, unemployment insurance by month, and the dates suitable job offers
were refused.
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
from mocks.world import IncomeSource, World

KEY = "employment"


def jobseekers_batch(call: RestCall, world: World) -> Json:
    jobseekers: list[Json] = []
    for fin in fins_field(call.fields("fins")):
        member = world.member(fin)
        if member is not None and member.jobseeker is not None:
            jobseekers.append(
                {"fin": fin, "registered_on": member.jobseeker.registered_on.isoformat()}
            )
    return {"jobseekers": jobseekers}


def insurance_payments_batch(call: RestCall, world: World) -> Json:
    payload = call.fields("fins", "from", "until")
    fins = fins_field(payload)
    first, last = months_field(payload)
    payments: list[Json] = []
    for fin in fins:
        member = world.member(fin)
        if member is None:
            continue
        streams = [s for s in member.income if s.source is IncomeSource.UNEMPLOYMENT_INSURANCE]
        for month, amount in monthly_amounts(streams, first, last):
            payments.append({"fin": fin, "month": month, "amount": amount})
    return {"payments": payments}


def refused_offers_batch(call: RestCall, world: World) -> Json:
    refusals: list[Json] = []
    for fin in fins_field(call.fields("fins")):
        member = world.member(fin)
        if member is None:
            continue
        refusals.extend(
            {"fin": fin, "refused_on": day.isoformat()} for day in sorted(member.job_offers_refused)
        )
    return {"refusals": refusals}


def routes(state: MockState) -> list[BaseRoute]:
    return [
        Mount(
            f"/{KEY}",
            routes=[
                rest_route(state, KEY, "/jobseekers:batch", jobseekers_batch),
                rest_route(state, KEY, "/insurance-payments:batch", insurance_payments_batch),
                rest_route(state, KEY, "/refused-offers:batch", refused_offers_batch),
            ],
        )
    ]
