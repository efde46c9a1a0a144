"""migration (SOAP) — State Migration Service and State Border Service.

``GetResidenceStatus``: whether each known person lives abroad (and where, when the border
service saw them leave and not come back). ``GetBorderCrossings``: every exit with its entry
(``entryDate`` omitted while abroad). The services know residence and crossings only.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree
from starlette.routing import BaseRoute

from mocks.agencies.base import MockState
from mocks.soap import boolean, fins_in, load_contract, record, soap_route
from mocks.world import Member, World

KEY = "migration"


def _country_abroad(member: Member) -> str | None:
    """The country of the latest exit without a return, if any."""
    open_exits = [c for c in member.border_crossings if c.entry is None]
    return max(open_exits, key=lambda c: c.exit).country if open_exits else None


def get_residence_status(payload: etree._Element, world: World) -> Iterator[str]:
    ns = etree.QName(payload).namespace or ""
    for fin in fins_in(payload, ns):
        member = world.member(fin)
        if member is None:
            continue
        yield record(
            "status",
            [
                ("fin", fin),
                ("livesAbroad", boolean(member.lives_abroad)),
                ("country", _country_abroad(member) if member.lives_abroad else None),
            ],
        )


def get_border_crossings(payload: etree._Element, world: World) -> Iterator[str]:
    ns = etree.QName(payload).namespace or ""
    for fin in fins_in(payload, ns):
        member = world.member(fin)
        if member is None:
            continue
        for crossing in sorted(member.border_crossings, key=lambda c: c.exit):
            yield record(
                "crossing",
                [
                    ("fin", fin),
                    ("exitDate", crossing.exit.isoformat()),
                    ("entryDate", crossing.entry.isoformat() if crossing.entry else None),
                    ("country", crossing.country),
                ],
            )


def routes(state: MockState) -> list[BaseRoute]:
    handlers = {
        "GetResidenceStatus": get_residence_status,
        "GetBorderCrossings": get_border_crossings,
    }
    return [soap_route(state, load_contract(KEY), handlers)]
