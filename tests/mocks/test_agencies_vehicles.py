"""vehicles (SOAP): vehicles of owners and registered users."""

from __future__ import annotations

from .agency_world import AYNUR, LEYLA, RESAD, fins_xml, soap_records


async def test_lists_vehicles_owned_or_used_with_the_rehabilitation_flag(soap) -> None:
    response = await soap("vehicles", "GetVehiclesByPersons", fins_xml(AYNUR, RESAD, LEYLA))

    assert soap_records(response.content, "vehicle") == [
        {
            "fin": AYNUR,
            "plate": "10-AB-123",
            "kind": "car",
            "role": "owner",
            "acquiredOn": "2019-05-01",
            "value": "8000.00",
            "stateRehabilitation": "false",
        },
        {
            "fin": RESAD,
            "plate": "90-ZZ-999",
            "kind": "motorcycle",
            "role": "user",
            "acquiredOn": "2021-02-02",
            "value": "900.00",
            "stateRehabilitation": "true",
        },
    ]
