"""justice (SOAP) — Ministry of Justice: penitentiary service, civil registry and courts.

``GetSentences``: prison sentences being served. ``GetCivilStatus``: death records and court
declarations (missing or declared dead), only for persons with such a record. ``GetAlimony``:
alimony received, per month of the requested range; months with none are absent.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree
from starlette.routing import BaseRoute

from mocks.agencies.base import MockState, monthly_amounts
from mocks.agencies.rest import MAX_MONTHS
from mocks.soap import boolean, client_fault, fins_in, load_contract, month_in, record, soap_route
from mocks.world import IncomeSource, World

KEY = "justice"


def get_sentences(payload: etree._Element, world: World) -> Iterator[str]:
    ns = etree.QName(payload).namespace or ""
    for fin in fins_in(payload, ns):
        member = world.member(fin)
        if member is None or member.imprisoned is None:
            continue
        sentence = member.imprisoned
        yield record(
            "sentence",
            [
                ("fin", fin),
                ("from", sentence.from_.isoformat()),
                ("until", sentence.until.isoformat() if sentence.until else None),
            ],
        )


def get_civil_status(payload: etree._Element, world: World) -> Iterator[str]:
    ns = etree.QName(payload).namespace or ""
    for fin in fins_in(payload, ns):
        member = world.member(fin)
        if member is None or (member.died_on is None and not member.missing):
            continue
        yield record(
            "status",
            [
                ("fin", fin),
                ("diedOn", member.died_on.isoformat() if member.died_on else None),
                ("declaredMissing", boolean(member.missing)),
            ],
        )


def get_alimony(payload: etree._Element, world: World) -> Iterator[str]:
    ns = etree.QName(payload).namespace or ""
    first, last = month_in(payload, ns, "from"), month_in(payload, ns, "until")
    if last < first:
        raise client_fault("until is before from")
    if (last.year - first.year) * 12 + last.month - first.month + 1 > MAX_MONTHS:
        raise client_fault(f"at most {MAX_MONTHS} months per call")
    records: list[str] = []
    for fin in fins_in(payload, ns):
        member = world.member(fin)
        if member is None:
            continue
        streams = [s for s in member.income if s.source is IncomeSource.ALIMONY]
        for month, amount in monthly_amounts(streams, first, last):
            records.append(
                record(
                    "payment",
                    [
                        ("fin", fin),
                        ("month", month),
                        ("amount", amount),
                    ],
                )
            )
    return iter(records)


def routes(state: MockState) -> list[BaseRoute]:
    handlers = {
        "GetSentences": get_sentences,
        "GetCivilStatus": get_civil_status,
        "GetAlimony": get_alimony,
    }
    return [soap_route(state, load_contract(KEY), handlers)]
