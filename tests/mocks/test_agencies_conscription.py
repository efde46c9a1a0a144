"""conscription (SOAP): active fixed-term military service."""

from __future__ import annotations

from .agency_world import AYNUR, ORXAN, UNKNOWN, fins_xml, soap_records


async def test_answers_the_service_of_a_conscript_only(soap) -> None:
    response = await soap("conscription", "GetActiveService", fins_xml(AYNUR, ORXAN, UNKNOWN))

    assert soap_records(response.content, "service") == [
        {"fin": ORXAN, "from": "2025-07-01", "until": "2026-07-01"}
    ]
