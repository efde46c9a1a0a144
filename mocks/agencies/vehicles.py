"""vehicles (SOAP) — State Road Police (Ministry of Internal Affairs).

``GetVehiclesByPersons``: vehicles of which a requested person is the owner or a registered
user, with plate, kind, acquisition date, value and the state-rehabilitation flag.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree
from starlette.routing import BaseRoute

from mocks.agencies.base import MockState
from mocks.agencies.rest import money
from mocks.soap import boolean, fins_in, load_contract, record, soap_route
from mocks.world import World

KEY = "vehicles"


def get_vehicles_by_persons(payload: etree._Element, world: World) -> Iterator[str]:
    ns = etree.QName(payload).namespace or ""
    for fin in fins_in(payload, ns):
        member = world.member(fin)
        if member is None:
            continue
        for vehicle in member.vehicles:
            yield record(
                "vehicle",
                [
                    ("fin", fin),
                    ("plate", vehicle.plate),
                    ("kind", vehicle.kind.value),
                    ("role", vehicle.role.value),
                    ("acquiredOn", vehicle.acquired_on.isoformat()),
                    ("value", money(vehicle.value)),
                    ("stateRehabilitation", boolean(vehicle.state_rehabilitation)),
                ],
            )


def routes(state: MockState) -> list[BaseRoute]:
    return [
        soap_route(state, load_contract(KEY), {"GetVehiclesByPersons": get_vehicles_by_persons})
    ]
