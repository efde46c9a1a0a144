"""tax (REST) — State Tax Service.

Taxpayer registrations (an entrepreneur's own VÖEN, or an employee under an employer's VÖEN) and
monthly income of the tax service's own sources: ``wage`` (employer withholding),
``entrepreneur`` and ``rent``. The world's income streams are the truth for amounts: a contract
without a ``wage`` stream has no wage records.
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

KEY = "tax"
SOURCES = (IncomeSource.WAGE, IncomeSource.ENTREPRENEUR, IncomeSource.RENT)
_SOURCE_TEXTS = tuple((source, source.value) for source in SOURCES)


def taxpayers_batch(call: RestCall, world: World) -> Json:
    taxpayers: list[Json] = []
    for fin in fins_field(call.fields("fins")):
        member = world.member(fin)
        if member is None:
            continue
        if member.entrepreneur is not None:
            taxpayers.append(
                {
                    "fin": fin,
                    "voen": member.entrepreneur.voen,
                    "entrepreneur": True,
                    "registered_from": member.entrepreneur.from_.isoformat(),
                    "registered_until": day_text(member.entrepreneur.until),
                }
            )
        for contract in member.contracts:
            taxpayers.append(
                {
                    "fin": fin,
                    "voen": contract.employer_voen,
                    "entrepreneur": False,
                    "registered_from": contract.from_.isoformat(),
                    "registered_until": day_text(contract.until),
                }
            )
    return {"taxpayers": taxpayers}


def incomes_batch(call: RestCall, world: World) -> Json:
    payload = call.fields("fins", "from", "until")
    fins = fins_field(payload)
    first, last = months_field(payload)
    incomes: list[Json] = []
    for fin in fins:
        member = world.member(fin)
        if member is None:
            continue
        for source, source_text in _SOURCE_TEXTS:
            streams = [s for s in member.income if s.source is source]
            for month, amount in monthly_amounts(streams, first, last):
                incomes.append(
                    {
                        "fin": fin,
                        "month": month,
                        "source": source_text,
                        "amount": amount,
                    }
                )
    return {"incomes": incomes}


def routes(state: MockState) -> list[BaseRoute]:
    return [
        Mount(
            f"/{KEY}",
            routes=[
                rest_route(state, KEY, "/taxpayers:batch", taxpayers_batch),
                rest_route(state, KEY, "/incomes:batch", incomes_batch),
            ],
        )
    ]
