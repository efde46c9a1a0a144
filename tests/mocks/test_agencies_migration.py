"""migration (SOAP): residence status and border crossings."""

from __future__ import annotations

from .agency_world import AYNUR, TURAL, UNKNOWN, fins_xml, soap_records


async def test_says_who_lives_abroad_and_where(soap) -> None:
    response = await soap("migration", "GetResidenceStatus", fins_xml(AYNUR, TURAL, UNKNOWN))

    assert response.status_code == 200
    assert soap_records(response.content, "status") == [
        {"fin": AYNUR, "livesAbroad": "false"},
        {"fin": TURAL, "livesAbroad": "true", "country": "DE"},
    ]


async def test_lists_crossings_in_order_and_omits_the_entry_while_abroad(soap) -> None:
    response = await soap("migration", "GetBorderCrossings", fins_xml(TURAL, AYNUR))

    assert soap_records(response.content, "crossing") == [
        {"fin": TURAL, "exitDate": "2024-03-01", "entryDate": "2024-03-10", "country": "GE"},
        {"fin": TURAL, "exitDate": "2025-11-01", "country": "DE"},
        {"fin": AYNUR, "exitDate": "2026-01-05", "entryDate": "2026-01-20", "country": "TR"},
    ]


async def test_counts_each_operation_separately(soap, app) -> None:
    await soap("migration", "GetBorderCrossings", fins_xml(TURAL))
    await soap("migration", "GetResidenceStatus", fins_xml(TURAL))
    await soap("migration", "GetResidenceStatus", fins_xml(AYNUR))

    calls = app.state.mock.calls
    assert calls.count("migration", "GetResidenceStatus") == 2
    assert calls.count("migration", "GetBorderCrossings") == 1
