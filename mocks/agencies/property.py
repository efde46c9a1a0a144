"""property (SOAP) — State Service on Property Issues, the real-estate registry.

``GetRealEstateByOwners``: every real-estate object of which a requested person is an owner.
The registry knows objects, owners, shares and values; nothing else about the person.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree
from starlette.routing import BaseRoute

from mocks.agencies.base import MockState
from mocks.agencies.rest import money
from mocks.soap import fins_in, load_contract, record, soap_route
from mocks.world import World

KEY = "property"


def get_real_estate_by_owners(payload: etree._Element, world: World) -> Iterator[str]:
    ns = etree.QName(payload).namespace or ""
    for fin in fins_in(payload, ns, "ownerFins"):
        member = world.member(fin)
        if member is None:
            continue
        for estate in member.properties:
            yield record(
                "realEstate",
                [
                    ("ownerFin", fin),
                    ("objectId", estate.id),
                    ("purpose", estate.purpose.value),
                    ("address", estate.address),
                    ("share", f"{estate.share.normalize():f}"),
                    ("acquiredOn", estate.acquired_on.isoformat()),
                    ("value", money(estate.value)),
                ],
            )


def routes(state: MockState) -> list[BaseRoute]:
    return [
        soap_route(state, load_contract(KEY), {"GetRealEstateByOwners": get_real_estate_by_owners})
    ]
