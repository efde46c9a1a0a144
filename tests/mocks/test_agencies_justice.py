"""justice (SOAP): sentences, civil status and alimony."""

from __future__ import annotations

from .agency_world import AYNUR, GULNARE, KAMRAN, RESAD, TURAL, fins_xml, soap_fault, soap_records


async def test_answers_the_sentence_being_served(soap) -> None:
    response = await soap("justice", "GetSentences", fins_xml(AYNUR, RESAD))

    assert soap_records(response.content, "sentence") == [
        {"fin": RESAD, "from": "2025-01-10", "until": "2028-01-10"}
    ]


async def test_answers_civil_status_only_for_the_dead_and_the_declared_missing(soap) -> None:
    response = await soap("justice", "GetCivilStatus", fins_xml(AYNUR, GULNARE, KAMRAN, TURAL))

    assert soap_records(response.content, "status") == [
        {"fin": GULNARE, "diedOn": "2026-02-01", "declaredMissing": "false"},
        {"fin": KAMRAN, "declaredMissing": "true"},
    ]


async def test_answers_alimony_per_month_within_the_range(soap) -> None:
    months = "<a:from>2025-11</a:from><a:until>2026-03</a:until>"
    response = await soap("justice", "GetAlimony", fins_xml(AYNUR, RESAD) + months)

    assert soap_records(response.content, "payment") == [
        {"fin": AYNUR, "month": "2025-11", "amount": "80.00"},
        {"fin": AYNUR, "month": "2025-12", "amount": "80.00"},
    ]


async def test_refuses_an_alimony_range_that_ends_before_it_starts(soap) -> None:
    months = "<a:from>2026-03</a:from><a:until>2025-11</a:until>"
    response = await soap("justice", "GetAlimony", fins_xml(AYNUR) + months)

    assert soap_fault(response.content) == ("soapenv:Client", "until is before from")


async def test_refuses_an_alimony_request_without_months(soap) -> None:
    response = await soap("justice", "GetAlimony", fins_xml(AYNUR))

    assert soap_fault(response.content)[0] == "soapenv:Client"
