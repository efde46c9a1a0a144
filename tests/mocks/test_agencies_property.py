"""property (SOAP): real-estate objects by owner, as docs/agency-protocols.md says."""

from __future__ import annotations

from .agency_world import AYNUR, LEYLA, UNKNOWN, fins_xml, soap_records


async def test_lists_every_object_an_owner_holds_with_share_and_value(soap) -> None:
    response = await soap("property", "GetRealEstateByOwners", fins_xml(AYNUR, wrapper="ownerFins"))

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert soap_records(response.content, "realEstate") == [
        {
            "ownerFin": AYNUR,
            "objectId": "RE-0001",
            "purpose": "residential",
            "address": "Şərifzadə küç. 12, mənzil 5, Bakı",
            "share": "1",
            "acquiredOn": "2012-05-01",
            "value": "30000.00",
        },
        {
            "ownerFin": AYNUR,
            "objectId": "RE-0002",
            "purpose": "garden",
            "address": "Mərdəkan qəs., Bakı",
            "share": "0.5",
            "acquiredOn": "2019-08-15",
            "value": "4500.50",
        },
    ]


async def test_answers_nothing_for_people_who_own_nothing_or_are_unknown(soap) -> None:
    response = await soap(
        "property", "GetRealEstateByOwners", fins_xml(LEYLA, UNKNOWN, wrapper="ownerFins")
    )

    assert response.status_code == 200
    assert soap_records(response.content, "realEstate") == []


async def test_answers_a_batch_in_one_call(soap, app) -> None:
    response = await soap(
        "property", "GetRealEstateByOwners", fins_xml(LEYLA, AYNUR, AYNUR, wrapper="ownerFins")
    )

    assert [r["objectId"] for r in soap_records(response.content, "realEstate")] == [
        "RE-0001",
        "RE-0002",
    ]
    assert app.state.mock.calls.count("property", "GetRealEstateByOwners") == 1
