"""conscription (SOAP) — State Service for Mobilization and Conscription.

``GetActiveService``: the fixed-term military service recorded for a requested person (from,
and until when the end is fixed).
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree
from starlette.routing import BaseRoute

from mocks.agencies.base import MockState
from mocks.soap import fins_in, load_contract, record, soap_route
from mocks.world import World

KEY = "conscription"


def get_active_service(payload: etree._Element, world: World) -> Iterator[str]:
    ns = etree.QName(payload).namespace or ""
    for fin in fins_in(payload, ns):
        member = world.member(fin)
        if member is None or member.conscript is None:
            continue
        service = member.conscript
        yield record(
            "service",
            [
                ("fin", fin),
                ("from", service.from_.isoformat()),
                ("until", service.until.isoformat() if service.until else None),
            ],
        )


def routes(state: MockState) -> list[BaseRoute]:
    return [soap_route(state, load_contract(KEY), {"GetActiveService": get_active_service})]
