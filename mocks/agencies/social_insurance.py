"""social_insurance (REST) — State Social Protection Fund, and the ministry's employment-contract
register.

Employment contracts; pensions and benefits by month (``pension``, ``benefit``, ``tsa``,
``liberated_territories_benefit``); TSA assignments; false-information findings; residence in
state care.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount

from mocks.agencies.base import MockState, monthly_amounts
from mocks.agencies.rest import (
    Json,
    RestCall,
    day_text,
    fins_field,
    money,
    months_field,
    rest_route,
)
from mocks.world import IncomeSource, Member, World

KEY = "social_insurance"
SOURCES = (
    IncomeSource.PENSION,
    IncomeSource.BENEFIT,
    IncomeSource.TSA,
    IncomeSource.LIBERATED_TERRITORIES_BENEFIT,
)
_SOURCE_TEXTS = tuple((source, source.value) for source in SOURCES)


def _members(call: RestCall, world: World) -> list[Member]:
    fins = fins_field(call.fields("fins"))
    return [m for m in map(world.member, fins) if m is not None]


def contracts_batch(call: RestCall, world: World) -> Json:
    return {
        "contracts": [
            {
                "fin": member.fin,
                "employer_voen": contract.employer_voen,
                "from": contract.from_.isoformat(),
                "until": day_text(contract.until),
                "monthly_wage": money(contract.monthly_wage),
            }
            for member in _members(call, world)
            for contract in member.contracts
        ]
    }


def payments_batch(call: RestCall, world: World) -> Json:
    payload = call.fields("fins", "from", "until")
    fins = fins_field(payload)
    first, last = months_field(payload)
    payments: list[Json] = []
    for member in (m for m in map(world.member, fins) if m is not None):
        for source, source_text in _SOURCE_TEXTS:
            streams = [s for s in member.income if s.source is source]
            for month, amount in monthly_amounts(streams, first, last):
                payments.append(
                    {
                        "fin": member.fin,
                        "month": month,
                        "source": source_text,
                        "amount": amount,
                    }
                )
    return {"payments": payments}


def assignments_batch(call: RestCall, world: World) -> Json:
    return {
        "assignments": [
            {
                "fin": member.fin,
                "from": assignment.from_.isoformat(),
                "until": assignment.until.isoformat(),
                "monthly": money(assignment.monthly),
            }
            for member in _members(call, world)
            for assignment in member.tsa_assignments
        ]
    }


def findings_batch(call: RestCall, world: World) -> Json:
    return {
        "findings": [
            {
                "fin": member.fin,
                "false_information_found_on": member.false_information_found_on.isoformat(),
            }
            for member in _members(call, world)
            if member.false_information_found_on is not None
        ]
    }


def state_care_batch(call: RestCall, world: World) -> Json:
    return {
        "residents": [
            {"fin": member.fin} for member in _members(call, world) if member.in_state_care
        ]
    }


def routes(state: MockState) -> list[BaseRoute]:
    return [
        Mount(
            f"/{KEY}",
            routes=[
                rest_route(state, KEY, "/contracts:batch", contracts_batch),
                rest_route(state, KEY, "/payments:batch", payments_batch),
                rest_route(state, KEY, "/assignments:batch", assignments_batch),
                rest_route(state, KEY, "/findings:batch", findings_batch),
                rest_route(state, KEY, "/state-care:batch", state_care_batch),
            ],
        )
    ]
