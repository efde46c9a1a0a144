"""population (REST): persons and family composition, as docs/agency-protocols.md says."""

from __future__ import annotations

from .agency_world import AYNUR, GULNARE, KAMRAN, LEYLA, RESAD, TURAL, UNKNOWN


async def test_answers_a_person_with_every_registry_field(client, headers) -> None:
    response = await client.post(
        "/population/persons:batch", json={"fins": [AYNUR]}, headers=headers()
    )

    assert response.status_code == 200
    assert response.json() == {
        "persons": [
            {
                "fin": AYNUR,
                "id_card": "AA1234567",
                "first_name": "Aynur",
                "last_name": "Məmmədova",
                "patronymic": "Əli qızı",
                "birth_date": "1988-04-02",
                "sex": "F",
                "citizenship": "AZ",
                "address": "Şərifzadə küç. 12, mənzil 5, Bakı",
                "wanted": False,
                "died_on": None,
            }
        ],
        "not_found": [],
    }


async def test_lists_unknown_fins_as_not_found_and_keeps_the_order_asked(client, headers) -> None:
    response = await client.post(
        "/population/persons:batch", json={"fins": [GULNARE, UNKNOWN, TURAL]}, headers=headers()
    )

    body = response.json()
    assert [p["fin"] for p in body["persons"]] == [GULNARE, TURAL]
    assert body["not_found"] == [UNKNOWN]
    gulnare, tural = body["persons"]
    assert gulnare["died_on"] == "2026-02-01" and gulnare["patronymic"] is None
    assert tural["wanted"] is True and tural["citizenship"] is None


async def test_answers_the_family_each_person_belongs_to(client, headers) -> None:
    response = await client.post(
        "/population/families:batch", json={"fins": [LEYLA, KAMRAN, UNKNOWN]}, headers=headers()
    )

    body = response.json()
    assert body["not_found"] == [UNKNOWN]
    assert [f["fin"] for f in body["families"]] == [LEYLA, KAMRAN]
    assert body["families"][0]["family"] == {
        "household_id": "HH-YAS-000001",
        "district": "Yasamal",
        "address": "Şərifzadə küç. 12, mənzil 5, Bakı",
        "members": [
            {"fin": AYNUR, "relation": "head"},
            {"fin": RESAD, "relation": "spouse"},
            {"fin": LEYLA, "relation": "child"},
        ],
    }
    assert body["families"][1]["family"]["household_id"] == "HH-SAB-000002"


async def test_answers_a_family_by_its_household_id(client, headers) -> None:
    response = await client.get("/population/families/HH-SAB-000002", headers=headers())

    assert response.status_code == 200
    assert response.json()["district"] == "Səbail"
    assert len(response.json()["members"]) == 4


async def test_a_household_id_it_does_not_hold_is_not_found(client, headers) -> None:
    response = await client.get("/population/families/HH-XXX-999999", headers=headers())

    assert response.status_code == 404
    assert response.json() == {"error": "not_found"}


async def test_answers_families_by_household_id_and_lists_the_unknown(client, headers) -> None:
    response = await client.post(
        "/population/families:by-id",
        json={"household_ids": ["HH-SAB-000002", "HH-XXX-999999", "HH-YAS-000001"]},
        headers=headers(),
    )

    body = response.json()
    assert [f["household_id"] for f in body["families"]] == ["HH-SAB-000002", "HH-YAS-000001"]
    assert body["families"][1]["members"][0] == {"fin": AYNUR, "relation": "head"}
    assert body["not_found"] == ["HH-XXX-999999"]


async def test_refuses_a_household_id_that_cannot_be_one(client, headers) -> None:
    response = await client.post(
        "/population/families:by-id", json={"household_ids": ["HH-1", "../etc"]}, headers=headers()
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "household_ids[1] is not a valid household id"
