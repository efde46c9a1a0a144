"""disability (REST): TSERAS assessments."""

from __future__ import annotations

from .agency_world import AYNUR, LEYLA


async def test_answers_the_disability_of_those_assessed(client, headers) -> None:
    response = await client.post(
        "/disability/disabilities:batch", json={"fins": [AYNUR, LEYLA]}, headers=headers()
    )

    assert response.json() == {
        "disabilities": [
            {"fin": AYNUR, "percent": 60, "group": 2, "child": False, "until": "2027-01-01"}
        ]
    }
