"""education (REST): studies and scholarships."""

from __future__ import annotations

from .agency_world import AYNUR, LEYLA


async def test_answers_full_time_studies(client, headers) -> None:
    response = await client.post(
        "/education/studies:batch", json={"fins": [AYNUR, LEYLA]}, headers=headers()
    )

    assert response.json() == {
        "studies": [
            {
                "fin": LEYLA,
                "full_time": True,
                "institution": "Bakı Dövlət Universiteti",
                "from": "2023-09-15",
                "until": "2027-06-30",
            }
        ]
    }


async def test_answers_scholarships_by_month(client, headers) -> None:
    response = await client.post(
        "/education/scholarships:batch",
        json={"fins": [LEYLA], "from": "2026-05", "until": "2026-08"},
        headers=headers(),
    )

    assert response.json() == {
        "payments": [
            {"fin": LEYLA, "month": "2026-05", "amount": "50.00"},
            {"fin": LEYLA, "month": "2026-06", "amount": "50.00"},
        ]
    }
