"""agriculture (REST): the farmer registry."""

from __future__ import annotations

from .agency_world import AYNUR, KAMRAN


async def test_answers_land_and_livestock_of_registered_farmers(client, headers) -> None:
    response = await client.post(
        "/agriculture/farmers:batch", json={"fins": [AYNUR, KAMRAN]}, headers=headers()
    )

    assert response.json() == {
        "farmers": [
            {
                "fin": KAMRAN,
                "land_hectares": "0.50",
                "livestock": {
                    "cattle": 1,
                    "small_ruminant": 4,
                    "pig": 0,
                    "bee_colony": 0,
                    "poultry": 10,
                },
            }
        ]
    }
